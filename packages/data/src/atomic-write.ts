import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { mkdir, open, rename, rm, stat, type FileHandle } from 'node:fs/promises';
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
/** Marker in the name of a directory moved aside while {@link beginDirAtomic} replaces it. */
export const OLD_MARKER = '.fm-old-';

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
  const m = /\.fm-(?:tmp|old|commit)-(\d+)-[0-9a-f]+(?:\.json)?$/.exec(name) ?? /^v-[0-9a-f]+-(\d+)$/.exec(name);
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

/**
 * Writes `chunks` in order, each in writes of at most `maxWrite` bytes (Node refuses one write of 2 GiB or more;
 * a 1M-feature FFM table at k = 16 is 2.5 GB). @internal
 */
export async function writeChunks(fh: FileHandle, chunks: Iterable<Uint8Array>, maxWrite = 1 << 30): Promise<void> {
  for (const chunk of chunks) {
    for (let at = 0; at < chunk.byteLength; ) at += (await fh.write(chunk, at, Math.min(maxWrite, chunk.byteLength - at))).bytesWritten;
  }
}

/**
 * Writes `data` to a new file at `path` and flushes it to disk. `data` may be a sequence of chunks (each
 * written before the next is asked for, so a generator can reuse one buffer): a big file written without
 * first being joined in memory.
 */
export async function writeFileDurable(path: string, data: Uint8Array | string | Iterable<Uint8Array>): Promise<void> {
  const fh = await open(path, 'wx');
  try {
    if (typeof data === 'string' || data instanceof Uint8Array) await fh.writeFile(data);
    else await writeChunks(fh, data);
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/**
 * Writes a temporary sibling of `path` holding `data` (or its chunks, in order) and returns its path; the caller renames it
 * into place (or hands it to a commit journal). Creates missing parent folders.
 */
export async function writeTemp(path: string, data: Uint8Array | string | readonly Uint8Array[]): Promise<string> {
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

/** A directory being built by {@link beginDirAtomic}: fill `tempDir`, then `commit` or `abort`. */
export interface PendingDir {
  /** The hidden temporary sibling directory to write into (removed on Ctrl-C, or by `abort`). */
  readonly tempDir: string;
  /** Replaces the target directory with `tempDir` (an existing one is moved aside, then removed). */
  commit(): Promise<void>;
  /** Removes `tempDir`; the target directory is left as it was. */
  abort(): Promise<void>;
}

const exists = (p: string) => stat(p).then(() => true, () => false);

/**
 * Starts building directory `dir` as one unit, for writers that fill it over time (a streaming shard
 * writer): files go to a hidden temporary sibling (`.<name>.fm-tmp-<pid>-…`), which replaces `dir`
 * on `commit`. A directory cannot be renamed over another, so the old one is first moved aside
 * (`.<name>.fm-old-<pid>-…`); a process killed between the two renames leaves `dir` missing and the old
 * directory aside, which the next run puts back ({@link cleanLeftovers}). Model directories avoid
 * that moment altogether (`writeModelDir` in `@fm/train/node` switches versions by replacing one file).
 */
export async function beginDirAtomic(dir: string): Promise<PendingDir> {
  const tempDir = tempPathFor(dir);
  trackTemp(tempDir);
  await mkdir(tempDir, { recursive: true });
  let done = false;
  return {
    tempDir,
    async commit() {
      if (done) throw new Error(`beginDirAtomic: ${dir} was already committed or aborted`);
      done = true;
      let old: string | undefined;
      try {
        if (await exists(dir)) {
          old = join(dirname(tempDir), basename(tempDir).replace(TEMP_MARKER, OLD_MARKER));
          await rename(dir, old);
        }
        await rename(tempDir, dir);
      } catch (e) {
        await rm(tempDir, { recursive: true, force: true });
        if (old && !(await exists(dir))) await rename(old, dir).catch(() => undefined);
        throw e;
      } finally {
        untrackTemp(tempDir);
      }
      if (old) await rm(old, { recursive: true, force: true });
    },
    async abort() {
      done = true;
      untrackTemp(tempDir);
      await rm(tempDir, { recursive: true, force: true });
    },
  };
}

/** Builds directory `dir` as one unit: `fill` writes into a temporary directory, which then replaces `dir`. */
export async function writeDirAtomic(dir: string, fill: (tempDir: string) => Promise<void>): Promise<void> {
  const pending = await beginDirAtomic(dir);
  try {
    await fill(pending.tempDir);
  } catch (e) {
    await pending.abort();
    throw e;
  }
  await pending.commit();
}
