import { groupByKey, type SparseDataset } from '@fm/data';
import { forwardRows, type CsrRows, type FmArrays, type KeyedParts } from './fm-forward.js';
import { update } from './column-sweep.js';
import type { SweepContext } from './sweep-context.js';

/**
 * A field whose entries repeat on every training row that shares one feature of another field, its key: MovieLens'
 * `rated` bag (every item the row's user rated) is the same on all of that user's rows. Rendle, "Scaling
 * Factorization Machines to Relational Data" (VLDB 2013), sweeps such a block once per key instead of once per
 * row: a user with 100 ratings and a bag of 100 items costs 100 entries here, where the rows hold 10,000.
 */
export interface RelationalBlock {
  /** Schema index of the block's field and of its key field. */
  field: number;
  keyField: number;
  /** The block's feature ids `[lo, hi)` (its field's range). */
  lo: number;
  hi: number;
  /** Number of distinct keys K among the rows. */
  keys: number;
  /** `[rows]` each row's key (0 … K − 1, in order of first appearance). */
  keyOfRow: Int32Array;
  /** `[K + 1]` offsets into `rowList`: the rows of each key. */
  rowStart: Int32Array;
  /** `[rows]` row indices grouped by key. */
  rowList: Int32Array;
  /** `[K + 1]` offsets into `bagIds`/`bagValues`: each key's block entries (what every row of the key holds). */
  bagStart: Int32Array;
  bagIds: Int32Array;
  bagValues: Float64Array;
  /** `[hi − lo + 1]` offsets into `featKeys`/`featValues`: the keys holding each block feature, with its value. */
  featStart: Int32Array;
  featKeys: Int32Array;
  featValues: Float64Array;
}

/** A block and the per-key sums its sweep keeps (allocated once per training set). */
export interface BlockSweep {
  block: RelationalBlock;
  /** `[K·k]` q_f of the block's entries per key: at the sweep's start (qb0) and now (qb). */
  qb0: Float64Array;
  qb: Float64Array;
  /** `[K]` the block's own part of ŷ per key (its linear terms and the pairs inside it), at the start and the end. */
  y0: Float64Array;
  y1: Float64Array;
  /** Per key, over its rows, with m_f = q_f − qb0_f (the rest of the row): `[K]` Σ r, `[K·k]` Σ m_f, Σ r·m_f, `[K·k·k]` Σ m_f m_g. */
  rr: Float64Array;
  m1: Float64Array;
  rm: Float64Array;
  m2: Float64Array;
  /** `[K]` rows of each key. */
  n: Float64Array;
  /** `[2k]` scratch (one row's m_f; the block terms' Σ v² x²; the per-key change of qb). */
  m: Float64Array;
}

/** Most Σ m_f m_g values a block's sweep may keep (K·k·k, Float64). */
const MAX_KEY_SUMS = 2 ** 24;

/**
 * The relational blocks of a data set worth handling per key: for each field with more entries than rows, the
 * first field holding exactly one entry on every row (the key) such that every row of a key holds the same block
 * entries (ids and values, in the same order), kept when per key is less work than per row at factor size `k`
 * for `use`: a coordinate sweep ({@link sweepBlock}: k² per row) or scoring ({@link forwardWithBlocks}: k per
 * row; a sweep also needs K·k² ≤ 2²⁴ per-key sums). Blocks come in id order. O(nnz) per field pair tried.
 */
