import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';

/**
 * The repository's one home for writing outputs safely (Node only, `@fm/data/node`). Every writer
 * puts its bytes in a hidden temporary sibling first, named `.<name>.fm-tmp-<pid>-<random>`, and
 * renames it over the target once complete: a reader sees the old file or the new one, never a
 * part. Temporaries of a process that died (SIGKILL) are removed by the next run
 * ({@link cleanLeftovers}); those of the running process are removed on Ctrl-C by
 * {@link removePendingTempsSync}.
 */

/** Marker in the names of temporary files and directories. */
export const TEMP_MARKER = '.fm-tmp-';

/** Temporary paths this process is writing right now. */
const pending = new Set<string>();

/** A fresh hidden temporary path next to `path` (same folder, so the final rename is atomic). */
export function tempPathFor(path: string): string {
  const abs = resolve(path);
  return join(dirname(abs), `.${basename(abs)}${TEMP_MARKER}${process.pid}-${randomBytes(4).toString('hex')}`);
}

/**
 * The process id in a temporary name made by {@link tempPathFor} (or a version directory
 * `v-<random>-<pid>`), or undefined when `name` is not one.
 */
export function ownerPid(name: string): number | undefined {
  const m = /\.fm-(?:tmp|commit)-(\d+)-[0-9a-f]+(?:\.json)?$/.exec(name) ?? /^v-[0-9a-f]+-(\d+)$/.exec(name);
  return m ? Number(m[1]) : undefined;
}

/** True when a process with this id exists (a process of another user counts as alive). */
export function isProcessAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Registers a temporary path of this process, removed by {@link removePendingTempsSync} on Ctrl-C. */
export function trackTemp(path: string): void {
  pending.add(path);
}

/** Forgets a temporary path (renamed into place, removed, or handed to a commit journal). */
export function untrackTemp(path: string): void {
  pending.delete(path);
}

/** Number of temporary outputs this process is writing (for tests). */
export function pendingTempCount(): number {
  return pending.size;
}

/**
 * Removes every temporary file or directory this process is still writing, synchronously (safe in
 * a signal handler just before `process.exit`). Outputs already handed to a commit journal are
 * left for the next run to complete.
 */
export function removePendingTempsSync(): void {
  for (const p of pending) rmSync(p, { recursive: true, force: true });
  pending.clear();
}

/** Writes `data` to a new file at `path` and flushes it to disk. */
export async function writeFileDurable(path: string, data: Uint8Array | string): Promise<void> {
  const fh = await open(path, 'wx');
  try {
    await fh.writeFile(data);
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/**
 * Writes a temporary sibling of `path` holding `data` and returns its path; the caller renames it
 * into place (or hands it to a commit journal). Creates missing parent folders.
 */
export async function writeTemp(path: string, data: Uint8Array | string): Promise<string> {
  const tmp = tempPathFor(path);
  trackTemp(tmp);
  try {
    await mkdir(dirname(tmp), { recursive: true });
    await writeFileDurable(tmp, data);
  } catch (e) {
    untrackTemp(tmp);
    await rm(tmp, { force: true }).catch(() => undefined);
    throw new Error(`${path}: cannot write (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`, { cause: e });
  }
  return tmp;
}

/**
 * Writes `data` to `path` atomically: a hidden temporary file in the same folder, flushed, then
 * renamed over `path`. A crash, Ctrl-C or SIGKILL leaves either the old file or the new one.
 * Creates missing parent folders. Errors name `path`.
 */
export async function writeFileAtomic(path: string, data: Uint8Array | string): Promise<void> {
  const tmp = await writeTemp(path, data);
  try {
    await rename(tmp, path);
  } catch (e) {
    await rm(tmp, { force: true }).catch(() => undefined);
    throw new Error(`${path}: cannot write (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`, { cause: e });
  } finally {
    untrackTemp(tmp);
  }
}
