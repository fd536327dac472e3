/** A raw categorical value: a number (ids, codes) or a string. `5` and `"5"` are different keys. */
export type VocabKey = string | number;

/** Largest key for which integer vocabularies use a dense lookup table instead of a Map. */
const DENSE_LIMIT = 1 << 24;

/**
 * Deterministic key order: numbers ascending, then strings in lexicographic (code unit) order.
 */
export function compareKeys(a: VocabKey, b: VocabKey): number {
  if (typeof a === 'number') {
    if (typeof b === 'number') return a - b;
    return -1;
  }
  if (typeof b === 'number') return 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Maps raw keys to local ids for one categorical or multi-hot field. Local id 0 is the
 * out-of-vocabulary (OOV) bucket; vocabulary keys get ids `1..keys.length` in {@link compareKeys}
 * order, so fitting the same data always gives the same ids.
 */
export class Vocabulary {
  /** Keys in id order: `keys[i]` has local id `i + 1`. */
  readonly keys: readonly VocabKey[];
  private readonly map: Map<VocabKey, number>;
  /** Dense `key → local id` table when every key is a small non-negative integer (-1 = absent). */
  private readonly dense: Int32Array | undefined;

  /**
   * @param keys distinct keys; they are sorted with {@link compareKeys}, unless `keepOrder` is set
   * (then `keys` is taken as the id order, as {@link Vocabulary.extend} and saved encoders need).
   */
  constructor(keys: Iterable<VocabKey>, options: { keepOrder?: boolean } = {}) {
    const sorted = options.keepOrder ? [...keys] : [...keys].sort(compareKeys);
    this.map = new Map();
    let denseOk = true;
    let max = -1;
    sorted.forEach((k, i) => {
      if (typeof k === 'number' && !Number.isFinite(k)) throw new Error(`Vocabulary: key ${k} is not a finite number`);
      if (typeof k !== 'number' && typeof k !== 'string') throw new Error(`Vocabulary: key ${String(k)} is not a string or number`);
      if (this.map.has(k)) throw new Error(`Vocabulary: duplicate key ${JSON.stringify(k)}`);
      this.map.set(k, i + 1);
      if (typeof k === 'number' && Number.isInteger(k) && k >= 0 && k < DENSE_LIMIT) {
        if (k > max) max = k;
      } else {
        denseOk = false;
      }
    });
    this.keys = sorted;
    if (denseOk && sorted.length > 0 && max <= 8 * sorted.length + 65536) {
      const t = new Int32Array(max + 1).fill(-1);
      sorted.forEach((k, i) => (t[k as number] = i + 1));
      this.dense = t;
    }
  }

  /**
   * Fits a vocabulary from key counts: keys seen fewer than `minCount` times are left out (they
   * map to OOV); with `maxSize`, only the `maxSize` most frequent keys are kept (ties broken by
   * key order). `maxSize` counts vocabulary keys, not the OOV bucket.
   */
  static fromCounts(counts: Map<VocabKey, number>, options: { minCount?: number; maxSize?: number } = {}): Vocabulary {
    const minCount = options.minCount ?? 1;
    let kept = [...counts.entries()].filter(([, c]) => c >= minCount);
    const maxSize = options.maxSize;
    if (maxSize !== undefined) {
      if (!Number.isInteger(maxSize) || maxSize < 0) throw new Error(`Vocabulary: maxSize must be an integer ≥ 0, got ${maxSize}`);
      if (kept.length > maxSize) {
        kept.sort((a, b) => b[1] - a[1] || compareKeys(a[0], b[0]));
        kept = kept.slice(0, maxSize);
      }
    }
    return new Vocabulary(kept.map(([k]) => k));
  }

  /**
   * A vocabulary that keeps every id of this one and gives `keys` not yet in it the next ids, in
   * {@link compareKeys} order: the growth a warm start needs (old ids keep their meaning).
   */
  extend(keys: Iterable<VocabKey>): Vocabulary {
    const added = [...new Set(keys)].filter((k) => !this.map.has(k)).sort(compareKeys);
    return added.length === 0 ? this : new Vocabulary([...this.keys, ...added], { keepOrder: true });
  }

  /** Number of local ids, OOV bucket included: `keys.length + 1`. */
  get size(): number {
    return this.keys.length + 1;
  }

  /** Local id of `key` (exact match, so `5` and `"5"` differ); 0 (OOV) when unseen. */
  get(key: VocabKey): number {
    if (this.dense !== undefined && typeof key === 'number') {
      if (Number.isInteger(key) && key >= 0 && key < this.dense.length) {
        const v = this.dense[key] as number;
        return v < 0 ? 0 : v;
      }
      return 0;
    }
    return this.map.get(key) ?? 0;
  }

  /** True when `key` is in the vocabulary. */
  has(key: VocabKey): boolean {
    return this.get(key) !== 0;
  }

  /** Raw key of local id `id`; undefined for the OOV bucket (0) or an id out of range. */
  key(id: number): VocabKey | undefined {
    return id >= 1 ? this.keys[id - 1] : undefined;
  }
}