export function findRelationalBlocks(ds: SparseDataset, k: number, use: 'sweep' | 'score' = 'sweep'): RelationalBlock[] {
  const schema = ds.schema;
  const F = schema.numFields;
  const fieldOf = schema.featureFieldTable();
  const rows = ds.numRows;
  const { offsets, ids } = ds;
  const total = new Float64Array(F);
  const single = new Uint8Array(F).fill(1);
  const count = new Int32Array(F);
  for (let r = 0; r < rows; r++) {
    count.fill(0);
    for (let j = offsets[r] as number; j < (offsets[r + 1] as number); j++) {
      const f = fieldOf[ids[j] as number] as number;
      count[f] = (count[f] as number) + 1;
    }
    for (let f = 0; f < F; f++) {
      total[f] = (total[f] as number) + (count[f] as number);
      if (count[f] !== 1) single[f] = 0;
    }
  }
  const blocks: RelationalBlock[] = [];
  for (let f = 0; f < F; f++) {
    if ((total[f] as number) <= rows) continue;
    for (let g = 0; g < F; g++) {
      if (g === f || single[g] !== 1) continue;
      const b = tryBlock(ds, fieldOf, f, g);
      if (b === undefined) continue;
      const bagNnz = b.bagIds.length;
      const rowWise = (total[f] as number) * (k + 1);
      const perKey = use === 'sweep' ? rows * (k * k + 2 * k + 2) + bagNnz * (k + 1) * (k + 4) : (rows + bagNnz) * (k + 1);
      // the sweep keeps k × k sums per key: at most 2²⁴ values (128 MiB), else row by row
      if (perKey < rowWise && (use === 'score' || b.keys * k * k <= MAX_KEY_SUMS)) blocks.push(b);
      break;
    }
  }
  return blocks;
}

/** Field f as a block keyed by field g, or undefined where some row of a key holds other f entries than its first row. */
function tryBlock(ds: SparseDataset, fieldOf: Int32Array, f: number, g: number): RelationalBlock | undefined {
  const schema = ds.schema;
  const { offsets, ids, values } = ds;
  const rows = ds.numRows;
  const lo = schema.offsets[f] as number;
  const hi = schema.offsets[f + 1] as number;
  const klo = schema.offsets[g] as number;
  const keyIndex = new Int32Array((schema.offsets[g + 1] as number) - klo).fill(-1);
  const keyOfRow = new Int32Array(rows);
  const firstRow: number[] = [];
  let bagNnz = 0;
  for (let r = 0; r < rows; r++) {
    const a = offsets[r] as number;
    const e = offsets[r + 1] as number;
    let key = -1;
    for (let j = a; j < e; j++) if (fieldOf[ids[j] as number] === g) key = (ids[j] as number) - klo;
    let u = keyIndex[key] as number;
    if (u < 0) {
      u = firstRow.length;
      keyIndex[key] = u;
      firstRow.push(r);
      for (let j = a; j < e; j++) if (fieldOf[ids[j] as number] === f) bagNnz++;
    } else {
      // the row's f entries against the key's first row's, in order
      const r0 = firstRow[u] as number;
      let p = offsets[r0] as number;
      const pe = offsets[r0 + 1] as number;
      let j = a;
      for (;;) {
        while (j < e && fieldOf[ids[j] as number] !== f) j++;
        while (p < pe && fieldOf[ids[p] as number] !== f) p++;
        if (j === e || p === pe) {
          if (j !== e || p !== pe) return undefined;
          break;
        }
        if (ids[j] !== ids[p] || values[j] !== values[p]) return undefined;
        j++;
        p++;
      }
    }
    keyOfRow[r] = u;
  }
  const K = firstRow.length;
  const { start: rowStart, order: rowList } = groupByKey(keyOfRow, K);
  const bagStart = new Int32Array(K + 1);
  const bagIds = new Int32Array(bagNnz);
  const bagValues = new Float64Array(bagNnz);
  const featStart = new Int32Array(hi - lo + 1);
  let t = 0;
  for (let u = 0; u < K; u++) {
    const r0 = firstRow[u] as number;
    for (let j = offsets[r0] as number; j < (offsets[r0 + 1] as number); j++) {
      const id = ids[j] as number;
      if (fieldOf[id] !== f) continue;
      bagIds[t] = id;
      bagValues[t] = values[j] as number;
      featStart[id - lo + 1] = (featStart[id - lo + 1] as number) + 1;
      t++;
    }
    bagStart[u + 1] = t;
  }
  for (let l = 0; l < hi - lo; l++) featStart[l + 1] = (featStart[l + 1] as number) + (featStart[l] as number);
  const at = featStart.slice(0, hi - lo);
  const featKeys = new Int32Array(bagNnz);
  const featValues = new Float64Array(bagNnz);
  for (let u = 0; u < K; u++) {
    for (let j = bagStart[u] as number; j < (bagStart[u + 1] as number); j++) {
      const l = (bagIds[j] as number) - lo;
      const p = at[l] as number;
      featKeys[p] = u;
      featValues[p] = bagValues[j] as number;
      at[l] = p + 1;
    }
  }
  return { field: f, keyField: g, lo, hi, keys: K, keyOfRow, rowStart, rowList, bagStart, bagIds, bagValues, featStart, featKeys, featValues };
}

