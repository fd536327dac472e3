/** The distinct feature ids of one batch, as {@link BatchRows.index} returns them. */
export interface BatchRowIndex {
  /** `[u]` the distinct ids, in order of first appearance. */
  readonly unique: Int32Array;
  /** `[u]` non-padding slots per distinct id (padding = id 0 with value 0 counts 0; id 0 is still listed). */
  readonly counts: Int32Array;
  /** `[B * W]` for every slot, the position of its id in `unique`. */
  readonly local: Int32Array;
}

/**
 * Finds the distinct feature ids of a batch in O(B·W) with a reusable `[n]` marker (no sort, no Map):
 * the trainer uses it to reduce per-slot gradients to per-row ones and to update only the touched rows.
 * One instance per model; the returned arrays are views into buffers reused by the next call.
 */
export class BatchRows {
  private readonly mark: Int32Array;
  private unique = new Int32Array(0);
  private counts = new Int32Array(0);
  private local = new Int32Array(0);

  /** @param numFeatures n: ids must lie in `[0, n)`. */
  constructor(readonly numFeatures: number) {
    this.mark = new Int32Array(numFeatures).fill(-1);
  }

  /**
   * @param ids `[B * W]` feature ids. @param values `[B * W]` their values (padding: id 0, value 0).
   * @throws when an id lies outside `[0, n)`.
   */
  index(ids: Int32Array, values: Float32Array): BatchRowIndex {
    const slots = ids.length;
    if (this.local.length < slots) {
      this.local = new Int32Array(slots);
      this.unique = new Int32Array(slots);
      this.counts = new Int32Array(slots);
    }
    const { mark, unique, counts, local } = this;
    const n = this.numFeatures;
    let u = 0;
    try {
      for (let s = 0; s < slots; s++) {
        const id = ids[s] as number;
        if (!(id >= 0 && id < n)) throw new Error(`feature id ${id} (slot ${s} of the batch) is outside the model's ${n} features [0, ${n})`);
        let l = mark[id] as number;
        if (l < 0) {
          l = u++;
          mark[id] = l;
          unique[l] = id;
          counts[l] = 0;
        }
        local[s] = l;
        if (id !== 0 || values[s] !== 0) counts[l] = (counts[l] as number) + 1;
      }
    } finally {
      for (let i = 0; i < u; i++) mark[unique[i] as number] = -1;
    }
    return { unique: unique.subarray(0, u), counts: counts.subarray(0, u), local: local.subarray(0, slots) };
  }
}
