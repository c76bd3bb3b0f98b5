// npm run keys:generate -- [--out DIR] [--name NAME]
// Creates the Ed25519 key pair the server signs run orders with. Give the
// private key to the server (WORKBENCH_SIGNING_KEY_FILE) and the public key
// to every agent (--public-key).
import { parseArgs } from "node:util";
import { generateSigningKeyFiles } from "../lib/signing-key-files.ts";

const { values } = parseArgs({ options: { out: { type: "string", default: "./keys" }, name: { type: "string", default: "signing-key" } } });
try {
  const files = generateSigningKeyFiles(values.out!, values.name!);
  process.stdout.write(
    `private key: ${files.privateKeyFile}  (server: WORKBENCH_SIGNING_KEY_FILE)\n` +
      `public key:  ${files.publicKeyFile}  (agents: --public-key)\n` +
      `key id:      ${files.keyId}\n`,
  );
} catch (error) {
  process.stderr.write(`${(error as Error).message}\n`);
  process.exit(1);
}
