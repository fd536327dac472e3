import { readdir, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { isProcessAlive, ownerPid, TEMP_MARKER } from './atomic-write.js';
import { completeJournals } from './commit-outputs.js';

/** What {@link cleanLeftovers} did in a folder. */
export interface LeftoverReport {
  /** Outputs whose interrupted multi-file commit was completed. */
  completed: string[];
  /** Temporary files and folders of dead processes that were removed. */
  removed: string[];
}

/**
 * Cleans what killed fm processes left in `dir`: interrupted multi-file commits are settled first
 * (see `completeJournals`), then the hidden temporaries (`.<name>.fm-tmp-<pid>-…`) of processes
 * that no longer run are removed. Temporaries of running processes are left alone. A folder that
 * does not exist has nothing to clean.
 */
export async function cleanLeftovers(dir: string): Promise<LeftoverReport> {
  const abs = resolve(dir);
  const completed = await completeJournals(abs);
  const removed: string[] = [];
  let names: string[];
  try {
    names = await readdir(abs);
  } catch {
    return { completed, removed };
  }
  for (const name of names) {
    if (!name.includes(TEMP_MARKER)) continue;
    const pid = ownerPid(name);
    if (pid === undefined || isProcessAlive(pid)) continue;
    await rm(join(abs, name), { recursive: true, force: true });
    removed.push(join(abs, name));
  }
  return { completed, removed };
}
