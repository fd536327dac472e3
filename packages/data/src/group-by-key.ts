/**
 * The positions of `keys` grouped by key: a stable counting sort, O(n + numKeys). Group k is
 * `order[start[k] .. start[k + 1])`, its positions increasing (CSR over the keys). What per-user item lists,
 * implicit-feedback bags and per-key row lists are built from.
 * @param keys `[n]` dense keys in `[0, numKeys)`.
 * @returns `start` `[numKeys + 1]` and `order` `[n]`.
 */
export function groupByKey(keys: ArrayLike<number>, numKeys: number): { start: Int32Array; order: Int32Array } {
  if (!Number.isInteger(numKeys) || numKeys < 0) throw new Error(`groupByKey: numKeys must be a non-negative integer, got ${numKeys}`);
  const n = keys.length;
  const start = new Int32Array(numKeys + 1);
  for (let r = 0; r < n; r++) {
    const k = keys[r] as number;
    if (!(k >= 0 && k < numKeys && Number.isInteger(k))) throw new Error(`groupByKey: keys[${r}] = ${k} is outside [0, ${numKeys})`);
    start[k + 1] = (start[k + 1] as number) + 1;
  }
  for (let k = 0; k < numKeys; k++) start[k + 1] = (start[k + 1] as number) + (start[k] as number);
  const fill = start.slice(0, numKeys);
  const order = new Int32Array(n);
  for (let r = 0; r < n; r++) {
    const k = keys[r] as number;
    order[fill[k] as number] = r;
    fill[k] = (fill[k] as number) + 1;
  }
  return { start, order };
}