/** The per-key sums of a block's sweep at factor size k. */
export function createBlockSweep(block: RelationalBlock, k: number): BlockSweep {
  const K = block.keys;
  return {
    block,
    qb0: new Float64Array(K * k),
    qb: new Float64Array(K * k),
    y0: new Float64Array(K),
    y1: new Float64Array(K),
    rr: new Float64Array(K),
    m1: new Float64Array(K * k),
    rm: new Float64Array(K * k),
    m2: new Float64Array(K * k * k),
    n: Float64Array.from({ length: K }, (_, u) => (block.rowStart[u + 1] as number) - (block.rowStart[u] as number)),
    m: new Float64Array(Math.max(1, 2 * k)),
  };
}

/** Per key: qb[u·k + f] = Σ v_lf x_ul over its block entries and y[u] = Σ w_l x_ul + ½ Σ_f (qb_f² − Σ v_lf² x_ul²). */
function blockTerms(p: FmArrays, k: number, b: RelationalBlock, qb: Float64Array, y: Float64Array, s2: Float64Array): void {
  const w = p.linear;
  const v = p.factors;
  for (let u = 0; u < b.keys; u++) {
    const uk = u * k;
    let yu = 0;
    for (let f = 0; f < k; f++) {
      qb[uk + f] = 0;
      s2[f] = 0;
    }
    for (let t = b.bagStart[u] as number; t < (b.bagStart[u + 1] as number); t++) {
      const id = b.bagIds[t] as number;
      const x = b.bagValues[t] as number;
      yu += (w[id] as number) * x;
      const base = id * k;
      for (let f = 0; f < k; f++) {
        const vx = (v[base + f] as number) * x;
        qb[uk + f] = (qb[uk + f] as number) + vx;
        s2[f] = (s2[f] as number) + vx * vx;
      }
    }
    for (let f = 0; f < k; f++) {
      const q = qb[uk + f] as number;
      yu += 0.5 * (q * q - (s2[f] as number));
    }
    y[u] = yu;
  }
}

/**
 * The coordinate updates of a block's features (w_l, then v_l0 … v_l,k−1, feature by feature in id order: the
 * scan of `sweepFeatures`), each from the same conditional the row-wise sweep computes, but summed per key. On the
 * rows of key u, q_f = m_f + qb_f(u) with m_f the rest of the row (fixed while the block is swept), so for v_lf,
 * with c = qb_f(u) − v_lf x_ul, Σ_rows h² = x²(Σm_f² + 2c Σm_f + n_u c²) and Σ_rows r h = x(Σ r m_f + c Σ r): a
 * change d moves Σ r by −d x (Σ m_f + n_u c) and Σ r m_g by −d x (Σ m_f m_g + c Σ m_g). The rows' residuals
 * and q caches take the block's whole change at the end. O(rows·k² + bag entries·k²) per sweep.
 */
