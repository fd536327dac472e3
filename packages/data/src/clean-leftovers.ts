import { readdir, rename, rm, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { isProcessAlive, OLD_MARKER, ownerPid, TEMP_MARKER } from './atomic-write.js';
import { completeJournals } from './commit-outputs.js';

/** What {@link cleanLeftovers} did in a folder. */
export interface LeftoverReport {
  /** Outputs whose interrupted multi-file commit was completed. */
  completed: string[];
  /** Temporary files and folders of dead processes that were removed. */
  removed: string[];
  /** Directories put back from where a killed directory replacement had moved them aside. */
  restored: string[];
}

/**
 * Cleans what killed fm processes left in `dir`: interrupted multi-file commits are settled first
 * (see `completeJournals`), a directory that a killed replacement had moved aside
 * (`.<name>.fm-old-<pid>-…`) is put back when `<name>` is missing (else removed), then the hidden
 * temporaries (`.<name>.fm-tmp-<pid>-…`) of processes that no longer run are removed. Leftovers of
 * running processes are left alone. A folder that does not exist has nothing to clean.
 */
export async function cleanLeftovers(dir: string): Promise<LeftoverReport> {
  const abs = resolve(dir);
  const completed = await completeJournals(abs);
  const removed: string[] = [];
  const restored: string[] = [];
  let names: string[];
  try {
    names = await readdir(abs);
  } catch {
    return { completed, removed, restored };
  }
  for (const name of names) {
    const aside = name.indexOf(OLD_MARKER);
    const temp = name.includes(TEMP_MARKER);
    if (aside < 0 && !temp) continue;
    const pid = ownerPid(name);
    if (pid === undefined || isProcessAlive(pid)) continue;
    if (aside > 0) {
      const target = join(abs, name.slice(1, aside));
      if (!(await stat(target).catch(() => undefined))) {
        await rename(join(abs, name), target);
        restored.push(target);
        continue;
      }
    }
    await rm(join(abs, name), { recursive: true, force: true });
    removed.push(join(abs, name));
  }
  return { completed, removed, restored };
}
