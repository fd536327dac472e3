import { NegativeSampler, SparseDataset, resolveUserItemFields, type NegativeSamplerOptions, type UserItemFields } from '@fm/data';
import type { PassNegatives } from './engines/native/types.js';

/**
 * How to make negative rows for implicit feedback: copy a positive row and replace its item by an
 * item the user never interacted with (Rendle et al. 2009, BPR), drawn by `@fm/data`'s
 * {@link NegativeSampler}.
 */
export interface NegativeOptions extends NegativeSamplerOptions {
  /** The item field (name or index); default: the field `resolveUserItemFields` finds. Every row has one feature in it. */
  itemField?: string | number;
  /** The user field (name or index); default: the field `resolveUserItemFields` finds. */
  userField?: string | number;
}

/**
 * Per-row user and item positions of datasets, and the draws of negatives for them. Every
 * (user, item) pair of the datasets given at construction counts as seen and is never drawn.
 */
export class RowNegatives {
  readonly layout: UserItemFields;
  private readonly sampler: NegativeSampler;
  private readonly rows = new WeakMap<SparseDataset, { user: Int32Array; itemSlot: Int32Array }>();

  constructor(positives: readonly SparseDataset[], options: NegativeOptions = {}) {
    const first = positives[0];
    if (!first) throw new Error('negatives: no dataset');
    this.layout = resolveUserItemFields(first.schema, options);
    const users: Int32Array[] = [];
    const items: Int32Array[] = [];
    for (const ds of positives) {
      const { user, itemSlot } = this.rowsOf(ds);
      const item = new Int32Array(ds.numRows);
      for (let r = 0; r < ds.numRows; r++) item[r] = (ds.ids[(ds.offsets[r] as number) + (itemSlot[r] as number)] as number) - this.layout.itemOffset;
      users.push(user);
      items.push(item);
    }
    const cat = (xs: Int32Array[]) => {
      const out = new Int32Array(xs.reduce((s, x) => s + x.length, 0));
      let o = 0;
      for (const x of xs) {
        out.set(x, o);
        o += x.length;
      }
      return out;
    };
    const catalogue = Int32Array.from({ length: this.layout.numItems }, (_, i) => i);
    this.sampler = new NegativeSampler({ user: cat(users), item: cat(items) }, catalogue, {
      ...(options.distribution !== undefined ? { distribution: options.distribution } : {}),
      ...(options.popularityExponent !== undefined ? { popularityExponent: options.popularityExponent } : {}),
    });
  }

  /** The local user id and the item's position in the row, for every row of `ds` (cached). */
  rowsOf(ds: SparseDataset): { user: Int32Array; itemSlot: Int32Array } {
    let r = this.rows.get(ds);
    if (r) return r;
    const { userField, itemField, userOffset } = this.layout;
    const user = new Int32Array(ds.numRows);
    const itemSlot = new Int32Array(ds.numRows);
    const fieldName = (f: number) => ds.schema.fields[f]?.name;
    for (let row = 0; row < ds.numRows; row++) {
      const a = ds.offsets[row] as number;
      const b = ds.offsets[row + 1] as number;
      let slot = -1;
      let u = -1;
      for (let j = a; j < b; j++) {
        const f = ds.fields[j] as number;
        if (f === itemField) {
          if (slot >= 0) throw new Error(`negatives: row ${row} has more than one feature in the item field "${fieldName(f)}"`);
          slot = j - a;
        } else if (f === userField && u < 0) u = (ds.ids[j] as number) - userOffset;
      }
      if (slot < 0) throw new Error(`negatives: row ${row} has no feature in the item field "${fieldName(itemField)}"`);
      if (u < 0) throw new Error(`negatives: row ${row} has no feature in the user field "${fieldName(userField)}"`);
      user[row] = u;
      itemSlot[row] = slot;
    }
    r = { user, itemSlot };
    this.rows.set(ds, r);
    return r;
  }

  /**
   * `perRow` negatives for each position of `order` (rows of `ds`), as global item ids: entry
   * `t·perRow + q` is negative q of the row at position t. Deterministic for a seed.
   */
  draw(ds: SparseDataset, order: Int32Array, perRow: number, seed: number): PassNegatives {
    const { user, itemSlot } = this.rowsOf(ds);
    const users = new Int32Array(order.length);
    for (let t = 0; t < order.length; t++) users[t] = user[order[t] as number] as number;
    const items = this.sampler.sampleForTraining(users, perRow, seed).item;
    for (let i = 0; i < items.length; i++) items[i] = (items[i] as number) + this.layout.itemOffset;
    return { perRow, itemSlot, items };
  }

  /** `copies` negative versions of every row of `ds` (labels 0), copy-major: row `c·rows + r`. */
  negativeRows(ds: SparseDataset, copies: number, seed: number): SparseDataset {
    const order = Int32Array.from({ length: ds.numRows }, (_, i) => i);
    const neg = this.draw(ds, order, copies, seed);
    const n = ds.numRows;
    const nnz = ds.nnz;
    const offsets = new Int32Array(n * copies + 1);
    const ids = new Int32Array(nnz * copies);
    const values = new Float32Array(nnz * copies);
    for (let c = 0; c < copies; c++) {
      for (let r = 0; r <= n; r++) offsets[c * n + r] = c * nnz + (ds.offsets[r] as number);
      ids.set(ds.ids, c * nnz);
      values.set(ds.values, c * nnz);
      for (let r = 0; r < n; r++) ids[c * nnz + (ds.offsets[r] as number) + (neg.itemSlot[r] as number)] = neg.items[r * copies + c] as number;
    }
    return new SparseDataset({ schema: ds.schema, labels: new Float32Array(n * copies), offsets, ids, values }, { validate: false });
  }
}
