import { constants } from 'node:fs';
import { access, open, readdir, realpath, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { cleanLeftovers, isRecordedOutput } from '@fm/data/node';
import { isModelDir } from '@fm/train/node';
import { CliError, UsageError } from './errors.js';

/** A path a command reads. */
export interface PlannedInput {
  /** The flag that names it, e.g. `--input` (or `--input (its encoder sidecar)`). */
  flag: string;
  path: string;
}

/** A path a command writes. */
export interface PlannedOutput extends PlannedInput {
  /** A model or checkpoint directory, or a file. */
  kind: 'file' | 'dir';
}

/** The path with symbolic links and `.`/`..` resolved, also for a path that does not exist yet. */
export async function canonicalPath(path: string): Promise<string> {
  const abs = resolve(path);
  try {
    return await realpath(abs);
  } catch {
    const parent = dirname(abs);
    return parent === abs ? abs : join(await canonicalPath(parent), basename(abs));
  }
}

const head = async (path: string, bytes: number): Promise<Buffer> => {
  const fh = await open(path, 'r');
  try {
    const buf = Buffer.alloc(bytes);
    const { bytesRead } = await fh.read(buf, 0, bytes, 0);
    return buf.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
};

/**
 * True when fm wrote the file at `path` (and it is unchanged since): it is in the folder's record of
 * fm outputs, or it is recognisably fm's own (an `.arrow` dataset with fm's schema metadata, an
 * encoder or titles sidecar).
 */
export async function producedByFm(path: string): Promise<boolean> {
  if (await isRecordedOutput(path)) return true;
  try {
    const text = (await head(path, 1 << 16)).toString('latin1');
    if (path.toLowerCase().endsWith('.arrow')) return text.startsWith('ARROW1') && text.includes('fm-sparse-dataset/1');
    if (path.endsWith('.json')) return /^\s*\{\s*"format"\s*:\s*"fm-(encoder|items)\/1"/.test(text);
  } catch {
    // unreadable: not ours to overwrite
  }
  return false;
}

/**
 * Checks a command's outputs before it does any work (so that a bad path never costs a training run):
 * no output is an input or another output (exit 2); an existing file is overwritten only when fm
 * wrote it, and a directory only when it is an fm model directory or empty, unless `force` (exit 2);
 * the folder is writable (exit 1). Leftovers of killed runs next to the outputs are cleaned first.
 */
export async function checkOutputs(command: string, inputs: readonly PlannedInput[], outputs: readonly PlannedOutput[], force: boolean): Promise<void> {
  const canonIn = await Promise.all(inputs.map(async (i) => ({ ...i, canon: await canonicalPath(i.path) })));
  const canonOut = await Promise.all(outputs.map(async (o) => ({ ...o, canon: await canonicalPath(o.path) })));
  for (let a = 0; a < canonOut.length; a++) {
    const o = canonOut[a] as (typeof canonOut)[number];
    for (let b = a + 1; b < canonOut.length; b++) {
      const p = canonOut[b] as (typeof canonOut)[number];
      if (o.canon === p.canon) throw new UsageError(`fm ${command}: ${o.flag} and ${p.flag} both write ${o.path}; give each output its own path`, command);
    }
    const same = canonIn.find((i) => i.canon === o.canon);
    if (same) throw new UsageError(`fm ${command}: ${o.flag} ${o.path} is also an input (${same.flag}); write the output elsewhere`, command);
  }
  for (const o of canonOut) {
    await cleanLeftovers(dirname(o.canon));
    const st = await stat(o.canon).catch(() => undefined);
    if (st && o.kind === 'file') {
      if (st.isDirectory()) throw new UsageError(`fm ${command}: ${o.flag} ${o.path} is a directory, expected a file`, command);
      if (!force && !(await producedByFm(o.canon))) {
        throw new UsageError(`fm ${command}: ${o.flag} ${o.path} exists and fm did not write it (or it changed since); pass --force to overwrite it`, command);
      }
    }
    if (st && o.kind === 'dir') {
      if (!st.isDirectory()) throw new UsageError(`fm ${command}: ${o.flag} ${o.path} is a file, expected a directory`, command);
      const empty = (await readdir(o.canon)).length === 0;
      if (!force && !empty && !(await isModelDir(o.canon))) {
        throw new UsageError(
          `fm ${command}: ${o.flag} ${o.path} exists and is not an fm model directory; pass --force to write into it (its other files are kept)`,
          command,
        );
      }
    }
    let dir = st?.isDirectory() ? o.canon : dirname(o.canon);
    while (!(await stat(dir).catch(() => undefined))) dir = dirname(dir);
    if (!(await stat(dir)).isDirectory()) throw new CliError(`${o.flag} ${o.path}: ${dir} is a file, so nothing can be written under it`);
    try {
      await access(dir, constants.W_OK);
    } catch {
      throw new CliError(`${o.flag} ${o.path}: cannot write there (${dir} is not writable)`);
    }
  }
}

/** Whether an output exists now (to say, on Ctrl-C, that it was left as it was). */
export async function describeKept(outputs: readonly PlannedOutput[]): Promise<string> {
  const parts: string[] = [];
  for (const o of outputs) {
    const exists = (await stat(o.path).catch(() => undefined)) !== undefined;
    parts.push(`${o.path} ${exists ? 'left as it was' : 'not written'}`);
  }
  return parts.length > 0 ? parts.join('; ') : 'nothing was written';
}
