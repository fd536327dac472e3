import type { NativeParams } from './engines/native/types.js';

/**
 * One side's share of an FFM row (Juan et al. 2016, "Field-aware Factorization Machines in a Real-world Online
 * Advertising System"): what the score of a (user, item) row needs from its user part or its item part, so a user's
 * part is paired with every item's in O(|fields of the user part| · |fields of the item part| · k) per pair instead of
 * the row's O(m² k).
 */
export interface FfmPart {
  /** Σ w_j x_j over the part. */
  lin: number;
  /** Σ x_j², for the instance-wise normalisation 1 / Σx² of the whole row. */
  sq: number;
  /** The part's own pair term Σ_{j<l} ⟨v_{j,f_l}, v_{l,f_j}⟩ x_j x_l. */
  pairs: number;
  /** The distinct fields h of the part's entries. */
  fields: number[];
  /** `[fields.length, F·k]`: per field h of the part, A_h = Σ_{j: f_j = h} x_j v_j (every field's block). */
  sums: Float64Array;
}

/**
 * The {@link FfmPart} of a part's entries (global ids and values) under FFM parameters `p` (table `[n, F·k]`).
 * The own pair term comes from the same field sums: Σ_{j<l} = ½ (Σ_{h,g} ⟨A_h[g], A_g[h]⟩ − Σ_j x_j² ‖v_{j,f_j}‖²).
 */
export function ffmPart(p: NativeParams, row: { ids: ArrayLike<number>; values: ArrayLike<number> }): FfmPart {
  const k = p.k;
  const Fk = p.numFields * k;
  const fields: number[] = [];
  const slot = new Map<number, number>();
  let lin = 0;
  let sq = 0;
  let self = 0;
  for (let j = 0; j < row.ids.length; j++) {
    const h = p.fieldOfFeature[row.ids[j] as number] as number;
    if (!slot.has(h)) {
      slot.set(h, fields.length);
      fields.push(h);
    }
  }
  const sums = new Float64Array(fields.length * Fk);
  for (let j = 0; j < row.ids.length; j++) {
    const id = row.ids[j] as number;
    const x = row.values[j] as number;
    const h = p.fieldOfFeature[id] as number;
    lin += (p.linear[id] as number) * x;
    sq += x * x;
    const at = (slot.get(h) as number) * Fk;
    const base = id * Fk;
    for (let c = 0; c < Fk; c++) sums[at + c] = (sums[at + c] as number) + x * (p.factors[base + c] as number);
    let own = 0;
    for (let c = 0; c < k; c++) own += (p.factors[base + h * k + c] as number) ** 2;
    self += x * x * own;
  }
  let all = 0;
  for (let a = 0; a < fields.length; a++) {
    for (let b = 0; b < fields.length; b++) all += blockDot(sums, a * Fk + (fields[b] as number) * k, sums, b * Fk + (fields[a] as number) * k, k);
  }
  return { lin, sq, pairs: 0.5 * (all - self), fields, sums };
}

/** ⟨x[a .. a + k), y[b .. b + k)⟩. */
function blockDot(x: Float64Array, a: number, y: Float64Array, b: number, k: number): number {
  let s = 0;
  for (let c = 0; c < k; c++) s += (x[a + c] as number) * (y[b + c] as number);
  return s;
}

/**
 * The FFM score of the row made of parts `u` and `i` (no entry in both): w₀ + lin_u + lin_i + r·(pairs_u + pairs_i +
 * Σ_{h ∈ u, g ∈ i} ⟨A^u_h[g], A^i_g[h]⟩), r = 1 / (sq_u + sq_i) when `p.normalize` (1 for an empty row), else 1 —
 * the kernel's forward pass of the concatenated row, regrouped.
 */
export function ffmPartsScore(p: NativeParams, u: FfmPart, i: FfmPart): number {
  const k = p.k;
  const Fk = p.numFields * k;
  let cross = 0;
  for (let a = 0; a < u.fields.length; a++) {
    const h = u.fields[a] as number;
    for (let b = 0; b < i.fields.length; b++) cross += blockDot(u.sums, a * Fk + (i.fields[b] as number) * k, i.sums, b * Fk + h * k, k);
  }
  const s = u.sq + i.sq;
  const r = p.normalize && s > 0 ? 1 / s : 1;
  return (p.bias[0] as number) + u.lin + i.lin + r * (u.pairs + i.pairs + cross);
}
