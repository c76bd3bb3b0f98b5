// Drives Prisma's schema engine compiled to WebAssembly (@prisma/schema-engine-wasm)
// through @prisma/adapter-pg. The Prisma CLI wants a native engine it downloads
// from Prisma's own host, which production networks and this project's CI
// cannot reach; the WebAssembly build ships on npm and does the same work.
import fs from "node:fs";
import path from "node:path";
import { createRequire } from "node:module";
import { randomBytes } from "node:crypto";
import pg from "pg";
import { parse as parseConnectionString } from "pg-connection-string";
import { PrismaPg } from "@prisma/adapter-pg";
import { bindMigrationAwareSqlAdapterFactory } from "@prisma/driver-adapter-utils";
import * as engineBindings from "@prisma/schema-engine-wasm/schema_engine_bg";
import { splitSqlScript } from "./split-sql-script.ts";
import type { MigrationList, SchemaEngine, SchemaFilter } from "@prisma/schema-engine-wasm";

export const PROJECT_ROOT = path.resolve(import.meta.dirname, "../..");
export const SCHEMA_PATH = path.join(PROJECT_ROOT, "prisma/schema.prisma");
export const MIGRATIONS_DIR = path.join(PROJECT_ROOT, "prisma/migrations");
const LOCKFILE = "migration_lock.toml";
const LOCKFILE_CONTENT = '# Written by scripts/db; keep it under version control.\nprovider = "postgresql"\n';
export const NO_FILTER: SchemaFilter = { externalTables: [], externalEnums: [] };

let engineModuleReady: Promise<void> | undefined;

/** wasm-bindgen emits an ESM `import` of the .wasm file, which Node 20 cannot load
 * without a flag; instantiate it by hand and hand the exports to the JS glue. */
function loadEngineModule(): Promise<void> {
  engineModuleReady ??= (async () => {
    const require = createRequire(import.meta.url);
    const gluePath = require.resolve("@prisma/schema-engine-wasm/schema_engine_bg");
    const bytes = fs.readFileSync(gluePath.replace(/\.js$/, ".wasm"));
    const { instance } = await WebAssembly.instantiate(bytes, {
      "./schema_engine_bg.js": engineBindings as unknown as WebAssembly.ModuleImports,
    });
    const glue = engineBindings as unknown as { __wbg_set_wasm(exports: unknown): void };
    glue.__wbg_set_wasm(instance.exports);
    (instance.exports as { __wbindgen_start(): void }).__wbindgen_start();
  })();
  return engineModuleReady;
}

function widenCharColumns<T>(result: T): T {
  const fields = (result as { fields?: { dataTypeID: number }[] } | undefined)?.fields;
  for (const field of fields ?? []) {
    // PostgreSQL's one-byte internal type "char" (OID 18) appears in the
    // pg_catalog columns the schema describer reads. @prisma/adapter-pg 7.10
    // has no mapping for it and fails with "Column type 'char' could not be
    // deserialized"; its values are plain text, so report them as text (OID 25).
    if (field.dataTypeID === 18) field.dataTypeID = 25;
  }
  return result;
}

class CatalogSafeClient extends pg.Client {
  // pg's Client.query has many overloads; this wrapper only post-processes
  // the result, whichever calling style pg's Pool uses.
  override query(...args: unknown[]): never {
    const last = args[args.length - 1];
    if (typeof last === "function") {
      const callback = last as (error: unknown, result: unknown) => void;
      const rest = args.slice(0, -1);
      return (super.query as (...a: unknown[]) => never)(...rest, (error: unknown, result: unknown) => callback(error, widenCharColumns(result)));
    }
    const pending = (super.query as (...a: unknown[]) => unknown)(...args);
    if (pending && typeof (pending as Promise<unknown>).then === "function") {
      return (pending as Promise<unknown>).then(widenCharColumns) as never;
    }
    return pending as never;
  }
}

type ConnectionSettings = Pick<pg.PoolConfig, "host" | "port" | "user" | "password" | "database" | "ssl">;

function connectionSettings(databaseUrl: string): ConnectionSettings {
  const { host, port, user, password, database, ssl } = parseConnectionString(databaseUrl);
  return {
    host: host ?? undefined,
    port: port ? Number(port) : undefined,
    user,
    password,
    database: database ?? undefined,
    ssl: ssl ? (ssl as pg.PoolConfig["ssl"]) : undefined,
  };
}

