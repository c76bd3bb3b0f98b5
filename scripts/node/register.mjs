// `node --import ./scripts/node/register.mjs file.ts` runs the project's
// TypeScript (tsx) as server code (see server-conditions.mjs).
import { register } from "tsx/esm/api";
import "./server-conditions.mjs";

register({ tsconfig: new URL("../../tsconfig.json", import.meta.url).pathname });
