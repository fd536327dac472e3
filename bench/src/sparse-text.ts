/**
 * Writes a dataset's rows as the sparse text formats peers read (libFM `label id:value …`, libffm
 * `label field:id:value …`), streamed in chunks so that the text may exceed a JavaScript string.
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import type { SparseDataset } from '@fm/data';

/**
 * Writes rows `[lo, hi)` of `ds` to `path`, one per line: the label, then `entry(p)` for each non-zero p of the row
 * (an index into `ds.ids`, `ds.fields`, `ds.values`), separated by spaces.
 */
export function writeSparseText(path: string, ds: SparseDataset, lo: number, hi: number, entry: (p: number) => string): void {
  const fd = openSync(path, 'w');
  try {
    let chunk: string[] = [];
    for (let r = lo; r < hi; r++) {
      const parts = [String(ds.labels[r])];
      for (let p = ds.offsets[r] as number; p < (ds.offsets[r + 1] as number); p++) parts.push(entry(p));
      chunk.push(parts.join(' '));
      if (chunk.length === 10_000 || r === hi - 1) {
        writeSync(fd, `${chunk.join('\n')}\n`);
        chunk = [];
      }
    }
  } finally {
    closeSync(fd);
  }
}
