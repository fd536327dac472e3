import type { Rng, SparseDataset } from '@fm/data';

/**
 * How to make negative rows for implicit feedback: copy a positive row and replace its item
 * feature by another item.
 */
export interface NegativeOptions {
  /** The item field (name or index). Every row must have exactly one feature in it. */
  itemField: string | number;
  /** The user field (name or index); default: a field named "user", else the first field that is not the item field. */
  userField?: string | number;
  /**
   * Draws a negative item (local id within the item field) for `user` (local id within the user
   * field), whose positive is `item`. Default: uniform among the items the user has no row with.
   */
  sampler?: (user: number, item: number, rng: Rng) => number;
}

/**
 * Per-row item/user lookups of a dataset plus the set of (user, item) pairs seen, used to turn
 * positive rows into negative ones (Rendle et al. 2009, BPR: negatives are unobserved items).
 */
export class NegativeSampler {
  readonly itemField: number;
  readonly userField: number;
  /** First global id and cardinality of the item field. */
  readonly itemOffset: number;
  readonly numItems: number;
  private readonly userOffset: number;
  private readonly seen = new Set<number>();
  private readonly sampler: ((user: number, item: number, rng: Rng) => number) | undefined;

  constructor(datasets: readonly SparseDataset[], options: NegativeOptions) {
    const first = datasets[0];
    if (!first) throw new Error('NegativeSampler: no dataset');
    const schema = first.schema;
    const fieldIdx = (f: string | number, what: string): number => {
      const i = typeof f === 'number' ? f : schema.fieldIndex(f);
      if (!Number.isInteger(i) || i < 0 || i >= schema.numFields) {
        throw new Error(`negatives.${what}: field index ${f} out of range [0, ${schema.numFields})`);
      }
      return i;
    };
    this.itemField = fieldIdx(options.itemField, 'itemField');
    const byName = schema.fields.findIndex((f) => f.name === 'user');
    this.userField =
      options.userField !== undefined
        ? fieldIdx(options.userField, 'userField')
        : byName >= 0 && byName !== this.itemField
          ? byName
          : this.itemField === 0
            ? 1
            : 0;
    if (this.userField === this.itemField || this.userField >= schema.numFields) {
      throw new Error(`negatives: need a user field distinct from the item field "${schema.fields[this.itemField]?.name}"`);
    }
    this.itemOffset = schema.offsets[this.itemField] as number;
    this.numItems = schema.fields[this.itemField]?.cardinality as number;
    this.userOffset = schema.offsets[this.userField] as number;
    this.sampler = options.sampler;
    for (const ds of datasets) {
      for (let r = 0; r < ds.numRows; r++) {
        const { user, item } = this.locate(ds, r);
        this.seen.add(user * this.numItems + item);
      }
    }
  }

  /** The item slot (position within the row), local item id and local user id of row `r`. */
  locate(ds: SparseDataset, r: number): { slot: number; item: number; user: number } {
    const a = ds.offsets[r] as number;
    const b = ds.offsets[r + 1] as number;
    let slot = -1;
    let user = -1;
    for (let j = a; j < b; j++) {
      const f = ds.fields[j] as number;
      if (f === this.itemField) {
        if (slot >= 0) throw new Error(`negatives: row ${r} has more than one feature in item field "${ds.schema.fields[f]?.name}"`);
        slot = j - a;
      } else if (f === this.userField && user < 0) {
        user = (ds.ids[j] as number) - this.userOffset;
      }
    }
    if (slot < 0) throw new Error(`negatives: row ${r} has no feature in item field "${ds.schema.fields[this.itemField]?.name}"`);
    if (user < 0) throw new Error(`negatives: row ${r} has no feature in user field "${ds.schema.fields[this.userField]?.name}"`);
    return { slot, item: (ds.ids[a + slot] as number) - this.itemOffset, user };
  }

  /** True when the user has a row with the item. */
  hasSeen(user: number, item: number): boolean {
    return this.seen.has(user * this.numItems + item);
  }

  /** A negative item (local id) for `user`; uniform among unseen items, or the custom sampler's choice. */
  sample(user: number, item: number, rng: Rng): number {
    if (this.sampler) {
      const j = this.sampler(user, item, rng);
      if (!Number.isInteger(j) || j < 0 || j >= this.numItems) {
        throw new Error(`negatives.sampler returned ${j} for user ${user}, expected an item id in [0, ${this.numItems})`);
      }
      return j;
    }
    for (let tries = 0; tries < 64; tries++) {
      const j = rng.int(this.numItems);
      if (!this.hasSeen(user, j)) return j;
    }
    // a user who has seen (almost) everything: scan for any unseen item, else any other item
    const start = rng.int(this.numItems);
    for (let d = 0; d < this.numItems; d++) {
      const j = (start + d) % this.numItems;
      if (!this.hasSeen(user, j)) return j;
    }
    return (item + 1) % this.numItems;
  }

  /**
   * Writes `copies` negative versions of the `size` padded rows in `ids`/`values` (`[size, width]`,
   * rows `rows[i]` of `ds`) after them: output rows `size·(1 + c) + i` for copy c.
   * `ids`/`values` must have room for `size·(1 + copies)` rows.
   */
  fillNegatives(
    ds: SparseDataset,
    rows: ArrayLike<number>,
    size: number,
    width: number,
    copies: number,
    ids: Int32Array,
    values: Float32Array,
    rng: Rng,
  ): void {
    for (let c = 0; c < copies; c++) {
      const base = size * (1 + c) * width;
      ids.copyWithin(base, 0, size * width);
      values.copyWithin(base, 0, size * width);
      for (let i = 0; i < size; i++) {
        const { slot, item, user } = this.locate(ds, rows[i] as number);
        ids[base + i * width + slot] = this.itemOffset + this.sample(user, item, rng);
      }
    }
  }
}
