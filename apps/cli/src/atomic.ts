import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { mkdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';

/** Temporary paths being written right now; removed on Ctrl-C so no partial output survives. */
const pending = new Set<string>();

/** Removes every in-flight temporary file/dir (synchronously: safe inside a signal handler). */
export function cleanupPendingOutputs(): void {
  for (const p of pending) rmSync(p, { recursive: true, force: true });
  pending.clear();
}

/** Number of in-flight temporary outputs (for tests). */
export function pendingOutputCount(): number {
  return pending.size;
}

function tempSibling(path: string, tag: string): string {
  const abs = resolve(path);
  return join(dirname(abs), `.${basename(abs)}.${tag}-${randomBytes(5).toString('hex')}`);
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

/**
 * Writes a file atomically: a hidden temp file in the same folder, then `rename` over `path`.
 * Creates missing parent folders. A crash or Ctrl-C leaves either the old file or the new one.
 */
export async function writeFileAtomic(path: string, data: Uint8Array | string): Promise<void> {
  await mkdir(dirname(resolve(path)), { recursive: true });
  const tmp = tempSibling(path, 'tmp');
  pending.add(tmp);
  try {
    await writeFile(tmp, data);
    await rename(tmp, path);
  } catch (e) {
    await rm(tmp, { force: true });
    throw new Error(`cannot write ${path}: ${(e as Error).message}`, { cause: e });
  } finally {
    pending.delete(tmp);
  }
}

/**
 * Builds a directory atomically: `fill` writes into a hidden temp dir next to `dir`, which then
 * replaces `dir` by rename (an existing `dir` is moved aside first and removed afterwards).
 */
export async function writeDirAtomic(dir: string, fill: (tmpDir: string) => Promise<void>): Promise<void> {
  await mkdir(dirname(resolve(dir)), { recursive: true });
  const tmp = tempSibling(dir, 'tmp');
  pending.add(tmp);
  let old: string | undefined;
  try {
    await mkdir(tmp);
    await fill(tmp);
    if (await exists(dir)) {
      old = tempSibling(dir, 'old');
      await rename(dir, old);
    }
    await rename(tmp, dir);
  } catch (e) {
    await rm(tmp, { recursive: true, force: true });
    if (old && !(await exists(dir))) await rename(old, dir).catch(() => undefined);
    throw e;
  } finally {
    pending.delete(tmp);
  }
  if (old) {
    await rm(old, { recursive: true, force: true });
  }
}
