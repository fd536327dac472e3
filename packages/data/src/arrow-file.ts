import { readFile } from 'node:fs/promises';
import { datasetFromIPC, datasetToIPC } from './arrow-io.js';
import { writeFileAtomic } from './atomic-write.js';
import type { SparseDataset } from './sparse-dataset.js';

/** Writes a dataset to an `.arrow` IPC file atomically (temp file + rename: never a half-written file). */
export async function writeArrow(path: string, ds: SparseDataset): Promise<void> {
  await writeFileAtomic(path, datasetToIPC(ds));
}

/** Reads a dataset from an `.arrow` IPC file written by {@link writeArrow}; errors name the file. */
export async function readArrow(path: string): Promise<SparseDataset> {
  const bytes = await readFile(path);
  try {
    return datasetFromIPC(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  } catch (e) {
    throw new Error(`${path}: ${(e as Error).message}`);
  }
}
