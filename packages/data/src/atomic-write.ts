import { randomBytes } from 'node:crypto';
import { mkdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';

function tempSibling(path: string, tag: string): string {
  const abs = resolve(path);
  return join(dirname(abs), `.${basename(abs)}.${randomBytes(6).toString('hex')}.${tag}`);
}

/**
 * Writes `data` to `path` atomically: it goes to a hidden temporary file in the same folder first
 * and is renamed over `path` only once complete, so a crash or Ctrl-C never leaves a partial file.
 */
export async function writeFileAtomic(path: string, data: Uint8Array | string): Promise<void> {
  const tmp = tempSibling(path, 'tmp');
  try {
    await writeFile(tmp, data);
    await rename(tmp, path);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
}

/** A directory being built by {@link beginDirAtomic}: fill `tempDir`, then `commit` or `abort`. */
export interface PendingDir {
  /** The hidden temporary sibling directory to write into (remove it on Ctrl-C, or call `abort`). */
  readonly tempDir: string;
  /** Replaces the target directory with `tempDir` by rename (an existing one is moved aside, then removed). */
  commit(): Promise<void>;
  /** Removes `tempDir`; the target directory is left as it was. */
  abort(): Promise<void>;
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

/**
 * Starts building directory `dir` atomically, for writers that fill it over time (a streaming
 * shard writer): files go to a hidden temporary sibling, which replaces `dir` by rename on
 * `commit`, so readers see the old directory or the complete new one, never a partial one.
 */
export async function beginDirAtomic(dir: string): Promise<PendingDir> {
  await mkdir(dirname(resolve(dir)), { recursive: true });
  const tempDir = tempSibling(dir, 'tmp');
  await mkdir(tempDir);
  let done = false;
  return {
    tempDir,
    async commit() {
      if (done) throw new Error(`beginDirAtomic: ${dir} was already committed or aborted`);
      done = true;
      let old: string | undefined;
      try {
        if (await exists(dir)) {
          old = tempSibling(dir, 'old');
          await rename(dir, old);
        }
        await rename(tempDir, dir);
      } catch (e) {
        await rm(tempDir, { recursive: true, force: true });
        if (old && !(await exists(dir))) await rename(old, dir).catch(() => undefined);
        throw e;
      }
      if (old) await rm(old, { recursive: true, force: true });
    },
    async abort() {
      done = true;
      await rm(tempDir, { recursive: true, force: true });
    },
  };
}

/** Builds directory `dir` atomically: `fill` writes into a temporary directory, which then replaces `dir`. */
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
