import { readFile, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { tempPathFor, trackTemp, untrackTemp, writeFileDurable } from './atomic-write.js';

/**
 * Name of the small file in each output folder that lists the files fm wrote there, with their size
 * and modification time, so that a later run may replace them (they are fm's own, unchanged since)
 * while refusing to overwrite anything else.
 */
export const OUTPUT_REGISTRY = '.fm-outputs.json';

interface RegistryJSON {
  format: 'fm-outputs/1';
  files: Record<string, { size: number; mtimeMs: number }>;
}

async function readRegistry(dir: string): Promise<RegistryJSON> {
  try {
    const j = JSON.parse(await readFile(join(dir, OUTPUT_REGISTRY), 'utf8')) as Partial<RegistryJSON>;
    if (j.format === 'fm-outputs/1' && typeof j.files === 'object' && j.files !== null) return j as RegistryJSON;
  } catch {
    // absent or unreadable: an empty registry
  }
  return { format: 'fm-outputs/1', files: {} };
}

/** Records files just written by fm (size and mtime as they are now), per folder. */
export async function recordOutputs(paths: readonly string[]): Promise<void> {
  const byDir = new Map<string, string[]>();
  for (const p of paths) {
    const abs = resolve(p);
    const list = byDir.get(dirname(abs)) ?? [];
    list.push(abs);
    byDir.set(dirname(abs), list);
  }
  for (const [dir, files] of byDir) {
    const reg = await readRegistry(dir);
    for (const f of files) {
      const st = await stat(f).catch(() => undefined);
      if (st?.isFile()) reg.files[basename(f)] = { size: st.size, mtimeMs: st.mtimeMs };
      else delete reg.files[basename(f)];
    }
    const path = join(dir, OUTPUT_REGISTRY);
    const tmp = tempPathFor(path);
    trackTemp(tmp);
    try {
      await writeFileDurable(tmp, JSON.stringify(reg));
      await rename(tmp, path);
    } catch {
      // The registry only ever relaxes a later --force check: failing to update it loses nothing.
      await rm(tmp, { force: true });
    } finally {
      untrackTemp(tmp);
    }
  }
}

/** True when `path` is a file that fm wrote and that has not changed since (same size and mtime). */
export async function isRecordedOutput(path: string): Promise<boolean> {
  const abs = resolve(path);
  const st = await stat(abs).catch(() => undefined);
  if (!st?.isFile()) return false;
  const entry = (await readRegistry(dirname(abs))).files[basename(abs)];
  return entry !== undefined && entry.size === st.size && entry.mtimeMs === st.mtimeMs;
}