export function sweepBlock(c: SweepContext, bs: BlockSweep, linear: boolean): void {
  const k = c.k;
  const kk = k * k;
  const b = bs.block;
  const K = b.keys;
  const { rowStart, rowList, featStart, featKeys, featValues } = b;
  const { qb0, qb, y0, y1, rr, m1, rm, m2, m } = bs;
  const r = c.residual;
  const q = c.q;
  const w = c.linear;
  const v = c.factors;
  blockTerms(c, k, b, qb0, y0, m);
  qb.set(qb0);
  rr.fill(0);
  m1.fill(0);
  rm.fill(0);
  m2.fill(0);
  for (let u = 0; u < K; u++) {
    const uk = u * k;
    const ukk = u * kk;
    let su = 0;
    for (let t = rowStart[u] as number; t < (rowStart[u + 1] as number); t++) {
      const i = rowList[t] as number;
      const ri = r[i] as number;
      su += ri;
      for (let f = 0; f < k; f++) {
        const mf = (q[i * k + f] as number) - (qb0[uk + f] as number);
        m[f] = mf;
        m1[uk + f] = (m1[uk + f] as number) + mf;
        rm[uk + f] = (rm[uk + f] as number) + ri * mf;
      }
      for (let f = 0; f < k; f++) {
        const mf = m[f] as number;
        const row = ukk + f * k;
        for (let g = f; g < k; g++) m2[row + g] = (m2[row + g] as number) + mf * (m[g] as number);
      }
    }
    rr[u] = su;
    for (let f = 1; f < k; f++) for (let g = 0; g < f; g++) m2[ukk + f * k + g] = m2[ukk + g * k + f] as number;
  }
  const nk = bs.n;
  for (let l = b.lo; l < b.hi; l++) {
    const s = featStart[l - b.lo] as number;
    const e = featStart[l - b.lo + 1] as number;
    const grp = c.groupOf[l] as number;
    const base = l * k;
    // Coordinates in the row-wise sweep's order: w_l (f = −1, when `linear`), then v_l0 … v_l,k−1. One pass over
    // the feature's keys per coordinate: it applies the previous coordinate's change and gathers this one's sums.
    const first = linear ? -1 : 0;
    if (first >= k) continue;
    let a = 0;
    let sb = 0;
    for (let j = s; j < e; j++) {
      const u = featKeys[j] as number;
      const x = featValues[j] as number;
      if (first < 0) {
        a += (nk[u] as number) * x * x;
        sb += x * (rr[u] as number);
      } else {
        const cu = (qb[u * k] as number) - (v[base] as number) * x;
        a += x * x * ((m2[u * kk] as number) + 2 * cu * (m1[u * k] as number) + (nk[u] as number) * cu * cu);
        sb += x * ((rm[u * k] as number) + cu * (rr[u] as number));
      }
    }
    for (let f = first; f < k; f++) {
      let old: number;
      let d: number;
      if (f < 0) {
        old = w[l] as number;
        const next = update(c, old, a, sb, c.lambdaW[grp] as number, c.muW[grp] as number);
        w[l] = next;
        d = next - old;
      } else {
        old = v[base + f] as number;
        const gf = grp * k + f;
        const next = update(c, old, a, sb, c.lambdaV[gf] as number, c.muV[gf] as number);
        v[base + f] = next;
        d = next - old;
      }
      const nf = f + 1;
      const more = nf < k;
      if (d === 0 && !more) break;
      const oldNext = more ? (v[base + nf] as number) : 0;
      a = 0;
      sb = 0;
      for (let j = s; j < e; j++) {
        const u = featKeys[j] as number;
        const x = featValues[j] as number;
        const nu = nk[u] as number;
        const uk = u * k;
        if (d !== 0) {
          const dx = d * x;
          if (f < 0) {
            // Δr = −dw·x on the key's rows
            rr[u] = (rr[u] as number) - nu * dx;
            for (let g = 0; g < k; g++) rm[uk + g] = (rm[uk + g] as number) - dx * (m1[uk + g] as number);
          } else {
            // Δr = −d·x·(m_f + c) on the key's rows
            const uf = uk + f;
            const cu = (qb[uf] as number) - old * x;
            rr[u] = (rr[u] as number) - dx * ((m1[uf] as number) + nu * cu);
            const row = u * kk + f * k;
            for (let g = 0; g < k; g++) rm[uk + g] = (rm[uk + g] as number) - dx * ((m2[row + g] as number) + cu * (m1[uk + g] as number));
            qb[uf] = (qb[uf] as number) + dx;
          }
        }
        if (more) {
          const uf = uk + nf;
          const cu = (qb[uf] as number) - oldNext * x;
          a += x * x * ((m2[u * kk + nf * k + nf] as number) + 2 * cu * (m1[uf] as number) + nu * cu * cu);
          sb += x * ((rm[uf] as number) + cu * (rr[u] as number));
        }
      }
    }
  }
  // The rows take the block's change: Δŷ = Δy(u) + Σ_f m_f Δqb_f(u), and q_f moves by Δqb_f(u).
  blockTerms(c, k, b, qb, y1, m);
  for (let u = 0; u < K; u++) {
    const uk = u * k;
    const dy = (y1[u] as number) - (y0[u] as number);
    for (let f = 0; f < k; f++) m[f] = (qb[uk + f] as number) - (qb0[uk + f] as number);
    for (let t = rowStart[u] as number; t < (rowStart[u + 1] as number); t++) {
      const i = rowList[t] as number;
      const ik = i * k;
      let delta = dy;
      for (let f = 0; f < k; f++) {
        const qf = q[ik + f] as number;
        const dq = m[f] as number;
        delta += (qf - (qb0[uk + f] as number)) * dq;
        q[ik + f] = qf + dq;
      }
      r[i] = (r[i] as number) - delta;
    }
  }
}

