/**
 * A lookup from arbitrary 32-bit integer keys (raw user or item ids) to dense indices `0..size-1`,
 * in first-seen order. Uses a flat table when the key range is small (ids like MovieLens' 1..U) and
 * a `Map` otherwise, so it stays fast on tens of millions of rows.
 */
export class IntIndex {
  /** Distinct keys; `keys[i]` is the key of index `i`. */
  readonly keys: Int32Array;
  private readonly min: number;
  private readonly table: Int32Array | undefined;
  private readonly map: Map<number, number> | undefined;

  private constructor(keys: Int32Array, min: number, table: Int32Array | undefined, map: Map<number, number> | undefined) {
    this.keys = keys;
    this.min = min;
    this.table = table;
    this.map = map;
  }

  /** Number of distinct keys. */
  get size(): number {
    return this.keys.length;
  }

  /** Dense index of `key`, or -1 when it is not indexed. */
  get(key: number): number {
    if (this.table) {
      const o = key - this.min;
      return o >= 0 && o < this.table.length ? (this.table[o] as number) : -1;
    }
    return this.map?.get(key) ?? -1;
  }

  /**
   * Indexes the distinct values of `keys`.
   * @returns the index and `codes`, `[keys.length]`, the dense index of every input key.
   */
  static build(keys: ArrayLike<number>): { index: IntIndex; codes: Int32Array } {
    const n = keys.length;
    const codes = new Int32Array(n);
    let min = Infinity;
    let max = -Infinity;
    for (let i = 0; i < n; i++) {
      const k = keys[i] as number;
      if (!Number.isInteger(k) || k < -0x80000000 || k > 0x7fffffff) {
        throw new Error(`IntIndex: key ${k} at position ${i} is not a 32-bit integer`);
      }
      if (k < min) min = k;
      if (k > max) max = k;
    }
    if (n === 0) return { index: new IntIndex(new Int32Array(0), 0, new Int32Array(0), undefined), codes };
    const distinct: number[] = [];
    if (max - min <= 4 * n + 1024) {
      const table = new Int32Array(max - min + 1).fill(-1);
      for (let i = 0; i < n; i++) {
        const o = (keys[i] as number) - min;
        let id = table[o] as number;
        if (id < 0) {
          table[o] = id = distinct.length;
          distinct.push(keys[i] as number);
        }
        codes[i] = id;
      }
      return { index: new IntIndex(Int32Array.from(distinct), min, table, undefined), codes };
    }
    const map = new Map<number, number>();
    for (let i = 0; i < n; i++) {
      const k = keys[i] as number;
      let id = map.get(k);
      if (id === undefined) {
        map.set(k, (id = distinct.length));
        distinct.push(k);
      }
      codes[i] = id;
    }
    return { index: new IntIndex(Int32Array.from(distinct), 0, undefined, map), codes };
  }
}
