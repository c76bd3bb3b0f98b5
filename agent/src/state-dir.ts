import fs from "node:fs";
import path from "node:path";
import type { z } from "zod";
import { AgentError } from "./errors.ts";

/**
 * The agent's own directory (default /var/lib/workbench-agent): the trust set
 * after key rotations, the runs already started (replay protection), the
 * frame spool. Only root may read or change it: whoever can write here can
 * make the agent trust a key or run an order twice. Files are replaced
 * atomically (write, fsync, rename), so a crash leaves the old or the new
 * version, never half of one.
 */
export class StateDir {
  private constructor(readonly root: string) {}

  static open(root: string): StateDir {
    const dir = path.resolve(root);
    try {
      fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    } catch (error) {
      throw new AgentError("CONFIG", `cannot create the state directory ${dir}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
    }
    assertPrivate(dir, "state directory");
    return new StateDir(dir);
  }

  path(name: string): string {
    return path.join(this.root, name);
  }

  /** A subdirectory, private like the root. */
  subdir(name: string): string {
    const dir = this.path(name);
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    assertPrivate(dir, "state directory");
    return dir;
  }

  /** The file's content if it exists and matches the schema; a file that does not is a configuration error. */
  readJson<T>(name: string, schema: z.ZodType<T>): T | undefined {
    const file = this.path(name);
    let text: string;
    try {
      text = fs.readFileSync(file, "utf8");
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
      throw new AgentError("CONFIG", `cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
    }
    assertPrivate(file, "state file");
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      throw new AgentError("CONFIG", `${file} is not JSON; restore it from a backup or remove it (the agent then forgets what it recorded there)`);
    }
    const parsed = schema.safeParse(value);
    if (!parsed.success) throw new AgentError("CONFIG", `${file} is not a state file this agent wrote: ${parsed.error.issues[0]?.message}`);
    return parsed.data;
  }

  writeJson(name: string, value: unknown): void {
    writeFileAtomic(this.path(name), JSON.stringify(value) + "\n");
  }
}

/** Write, rename: readers see the old or the new content. `durable` also survives a power cut (fsync). */
export function writeFileAtomic(file: string, content: string, options: { durable?: boolean } = {}): void {
  const durable = options.durable ?? true;
  const temporary = `${file}.${process.pid}.tmp`;
  const fd = fs.openSync(temporary, "w", 0o600);
  try {
    fs.writeSync(fd, content);
    if (durable) fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(temporary, file);
  if (!durable) return;
  // The rename is durable only once the directory entry is.
  const dirFd = fs.openSync(path.dirname(file), "r");
  try {
    fs.fsyncSync(dirFd);
  } finally {
    fs.closeSync(dirFd);
  }
}

/** Owned by the agent's user and closed to everyone else. */
function assertPrivate(file: string, what: string): void {
  const stat = fs.statSync(file);
  const uid = process.geteuid?.();
  if (uid !== undefined && stat.uid !== uid) {
    throw new AgentError("CONFIG", `the ${what} ${file} belongs to uid ${stat.uid}, not to the agent's user (${uid})`);
  }
  if (stat.mode & 0o077) {
    throw new AgentError("CONFIG", `the ${what} ${file} is open to other users (mode ${(stat.mode & 0o777).toString(8)}); chmod go-rwx it`);
  }
}

/**
 * For the trust root the operator installs (public keys): owned by the agent's user (or root) and
 * writable by nobody else, since whoever can change it decides what this host runs.
 */
export function assertInstalledByRoot(file: string, what: string): void {
  const stat = fs.statSync(file);
  const uid = process.geteuid?.();
  if (uid !== undefined && stat.uid !== uid && stat.uid !== 0) {
    throw new AgentError("CONFIG", `${what} ${file} belongs to uid ${stat.uid}; it must belong to root`);
  }
  if (stat.mode & 0o022) {
    throw new AgentError("CONFIG", `${what} ${file} can be changed by other users (mode ${(stat.mode & 0o777).toString(8)}); chmod go-w it`);
  }
}
