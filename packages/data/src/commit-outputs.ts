import { randomBytes } from 'node:crypto';
import { readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { isProcessAlive, untrackTemp, writeFileDurable, writeTemp } from './atomic-write.js';
import { recordOutputs } from './output-registry.js';

/** One output of a {@link commitOutputs} set. */
export interface OutputFile {
  path: string;
  /** The file's bytes or text, or its bytes in chunks (written in order: a big file is not joined first). */
  data: Uint8Array | string | readonly Uint8Array[];
}

/** Marker in the names of commit journals. */
export const JOURNAL_MARKER = '.fm-commit-';

/** What a journal holds: the renames still to do, the files to remove, and where its copies are. */
interface Journal {
  format: 'fm-commit/1';
  renames: { tmp: string; target: string }[];
  /** Files of the old set that the new set does not have (e.g. a titles sidecar), removed with it. */
  removes?: string[];
  journals: string[];
}

const exists = (p: string) => stat(p).then(() => true, () => false);

function journalPathFor(target: string, tag: string): string {
  return join(dirname(target), `.${basename(target)}${JOURNAL_MARKER}${process.pid}-${tag}.json`);
}

/**
 * Writes several files as one unit. All of them go to temporary siblings first; then a journal
 * listing the renames is written next to every target, the temporaries are renamed over the
 * targets, `remove` (files of the old set the new one lacks) are deleted, and the journals are
 * removed. Each target path always holds a complete old or new file (a rename replaces a file
 * atomically); if the process dies during the renames, the next run finds a journal and completes
 * them ({@link completeJournals}), so the set is never left mixed. Targets must be distinct.
 * Creates missing folders; records the files as fm's outputs.
 */
export async function commitOutputs(files: readonly OutputFile[], remove: readonly string[] = []): Promise<void> {
  const targets = files.map((f) => resolve(f.path));
  if (new Set(targets).size !== targets.length) throw new Error(`commitOutputs: the same path is listed twice (${targets.join(', ')})`);
  const removes: string[] = [];
  for (const r of remove) if (await exists(r)) removes.push(resolve(r));
  const temps: string[] = [];
  try {
    for (const f of files) temps.push(await writeTemp(f.path, f.data));
  } catch (e) {
    for (const t of temps) untrackTemp(t);
    await Promise.all(temps.map((t) => rm(t, { force: true })));
    throw e;
  }
  // one file too goes through a journal: a kill between its rename and the record of fm's outputs would otherwise
  // leave a new file that the next run refuses to overwrite (not recorded as fm's)
  const renames = targets.map((target, i) => ({ tmp: temps[i] as string, target }));
  const tag = randomBytes(4).toString('hex');
  const journal: Journal = { format: 'fm-commit/1', renames, removes, journals: targets.map((t) => journalPathFor(t, tag)) };
  const text = JSON.stringify(journal);
  try {
    for (const j of journal.journals) await writeFileDurable(j, text);
  } catch (e) {
    // journals first: a journal whose temporaries are gone must mean the renames were done (see settle)
    await Promise.all(journal.journals.map((p) => rm(p, { force: true })));
    await Promise.all(temps.map((p) => rm(p, { force: true })));
    for (const t of temps) untrackTemp(t);
    throw new Error(`cannot write ${targets.join(', ')}: ${(e as Error).message}`, { cause: e });
  }
  // From here on the journal owns the temporaries: a second Ctrl-C must not delete them.
  for (const t of temps) untrackTemp(t);
  await applyJournal(journal);
}

async function applyJournal(journal: Journal): Promise<void> {
  for (const r of journal.renames) {
    try {
      await rename(r.tmp, r.target);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw new Error(`${r.target}: cannot write (${(e as Error).message})`, { cause: e });
      // Renamed already (by an earlier, interrupted attempt).
    }
  }
  await Promise.all((journal.removes ?? []).map((p) => rm(p, { force: true })));
  await recordOutputs([...journal.renames.map((r) => r.target), ...(journal.removes ?? [])]);
  await Promise.all(journal.journals.map((j) => rm(j, { force: true })));
}

async function readJournal(path: string): Promise<Journal | undefined> {
  try {
    const j = JSON.parse(await readFile(path, 'utf8')) as Partial<Journal>;
    if (j.format === 'fm-commit/1' && Array.isArray(j.renames) && Array.isArray(j.journals)) return j as Journal;
  } catch {
    // missing, or cut short by a kill
  }
  return undefined;
}

/**
 * Settles the set of a journal left by a dead process. When every copy of the journal is intact the set
 * was sealed, so the rest of the commit is done: the renames still to do (the new outputs win), the
 * removals, and the record of the new files as fm's outputs (a process killed after its last rename
 * but before that record would otherwise leave new files that a later run refuses to overwrite). When a
 * copy is missing or cut short the process died while sealing, before any rename (the temporaries are
 * removed: the old outputs stand), or while removing the journals after recording (nothing is left to
 * do). Returns the targets now holding new outputs.
 */
async function settle(journal: Journal): Promise<string[]> {
  const copies = await Promise.all(journal.journals.map(readJournal));
  if (copies.every((c) => c !== undefined)) {
    await applyJournal(journal);
    return journal.renames.map((r) => r.target);
  }
  for (const r of journal.renames) await rm(r.tmp, { force: true });
  await Promise.all(journal.journals.map((j) => rm(j, { force: true })));
  return [];
}

/**
 * Settles the commits that a killed process left in `dir` (journals whose process is gone), so a
 * set written by {@link commitOutputs} is never left mixed: either every output is the new one or
 * every output is the old one. A journal cut short is removed. Returns the targets completed.
 */
export async function completeJournals(dir: string): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return [];
  }
  const done: string[] = [];
  for (const name of names) {
    const m = /\.fm-commit-(\d+)-[0-9a-f]+\.json$/.exec(name);
    if (!m || isProcessAlive(Number(m[1]))) continue;
    const path = join(dir, name);
    if (!(await exists(path))) continue; // settled with an earlier journal of the same set
    const journal = await readJournal(path);
    if (journal) done.push(...(await settle(journal)));
    else await rm(path, { force: true });
  }
  return done;
}