/** A data set prepared for scoring with its relational blocks: the blocks, and every other entry as CSR rows. */
export interface BlockScoring {
  blocks: readonly RelationalBlock[];
  rest: CsrRows;
}

/** `ds`'s entries outside `blocks`, for {@link forwardWithBlocks} (built once, used for every sample scored). */
export function prepareBlockScoring(ds: SparseDataset, blocks: readonly RelationalBlock[]): BlockScoring {
  const inBlock = new Uint8Array(ds.schema.numFeatures);
  for (const b of blocks) inBlock.fill(1, b.lo, b.hi);
  const { offsets, ids, values } = ds;
  let kept = 0;
  for (let j = 0; j < ids.length; j++) if (inBlock[ids[j] as number] === 0) kept++;
  const restOffsets = new Int32Array(ds.numRows + 1);
  const restIds = new Int32Array(kept);
  const restValues = new Float32Array(kept);
  let t = 0;
  for (let r = 0; r < ds.numRows; r++) {
    for (let j = offsets[r] as number; j < (offsets[r + 1] as number); j++) {
      const id = ids[j] as number;
      if (inBlock[id] === 1) continue;
      restIds[t] = id;
      restValues[t] = values[j] as number;
      t++;
    }
    restOffsets[r + 1] = t;
  }
  return { blocks, rest: { offsets: restOffsets, ids: restIds, values: restValues } };
}

/**
 * ŷ of every row of a prepared data set ({@link prepareBlockScoring}) as `forwardRows` computes it on the whole
 * rows (and q_f(x) into `q`, `[rows·k]`, when given), with each block's entries summed once per key: with s_f, s2_f
 * the sums over a row's other entries and qb_f(u), y(u) of its blocks' keys, ŷ = w₀ + Σ wₗxₗ (others) +
 * ½ Σ_f (q_f² − s2_f − Σ_blocks qb_f²) + Σ_blocks y(u), q_f = s_f + Σ qb_f. O(k·(other entries + rows + bag entries)).
 */
export function forwardWithBlocks(p: FmArrays, k: number, prepared: BlockScoring, out: Float64Array, q?: Float64Array): void {
  const s = new Float64Array(2 * Math.max(1, k));
  const keyed: KeyedParts = { keyOf: prepared.blocks.map((b) => b.keyOfRow), y: [], qb: [] };
  for (const b of prepared.blocks) {
    const qb = new Float64Array(b.keys * k);
    const y = new Float64Array(b.keys);
    blockTerms(p, k, b, qb, y, s);
    keyed.y.push(y);
    keyed.qb.push(qb);
  }
  forwardRows(p, k, prepared.rest, out, s, q, keyed);
}
