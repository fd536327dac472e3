/**
 * Row copies between a large row-major `[n, r]` array (an embedding table, an optimizer's state) and a packed
 * `[u, r]` one, at scattered row indices. Rows of a big table are far apart in memory: copied one scalar after the
 * other, every row waits for its own cache miss (a JS loop over 16 scalars is too long for the CPU to start the
 * next row's load early). {@link touchRows} first reads one scalar of each of a chunk of rows in a short loop,
 * whose misses overlap, so the copy that follows finds the rows in cache: about 2× faster on a 1M × 16 table
 * (see bench/README.md, zoo-speed). The values copied are unchanged.
 */

/** Rows touched ahead of each chunk's copy: small enough to stay in the L1/L2 cache until used. */
export const TOUCH_CHUNK = 32;

/** Keeps the touched values alive, so that the compiler does not drop the reads. */
let sink = 0;
/** The last touch's sum (only there to keep the reads; no meaning). */
export const touchSink = (): number => sink;

/**
 * Reads the first and last scalar of the rows `rows[from..to)` of a row-major array with `r` scalars per row
 * (both ends: a row may span two cache lines), to bring them into the cache ahead of their use.
 */
export function touchRows(a: Float32Array, rows: Int32Array, r: number, from: number, to: number): void {
  let s = 0;
  for (let i = from; i < to; i++) {
    const o = (rows[i] as number) * r;
    s += (a[o] as number) + (a[o + r - 1] as number);
  }
  sink = s;
}

/**
 * Copies the rows `rows` of a row-major `[n, r]` array `table` into `packed` (`[rows.length, r]`), or back from
 * `packed` into `table` when `back`.
 */
export function copyRows(table: Float32Array, rows: Int32Array, r: number, packed: Float32Array, back: boolean): void {
  const count = rows.length;
  for (let c = 0; c < count; c += TOUCH_CHUNK) {
    const end = Math.min(count, c + TOUCH_CHUNK);
    touchRows(table, rows, r, c, end);
    for (let u = c, o = c * r; u < end; u++) {
      const t = (rows[u] as number) * r;
      if (back) for (let j = 0; j < r; j++) table[t + j] = packed[o++] as number;
      else for (let j = 0; j < r; j++) packed[o++] = table[t + j] as number;
    }
  }
}