type ScriptRunner = { executeScript(script: string): Promise<void>; underlyingDriver(): pg.Pool; onError(error: unknown): never };

/**
 * @prisma/adapter-pg 7.10 runs a migration by splitting it on every ";", so a
 * hand-written migration with a PL/pgSQL function (the audit trail's
 * triggers) fails half-applied. This sends each statement whole, split where
 * PostgreSQL would split it; errors go through the adapter's own mapping.
 */
function runsWholeStatements<T extends object>(adapter: T): T {
  const runner = adapter as unknown as ScriptRunner;
  runner.executeScript = async (script) => {
    for (const statement of splitSqlScript(script)) {
      try {
        await runner.underlyingDriver().query(statement);
      } catch (error) {
        runner.onError(error);
      }
    }
  };
  return adapter;
}

/**
 * @prisma/adapter-pg 7.10 opens its shadow database as `{ ...poolOptions, database }`
 * (a connection string in the options would win and send the shadow work to the
 * real database) and drops it before closing its own connection to it (which
 * PostgreSQL refuses). This factory creates the shadow database itself, on the
 * same server, and drops it only after its pool is closed.
 */
function shadowAwareFactory(pool: pg.Pool, settings: ConnectionSettings) {
  const main = new PrismaPg(pool);
  return {
    provider: main.provider as "postgres",
    adapterName: main.adapterName,
    connect: async () => runsWholeStatements(await main.connect()),
    async connectToShadowDb() {
      const name = `workbench_shadow_${randomBytes(6).toString("hex")}`;
      await pool.query(`CREATE DATABASE ${name}`);
      const shadowPool = new pg.Pool({ ...settings, database: name, Client: CatalogSafeClient, max: 2 });
      const adapter = runsWholeStatements(await new PrismaPg(shadowPool, { disposeExternalPool: true }).connect());
      const dispose = adapter.dispose.bind(adapter);
      adapter.dispose = async () => {
        await dispose();
        await pool.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      };
      return adapter;
    },
  };
}

export type OpenEngine = { engine: SchemaEngine; close(): Promise<void> };

export async function openSchemaEngine(databaseUrl: string): Promise<OpenEngine> {
  await loadEngineModule();
  const settings = connectionSettings(databaseUrl);
  const pool = new pg.Pool({ ...settings, Client: CatalogSafeClient, max: 2 });
  const factory = bindMigrationAwareSqlAdapterFactory(shadowAwareFactory(pool, settings));
  const schema = fs.readFileSync(SCHEMA_PATH, "utf8");
  const { SchemaEngine: Engine } = engineBindings as unknown as { SchemaEngine: typeof SchemaEngine };
  const logs: string[] = [];
  const engine = await Engine.new(
    { datamodels: [["schema.prisma", schema]] },
    (line: string) => {
      if (process.env.WORKBENCH_DEBUG_SCHEMA_ENGINE) logs.push(line);
    },
    factory,
  );
  return {
    engine,
    async close() {
      engine.free();
      await pool.end();
      if (logs.length) process.stderr.write(logs.join("\n") + "\n");
    },
  };
}

/** Reads prisma/migrations the way the schema engine expects it. */
export function readMigrations(dir = MIGRATIONS_DIR): MigrationList {
  const entries = fs.existsSync(dir) ? fs.readdirSync(dir, { withFileTypes: true }) : [];
  const migrationDirectories = entries
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort()
    .map((name) => {
      const file = path.join(dir, name, "migration.sql");
      const content = fs.existsSync(file) ? ({ tag: "ok", value: fs.readFileSync(file, "utf8") } as const) : ({ tag: "error", value: `${file} is missing` } as const);
      return { path: name, migrationFile: { path: "migration.sql", content } };
    });
  const lockPath = path.join(dir, LOCKFILE);
  return {
    baseDir: dir,
    lockfile: { path: LOCKFILE, content: fs.existsSync(lockPath) ? fs.readFileSync(lockPath, "utf8") : LOCKFILE_CONTENT },
    migrationDirectories,
    shadowDbInitScript: "",
  };
}

export function writeLockfile(dir = MIGRATIONS_DIR): void {
  const lockPath = path.join(dir, LOCKFILE);
  if (!fs.existsSync(lockPath)) fs.writeFileSync(lockPath, LOCKFILE_CONTENT);
}
