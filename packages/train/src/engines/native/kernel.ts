/**
 * The native forward + backward + optimizer kernels over flat typed arrays.
 *
 * Every function here is self-contained: it refers to nothing but its arguments, `Math` and the
 * other functions of {@link KERNEL_FUNCTIONS}, so `hogwild.ts` can ship their source text to worker
 * threads (`Function.prototype.toString`) and run the very same code there. Keep it that way: no
 * imports, no module constants, no closures inside these functions — and keep them in this one file,
 * because a test transform or bundler rewrites calls to imported functions (`mod.fn(...)`).
 *
 * Semantics (the same as the tfjs engine's `TrainStep`, so both engines follow one trajectory):
 * - losses: regression follows ½(ŷ − y)² (gradient ŷ − y; the reported loss is (ŷ − y)²), binary the
 *   log loss of σ(ŷ), ranking the BPR loss −log σ(ŷ⁺ − ŷ⁻) of a positive row and its negative (the
 *   row with its item replaced; Rendle et al. 2009). Sampled negatives for binary are extra rows
 *   with label 0. The data gradient is averaged over the batch's rows (pairs for BPR).
 * - L2: each scored row penalises ½λ‖θ‖² of every parameter it uses, averaged over the batch's scored
 *   rows (libFM's per-example regularisation); FFM counts a (feature, field) block once per pair that
 *   uses it (libffm). The bias is penalised once per step.
 * - lazy updates: only the rows a batch touches (FFM: only the blocks) change, and only their
 *   optimizer state; Adam's bias correction uses the global step t.
 *
 * Performance notes: k-loops of the FM kernels are unrolled by 4; FM sums are Float64; batch size 1
 * with SGD takes in-place per-example paths without slot buffers (as libFM / libffm), including a
 * BPR path that computes ŷ⁺ − ŷ⁻ from the shared part of the two rows once.
 */
import type { FfmWasm } from './ffm-wasm.js';

/** Everything a kernel reads or writes; shared arrays plus per-thread scratch. */
export interface KernelCtx {
  /** 0 = lr, 1 = fm / mf, 2 = ffm. */
  kind: number;
  n: number;
  k: number;
  F: number;
  /** Floats per row of `factors` (fm: k, ffm: F·k, lr: 0). */
  rowLen: number;
  /** 1: FFM pair terms scaled by 1/Σx² (instance-wise normalisation). */
  norm: number;
  /** 1: the linear weights are trained; 0: held (at 0: libffm's model), and FFM's WebAssembly step never reads them. */
  lin: number;
  bias: Float32Array;
  linear: Float32Array;
  factors: Float32Array;
  fieldOfFeature: Int32Array;
  /** `[F + 1]` first global id of every field, then n (the same facts as `fieldOfFeature`, in cache). */
  fieldStarts: Int32Array;
  labels: Float32Array;
  offsets: Int32Array;
  ids: Int32Array;
  values: Float32Array;
  /** 0 = regression, 1 = binary, 2 = BPR ranking. */
  task: number;
  /** Negatives per positive row (0: pointwise on the labels). */
  nNeg: number;
  /** `[rows]` item position inside each row (only with negatives). */
  itemSlot: Int32Array;
  /** `[positions · nNeg]` negative item global ids by position in the pass order. */
  negItems: Int32Array;
  /** 0 = sgd, 1 = adagrad, 2 = adam, 3 = ftrl. */
  opt: number;
  lr: number;
  l2b: number;
  l2w: number;
  l2v: number;
  eps: number;
  beta1: number;
  beta2: number;
  ftrlBeta: number;
  ftrlL1: number;
  ftrlL2: number;
  aBias: Float32Array;
  aLinear: Float32Array;
  aFactors: Float32Array;
  bBias: Float32Array;
  bLinear: Float32Array;
  bFactors: Float32Array;
  // ---- per-thread scratch (allocScratch) ----
  /** `[n]` slot of each feature in the current batch, -1 when untouched. */
  slotOf: Int32Array;
  /** `[cap]` feature id of each slot. */
  touched: Int32Array;
  /** `[cap]` accumulated linear gradient per slot. */
  gLin: Float64Array;
  /** `[cap]` uses of each slot's feature (rows that contain it). */
  cLin: Float64Array;
  /** `[cap*rowLen]` accumulated factor gradient per slot. */
  gFac: Float32Array;
  /** ffm: `[cap*F]` uses of each (slot, field) block. */
  cBlk: Float64Array;
  /** `[k]` FM sums of the current row, and a second buffer (BPR keeps the positive row's). */
  sum: Float64Array;
  sum2: Float64Array;
  /** A scratch row (a negative: a positive row with its item replaced). */
  rIds: Int32Array;
  rVals: Float32Array;
  /** ffm: `[maxRow]` the field of each entry of the current row, and its factor row offset i·F·k. */
  rFld: Int32Array;
  rBase: Int32Array;
  /** ffm + Adagrad on a table in WebAssembly memory: this thread's WebAssembly step (ffm-wasm.ts), else null. */
  ffm: FfmWasm | null;
  /** Slots used in the current batch. */
  nt: number;
  /** Accumulated bias gradient of the current batch. */
  gBias: number;
}

/** Allocates the per-thread scratch of `c` for batches of up to `batchSize` positives of `maxRow` features. */
export function allocScratch(c: KernelCtx, batchSize: number, maxRow: number): void {
  const rowsPer = 1 + c.nNeg;
  const cap = Math.max(1, Math.min(c.n, batchSize * rowsPer * Math.max(1, maxRow)));
  c.slotOf = new Int32Array(c.n).fill(-1);
  c.touched = new Int32Array(cap);
  c.gLin = new Float64Array(cap);
  c.cLin = new Float64Array(cap);
  c.gFac = new Float32Array(cap * c.rowLen);
  c.cBlk = new Float64Array(c.kind === 2 ? cap * c.F : 0);
  c.sum = new Float64Array(Math.max(1, c.k));
  c.sum2 = new Float64Array(Math.max(1, c.k));
  c.rIds = new Int32Array(Math.max(1, maxRow));
  c.rVals = new Float32Array(Math.max(1, maxRow));
  c.rFld = new Int32Array(Math.max(1, maxRow));
  c.rBase = new Int32Array(Math.max(1, maxRow));
  c.nt = 0;
  c.gBias = 0;
}

/** FFM instance normalisation factor r = 1/Σx² of entries [a, b) (1 when off or all x are 0). */
export function kernelNorm(c: KernelCtx, X: Float32Array, a: number, b: number): number {
  if (c.norm === 0 || c.kind !== 2) return 1;
  let s = 0;
  for (let j = a; j < b; j++) {
    const x = X[j] as number;
    s += x * x;
  }
  return s > 0 ? 1 / s : 1;
}

/**
 * ŷ of the row with entries [a, b) of `I` (ids) / `X` (values): a raw score (a logit for binary
 * tasks). For fm it leaves the sums s_f = Σ_j v_{j,f} x_j in `sum`.
 */
export function kernelForward(c: KernelCtx, I: Int32Array, X: Float32Array, a: number, b: number, sum: Float64Array): number {
  const linear = c.linear;
  let p = c.bias[0] as number;
  if (c.kind === 0) {
    for (let j = a; j < b; j++) p += (linear[I[j] as number] as number) * (X[j] as number);
    return p;
  }
  const k = c.k;
  const V = c.factors;
  if (c.kind === 1) {
    for (let f = 0; f < k; f++) sum[f] = 0;
    let sq = 0;
    for (let j = a; j < b; j++) {
      const i = I[j] as number;
      const x = X[j] as number;
      p += (linear[i] as number) * x;
      const base = i * k;
      let f = 0;
      for (; f + 3 < k; f += 4) {
        const v0 = (V[base + f] as number) * x;
        const v1 = (V[base + f + 1] as number) * x;
        const v2 = (V[base + f + 2] as number) * x;
        const v3 = (V[base + f + 3] as number) * x;
        sum[f] = (sum[f] as number) + v0;
        sum[f + 1] = (sum[f + 1] as number) + v1;
        sum[f + 2] = (sum[f + 2] as number) + v2;
        sum[f + 3] = (sum[f + 3] as number) + v3;
        sq += v0 * v0 + v1 * v1 + v2 * v2 + v3 * v3;
      }
      for (; f < k; f++) {
        const vx = (V[base + f] as number) * x;
        sum[f] = (sum[f] as number) + vx;
        sq += vx * vx;
      }
    }
    let s2 = 0;
    for (let f = 0; f < k; f++) {
      const s = sum[f] as number;
      s2 += s * s;
    }
    return p + 0.5 * (s2 - sq);
  }
  return p + kernelPairsFfm(c, I, X, a, b);
}

/**
 * FFM's pair term r · Σ_{j<l} ⟨v_{i_j, f_l}, v_{i_l, f_j}⟩ x_j x_l of entries [a, b), plus the
 * linear term; fills `c.rFld` (field·k) and `c.rBase` (id·F·k) for the row. k = 4 (libffm's usual
 * size) has its own unrolled loop, other multiples of 4 four partial sums per dot product.
 */
export function kernelPairsFfm(c: KernelCtx, I: Int32Array, X: Float32Array, a: number, b: number): number {
  const k = c.k;
  const V = c.factors;
  const linear = c.linear;
  const fieldOf = c.fieldOfFeature;
  const m = b - a;
  if (c.rFld.length < m) {
    c.rFld = new Int32Array(m);
    c.rBase = new Int32Array(m);
  }
  const fld = c.rFld;
  const base = c.rBase;
  const Fk = c.F * k;
  let lin = 0;
  for (let j = 0; j < m; j++) {
    const i1 = I[a + j] as number;
    lin += (linear[i1] as number) * (X[a + j] as number);
    fld[j] = (fieldOf[i1] as number) * k;
    base[j] = i1 * Fk;
  }
  let pairs = 0;
  if (k === 4) {
    for (let j = 0; j < m; j++) {
      const b1 = base[j] as number;
      const f1 = fld[j] as number;
      let row = 0;
      for (let l = j + 1; l < m; l++) {
        const o1 = b1 + (fld[l] as number);
        const o2 = (base[l] as number) + f1;
        row +=
          ((V[o1] as number) * (V[o2] as number) +
            (V[o1 + 1] as number) * (V[o2 + 1] as number) +
            (V[o1 + 2] as number) * (V[o2 + 2] as number) +
            (V[o1 + 3] as number) * (V[o2 + 3] as number)) *
          (X[a + l] as number);
      }
      pairs += row * (X[a + j] as number);
    }
  } else {
    for (let j = 0; j < m; j++) {
      const b1 = base[j] as number;
      const f1 = fld[j] as number;
      let row = 0;
      for (let l = j + 1; l < m; l++) row += kernelDotFfm(V, b1 + (fld[l] as number), (base[l] as number) + f1, k) * (X[a + l] as number);
      pairs += row * (X[a + j] as number);
    }
  }
  return lin + pairs * kernelNorm(c, X, a, b);
}

/**
 * ⟨V[o1 … o1 + k), V[o2 … o2 + k)⟩: for k a multiple of 4 as four partial sums, so the adds do not wait on one
 * another (the pair term of k = 8, 12, 16, …), else in order.
 */
export function kernelDotFfm(V: Float32Array, o1: number, o2: number, k: number): number {
  if (k % 4 === 0) {
    let d0 = 0;
    let d1 = 0;
    let d2 = 0;
    let d3 = 0;
    for (let f = 0; f < k; f += 4) {
      d0 += (V[o1 + f] as number) * (V[o2 + f] as number);
      d1 += (V[o1 + f + 1] as number) * (V[o2 + f + 1] as number);
      d2 += (V[o1 + f + 2] as number) * (V[o2 + f + 2] as number);
      d3 += (V[o1 + f + 3] as number) * (V[o2 + f + 3] as number);
    }
    return d0 + d1 + (d2 + d3);
  }
  let dot = 0;
  for (let f = 0; f < k; f++) dot += (V[o1 + f] as number) * (V[o2 + f] as number);
  return dot;
}

/**
 * Pointwise loss of raw score p against label y and its derivative ∂/∂p, written to out[0], out[1].
 * Regression: (p − y)² is reported and the update follows ½(p − y)² (derivative p − y, as libFM).
 * Binary: log(1 + e^{−p}) + (1 − y)p (log loss of σ(p)), derivative σ(p) − y.
 */
export function kernelLoss(binary: number, p: number, y: number, out: Float64Array): void {
  if (binary === 0) {
    const d = p - y;
    out[0] = d * d;
    out[1] = d;
    return;
  }
  const e = Math.exp(-Math.abs(p));
  const sig = p >= 0 ? 1 / (1 + e) : e / (1 + e);
  out[0] = Math.log1p(e) + (p > 0 ? p : 0) - p * y;
  out[1] = sig - y;
}

/** Gives feature i a slot in the batch buffers (or returns its existing one). */
export function kernelSlot(c: KernelCtx, i: number): number {
  let s = c.slotOf[i] as number;
  if (s < 0) {
    s = c.nt++;
    c.slotOf[i] = s;
    c.touched[s] = i;
  }
  return s;
}

/**
 * Adds g·∂ŷ/∂θ of the row [a, b) of `I`/`X` to the batch buffers, and counts the uses for L2.
 * `sum` must hold the row's FM sums from {@link kernelForward}.
 */
export function kernelAccumulate(c: KernelCtx, I: Int32Array, X: Float32Array, a: number, b: number, g: number, sum: Float64Array): void {
  const gLin = c.gLin;
  const cLin = c.cLin;
  const gFac = c.gFac;
  const V = c.factors;
  const k = c.k;
  c.gBias += g;
  if (c.kind === 1) {
    for (let j = a; j < b; j++) {
      const i = I[j] as number;
      const x = X[j] as number;
      const slot = kernelSlot(c, i);
      const gx = g * x;
      gLin[slot] = (gLin[slot] as number) + gx;
      cLin[slot] = (cLin[slot] as number) + 1;
      const base = i * k;
      const gb = slot * k;
      let f = 0;
      for (; f + 3 < k; f += 4) {
        gFac[gb + f] = (gFac[gb + f] as number) + gx * ((sum[f] as number) - (V[base + f] as number) * x);
        gFac[gb + f + 1] = (gFac[gb + f + 1] as number) + gx * ((sum[f + 1] as number) - (V[base + f + 1] as number) * x);
        gFac[gb + f + 2] = (gFac[gb + f + 2] as number) + gx * ((sum[f + 2] as number) - (V[base + f + 2] as number) * x);
        gFac[gb + f + 3] = (gFac[gb + f + 3] as number) + gx * ((sum[f + 3] as number) - (V[base + f + 3] as number) * x);
      }
      for (; f < k; f++) {
        gFac[gb + f] = (gFac[gb + f] as number) + gx * ((sum[f] as number) - (V[base + f] as number) * x);
      }
    }
    return;
  }
  for (let j = a; j < b; j++) {
    const slot = kernelSlot(c, I[j] as number);
    gLin[slot] = (gLin[slot] as number) + g * (X[j] as number);
    cLin[slot] = (cLin[slot] as number) + 1;
  }
  if (c.kind === 0) return;
  // ffm: each pair (j, l) uses blocks v_{i_j, f_l} and v_{i_l, f_j}
  const F = c.F;
  const fieldOf = c.fieldOfFeature;
  const rowLen = c.rowLen;
  const cBlk = c.cBlk;
  const gr = g * kernelNorm(c, X, a, b);
  for (let j = a; j < b; j++) {
    const i1 = I[j] as number;
    const f1 = fieldOf[i1] as number;
    const s1 = c.slotOf[i1] as number;
    const gx1 = gr * (X[j] as number);
    for (let l = j + 1; l < b; l++) {
      const i2 = I[l] as number;
      const f2 = fieldOf[i2] as number;
      const s2 = c.slotOf[i2] as number;
      const cc = gx1 * (X[l] as number);
      const o1 = (i1 * F + f2) * k;
      const o2 = (i2 * F + f1) * k;
      const g1 = s1 * rowLen + f2 * k;
      const g2 = s2 * rowLen + f1 * k;
      let f = 0;
      // four coordinates an iteration (k = 4, 8, 12, 16, …), the same operations per coordinate
      for (; f + 3 < k; f += 4) {
        gFac[g1 + f] = (gFac[g1 + f] as number) + cc * (V[o2 + f] as number);
        gFac[g2 + f] = (gFac[g2 + f] as number) + cc * (V[o1 + f] as number);
        gFac[g1 + f + 1] = (gFac[g1 + f + 1] as number) + cc * (V[o2 + f + 1] as number);
        gFac[g2 + f + 1] = (gFac[g2 + f + 1] as number) + cc * (V[o1 + f + 1] as number);
        gFac[g1 + f + 2] = (gFac[g1 + f + 2] as number) + cc * (V[o2 + f + 2] as number);
        gFac[g2 + f + 2] = (gFac[g2 + f + 2] as number) + cc * (V[o1 + f + 2] as number);
        gFac[g1 + f + 3] = (gFac[g1 + f + 3] as number) + cc * (V[o2 + f + 3] as number);
        gFac[g2 + f + 3] = (gFac[g2 + f + 3] as number) + cc * (V[o1 + f + 3] as number);
      }
      for (; f < k; f++) {
        gFac[g1 + f] = (gFac[g1 + f] as number) + cc * (V[o2 + f] as number);
        gFac[g2 + f] = (gFac[g2 + f] as number) + cc * (V[o1 + f] as number);
      }
      cBlk[s1 * F + f2] = (cBlk[s1 * F + f2] as number) + 1;
      cBlk[s2 * F + f1] = (cBlk[s2 * F + f1] as number) + 1;
    }
  }
}

/** Copies row [a, b) into the scratch row with its item (at `slot`) replaced by global id `item`. */
export function kernelNegativeRow(c: KernelCtx, a: number, b: number, slot: number, item: number): void {
  const rIds = c.rIds;
  const rVals = c.rVals;
  for (let j = a; j < b; j++) {
    rIds[j - a] = c.ids[j] as number;
    rVals[j - a] = c.values[j] as number;
  }
  rIds[slot] = item;
}

/**
 * Forward + backward of the positives at positions [s, e) of `order` (and their negatives) into the
 * batch buffers. Writes [Σ loss, loss terms, scored rows] to `acc` (added).
 */
export function kernelBatch(c: KernelCtx, order: Int32Array, s: number, e: number, lg: Float64Array, acc: Float64Array): void {
  if (c.ffm !== null && c.ffm.batched) {
    kernelBatchFfmWasm(c, order, s, e, lg, acc);
    return;
  }
  const offsets = c.offsets;
  const labels = c.labels;
  const nNeg = c.nNeg;
  const binary = c.task === 1 ? 1 : 0;
  let loss = 0;
  let terms = 0;
  let rows = 0;
  for (let t = s; t < e; t++) {
    const r = order[t] as number;
    const a = offsets[r] as number;
    const b = offsets[r + 1] as number;
    if (c.task === 2) {
      const pPos = kernelForward(c, c.ids, c.values, a, b, c.sum2);
      kernelNegativeRow(c, a, b, c.itemSlot[r] as number, c.negItems[t] as number);
      const pNeg = kernelForward(c, c.rIds, c.rVals, 0, b - a, c.sum);
      const d = pPos - pNeg;
      // −log σ(d) = softplus(−d); ∂/∂ŷ⁺ = σ(d) − 1, ∂/∂ŷ⁻ = 1 − σ(d)
      const ed = Math.exp(-Math.abs(d));
      loss += Math.log1p(ed) + (d < 0 ? -d : 0);
      const sig = d >= 0 ? 1 / (1 + ed) : ed / (1 + ed);
      kernelAccumulate(c, c.rIds, c.rVals, 0, b - a, 1 - sig, c.sum);
      kernelAccumulate(c, c.ids, c.values, a, b, sig - 1, c.sum2);
      terms += 1;
      rows += 2;
      continue;
    }
    kernelLoss(binary, kernelForward(c, c.ids, c.values, a, b, c.sum), nNeg > 0 ? 1 : (labels[r] as number), lg);
    loss += lg[0] as number;
    kernelAccumulate(c, c.ids, c.values, a, b, lg[1] as number, c.sum);
    terms += 1;
    rows += 1;
    for (let q = 0; q < nNeg; q++) {
      kernelNegativeRow(c, a, b, c.itemSlot[r] as number, c.negItems[t * nNeg + q] as number);
      kernelLoss(binary, kernelForward(c, c.rIds, c.rVals, 0, b - a, c.sum), 0, lg);
      loss += lg[0] as number;
      kernelAccumulate(c, c.rIds, c.rVals, 0, b - a, lg[1] as number, c.sum);
      terms += 1;
      rows += 1;
    }
  }
  acc[0] = (acc[0] as number) + loss;
  acc[1] = (acc[1] as number) + terms;
  acc[2] = (acc[2] as number) + rows;
}

/**
 * The optimizer step on everything the batch touched, then clears the batch buffers.
 * The gradient of a coordinate is `ḡ·sData + λ·uses·sReg·w`: `sData` averages the data gradient
 * (1/rows, or 1/pairs for BPR), `sReg` = 1/scored rows; FFM blocks no pair used are left alone.
 * @param t the global step after this batch (Adam's bias correction).
 */
export function kernelApply(c: KernelCtx, sData: number, sReg: number, t: number): void {
  const opt = c.opt;
  const lr = c.lr;
  const rowLen = c.rowLen;
  const k = c.k;
  const F = c.F;
  const ffm = c.kind === 2;
  const lin = c.linear;
  const V = c.factors;
  const gLin = c.gLin;
  const cLin = c.cLin;
  const gFac = c.gFac;
  const cBlk = c.cBlk;
  const touched = c.touched;
  const slotOf = c.slotOf;
  const l2w = c.l2w;
  const l2v = c.l2v;
  // Adam's corrections, FTRL's constants
  const c1 = opt === 2 ? 1 - Math.pow(c.beta1, t) : 1;
  const c2 = opt === 2 ? Math.sqrt(1 - Math.pow(c.beta2, t)) : 1;
  const { beta1: b1, beta2: b2, eps, aFactors: aF, bFactors: bF } = c;
  {
    const w = c.bias[0] as number;
    c.bias[0] = kernelUpdate(c, c.aBias, c.bBias, 0, w, c.gBias * sData + c.l2b * w, c1, c2);
  }
  // FFM's mini-batch Adam in WebAssembly: the blocks are stepped there, after the linear weights here
  const wasmBlocks = ffm && c.ffm !== null && c.ffm.batched;
  for (let s = 0; s < c.nt; s++) {
    const i = touched[s] as number;
    slotOf[i] = -1;
    if (c.lin === 1) {
      const w = lin[i] as number;
      lin[i] = kernelUpdate(c, c.aLinear, c.bLinear, i, w, (gLin[s] as number) * sData + l2w * (cLin[s] as number) * sReg * w, c1, c2);
    }
    const uses = cLin[s] as number;
    gLin[s] = 0;
    cLin[s] = 0;
    if (wasmBlocks) continue;
    const base = i * rowLen;
    const gb = s * rowLen;
    if (!ffm) {
      const reg = l2v * uses * sReg;
      if (opt === 0) {
        for (let f = 0; f < rowLen; f++) {
          const v = V[base + f] as number;
          V[base + f] = v - lr * ((gFac[gb + f] as number) * sData + reg * v);
          gFac[gb + f] = 0;
        }
      } else {
        for (let f = 0; f < rowLen; f++) {
          const v = V[base + f] as number;
          V[base + f] = kernelUpdate(c, c.aFactors, c.bFactors, base + f, v, (gFac[gb + f] as number) * sData + reg * v, c1, c2);
          gFac[gb + f] = 0;
        }
      }
      continue;
    }
    for (let fb = 0; fb < F; fb++) {
      const used = cBlk[s * F + fb] as number;
      if (used === 0) continue;
      cBlk[s * F + fb] = 0;
      const reg = l2v * used * sReg;
      const o = base + fb * k;
      const go = gb + fb * k;
      if (opt === 1) {
        // row-wise Adagrad: one accumulator per (feature, field) block, G += mean(g²)
        let g2 = 0;
        for (let f = 0; f < k; f++) {
          const g = (gFac[go + f] as number) * sData + reg * (V[o + f] as number);
          gFac[go + f] = g;
          g2 += g * g;
        }
        const bi = i * F + fb;
        const acc = (c.aFactors[bi] as number) + g2 / k;
        c.aFactors[bi] = acc;
        const step = lr / (Math.sqrt(acc) + c.eps);
        for (let f = 0; f < k; f++) {
          V[o + f] = (V[o + f] as number) - step * (gFac[go + f] as number);
          gFac[go + f] = 0;
        }
        continue;
      }
      if (opt === 2) {
        // Adam, kernelUpdate's arithmetic inline (no call and no option checks per coordinate)
        for (let f = 0; f < k; f++) {
          const q = o + f;
          const v = V[q] as number;
          const g = (gFac[go + f] as number) * sData + reg * v;
          const m = b1 * (aF[q] as number) + (1 - b1) * g;
          const s2 = b2 * (bF[q] as number) + (1 - b2) * g * g;
          aF[q] = m;
          bF[q] = s2;
          V[q] = v - (lr * (m / c1)) / (Math.sqrt(s2) / c2 + eps);
          gFac[go + f] = 0;
        }
        continue;
      }
      for (let f = 0; f < k; f++) {
        const v = V[o + f] as number;
        V[o + f] = kernelUpdate(c, c.aFactors, c.bFactors, o + f, v, (gFac[go + f] as number) * sData + reg * v, c1, c2);
        gFac[go + f] = 0;
      }
    }
  }
  if (wasmBlocks) {
    // the touched features' ids through this thread's staging slot, a slot's worth at a time
    const w = c.ffm as FfmWasm;
    const I = w.I32;
    const room = (2 * w.half) >> 2;
    const vBase = w.vOff;
    for (let s0 = 0; s0 < c.nt; s0 += room) {
      const count = Math.min(room, c.nt - s0);
      for (let q = 0; q < count; q++) I[(w.ent >> 2) + q] = touched[s0 + q] as number;
      w.adam(w.ent, count, vBase, w.vRow, F, w.gOff - vBase, w.fOff, w.mOff - vBase, w.sOff - vBase, sData, lr / c1, 1 / c2, b1, b2, eps);
    }
  }
  c.nt = 0;
  c.gBias = 0;
}

/**
 * One coordinate of the optimizer: returns the new weight for weight w with gradient g (L2
 * included); state at index `idx` of A (Adagrad G, Adam m, FTRL z) and B (Adam v, FTRL n).
 * SGD: w − ηg. Adagrad (Duchi et al. 2011): G += g²; w − ηg/(√G + ε). Adam (Kingma & Ba 2015):
 * w − η·(m/c1)/(√v/c2 + ε). FTRL-Proximal (McMahan et al. 2013, algorithm 1) with α = η.
 */
export function kernelUpdate(c: KernelCtx, A: Float32Array, B: Float32Array, idx: number, w: number, g: number, c1: number, c2: number): number {
  const opt = c.opt;
  if (opt === 0) return w - c.lr * g;
  if (opt === 1) {
    const acc = (A[idx] as number) + g * g;
    A[idx] = acc;
    return w - (c.lr * g) / (Math.sqrt(acc) + c.eps);
  }
  if (opt === 2) {
    const b1 = c.beta1;
    const b2 = c.beta2;
    const m = b1 * (A[idx] as number) + (1 - b1) * g;
    const v = b2 * (B[idx] as number) + (1 - b2) * g * g;
    A[idx] = m;
    B[idx] = v;
    return w - (c.lr * (m / c1)) / (Math.sqrt(v) / c2 + c.eps);
  }
  const alpha = c.lr;
  const n0 = B[idx] as number;
  const n1 = n0 + g * g;
  const sq1 = Math.sqrt(n1);
  const z = (A[idx] as number) + g - ((sq1 - Math.sqrt(n0)) / alpha) * w;
  A[idx] = z;
  B[idx] = n1;
  const l1 = c.ftrlL1;
  const az = z < 0 ? -z : z;
  if (az <= l1) return 0;
  return -(z - (z < 0 ? -l1 : l1)) / ((c.ftrlBeta + sq1) / alpha + c.ftrlL2);
}

/**
 * Per-example SGD (batch 1) for lr / fm on labelled rows, in place right after each example as
 * libFM does: the same arithmetic as the mini-batch path with one row. Returns Σ loss.
 */
export function kernelSgdExamples(c: KernelCtx, order: Int32Array, start: number, end: number, lg: Float64Array): number {
  const ids = c.ids;
  const values = c.values;
  const offsets = c.offsets;
  const labels = c.labels;
  const lin = c.linear;
  const V = c.factors;
  const sum = c.sum;
  const k = c.k;
  const lr = c.lr;
  const l2b = c.l2b;
  const l2w = c.l2w;
  const l2v = c.l2v;
  const binary = c.task === 1 ? 1 : 0;
  const bias = c.bias;
  const fm = c.kind === 1;
  let lossSum = 0;
  for (let t = start; t < end; t++) {
    const r = order[t] as number;
    const a = offsets[r] as number;
    const b = offsets[r + 1] as number;
    const p = kernelForward(c, ids, values, a, b, sum);
    kernelLoss(binary, p, labels[r] as number, lg);
    lossSum += lg[0] as number;
    const g = lg[1] as number;
    const b0 = bias[0] as number;
    bias[0] = b0 - lr * (g + l2b * b0);
    for (let j = a; j < b; j++) {
      const i = ids[j] as number;
      const x = values[j] as number;
      const gx = g * x;
      const w = lin[i] as number;
      lin[i] = w - lr * (gx + l2w * w);
      if (!fm) continue;
      const base = i * k;
      let f = 0;
      for (; f + 3 < k; f += 4) {
        const v0 = V[base + f] as number;
        const v1 = V[base + f + 1] as number;
        const v2 = V[base + f + 2] as number;
        const v3 = V[base + f + 3] as number;
        V[base + f] = v0 - lr * (gx * ((sum[f] as number) - v0 * x) + l2v * v0);
        V[base + f + 1] = v1 - lr * (gx * ((sum[f + 1] as number) - v1 * x) + l2v * v1);
        V[base + f + 2] = v2 - lr * (gx * ((sum[f + 2] as number) - v2 * x) + l2v * v2);
        V[base + f + 3] = v3 - lr * (gx * ((sum[f + 3] as number) - v3 * x) + l2v * v3);
      }
      for (; f < k; f++) {
        const v = V[base + f] as number;
        V[base + f] = v - lr * (gx * ((sum[f] as number) - v * x) + l2v * v);
      }
    }
  }
  return lossSum;
}

/**
 * Per-example SGD (batch 1) for FFM on labelled rows, in place as libffm: after the forward pass
 * each pair (j, l) updates the two blocks it uses from their values at that moment, with L2 on those
 * blocks only. Returns Σ loss.
 */
export function kernelSgdExamplesFfm(c: KernelCtx, order: Int32Array, start: number, end: number, lg: Float64Array): number {
  const ids = c.ids;
  const values = c.values;
  const offsets = c.offsets;
  const labels = c.labels;
  const lin = c.linear;
  const V = c.factors;
  const fieldOf = c.fieldOfFeature;
  const k = c.k;
  const F = c.F;
  const lr = c.lr;
  const l2b = c.l2b;
  const l2w = c.l2w;
  const l2v = c.l2v;
  const binary = c.task === 1 ? 1 : 0;
  const bias = c.bias;
  let lossSum = 0;
  for (let t = start; t < end; t++) {
    const r = order[t] as number;
    const a = offsets[r] as number;
    const b = offsets[r + 1] as number;
    kernelLoss(binary, kernelForward(c, ids, values, a, b, c.sum), labels[r] as number, lg);
    lossSum += lg[0] as number;
    const g = lg[1] as number;
    const gr = g * kernelNorm(c, values, a, b);
    const b0 = bias[0] as number;
    bias[0] = b0 - lr * (g + l2b * b0);
    for (let j = a; j < b; j++) {
      const i1 = ids[j] as number;
      const x1 = values[j] as number;
      if (c.lin === 1) {
        const w = lin[i1] as number;
        lin[i1] = w - lr * (g * x1 + l2w * w);
      }
      const f1 = fieldOf[i1] as number;
      for (let l = j + 1; l < b; l++) {
        const i2 = ids[l] as number;
        const cc = gr * x1 * (values[l] as number);
        const o1 = (i1 * F + (fieldOf[i2] as number)) * k;
        const o2 = (i2 * F + f1) * k;
        for (let f = 0; f < k; f++) {
          const v1 = V[o1 + f] as number;
          const v2 = V[o2 + f] as number;
          V[o1 + f] = v1 - lr * (cc * v2 + l2v * v1);
          V[o2 + f] = v2 - lr * (cc * v1 + l2v * v2);
        }
      }
    }
  }
  return lossSum;
}

/**
 * Per-example AdaGrad step of the bias and of the linear weights of the row entries [a, a + m), for ∂loss/∂ŷ = g
 * (one accumulator per coordinate; L2 on the bias once, on each weight per use), in place.
 */
export function kernelAdagradBiasLinear(c: KernelCtx, a: number, m: number, g: number): void {
  const lr = c.lr;
  const eps = c.eps;
  const b0 = c.bias[0] as number;
  const gb = g + c.l2b * b0;
  const accB = (c.aBias[0] as number) + gb * gb;
  c.aBias[0] = accB;
  c.bias[0] = b0 - (lr * gb) / (Math.sqrt(accB) + eps);
  if (c.lin === 0) return;
  const ids = c.ids;
  const values = c.values;
  const lin = c.linear;
  const aLin = c.aLinear;
  const l2w = c.l2w;
  for (let j = 0; j < m; j++) {
    const i = ids[a + j] as number;
    const w = lin[i] as number;
    const gw = g * (values[a + j] as number) + l2w * w;
    const acc = (aLin[i] as number) + gw * gw;
    aLin[i] = acc;
    lin[i] = w - (lr * gw) / (Math.sqrt(acc) + eps);
  }
}

/**
 * Per-example Adagrad (batch 1) for FFM on labelled rows, in place as libffm: each pair (j, l)
 * updates the two blocks it uses, each block with ONE accumulator (row-wise Adagrad: G += mean(g²)
 * over the block's k coordinates), L2 on those blocks only; linear weights and the bias keep one
 * accumulator per coordinate. Returns Σ loss.
 */
export function kernelAdagradExamplesFfm(c: KernelCtx, order: Int32Array, start: number, end: number, lg: Float64Array): number {
  const ids = c.ids;
  const values = c.values;
  const offsets = c.offsets;
  const labels = c.labels;
  const V = c.factors;
  const A = c.aFactors;
  const k = c.k;
  const lr = c.lr;
  const eps = c.eps;
  const l2v = c.l2v;
  const binary = c.task === 1 ? 1 : 0;
  const g1 = c.sum;
  const g2 = c.sum2;
  const invK = 1 / k;
  let lossSum = 0;
  for (let t = start; t < end; t++) {
    const r = order[t] as number;
    const a = offsets[r] as number;
    const b = offsets[r + 1] as number;
    kernelLoss(binary, kernelForward(c, ids, values, a, b, c.sum), labels[r] as number, lg);
    lossSum += lg[0] as number;
    const g = lg[1] as number;
    const gr = g * kernelNorm(c, values, a, b);
    kernelAdagradBiasLinear(c, a, b - a, g);
    // forward filled rFld (field·k) and rBase (id·F·k) for this row
    const fld = c.rFld;
    const base = c.rBase;
    const m = b - a;
    for (let j = 0; j < m; j++) {
      const x1 = values[a + j] as number;
      const b1 = base[j] as number;
      const f1 = fld[j] as number;
      const grx = gr * x1;
      if (k === 4) {
        // k = 4 (libffm's usual size): registers instead of scratch arrays, block index o / 4 = o >> 2
        for (let l = j + 1; l < m; l++) {
          const cc = grx * (values[a + l] as number);
          const o1 = b1 + (fld[l] as number);
          const o2 = (base[l] as number) + f1;
          const v10 = V[o1] as number;
          const v11 = V[o1 + 1] as number;
          const v12 = V[o1 + 2] as number;
          const v13 = V[o1 + 3] as number;
          const v20 = V[o2] as number;
          const v21 = V[o2 + 1] as number;
          const v22 = V[o2 + 2] as number;
          const v23 = V[o2 + 3] as number;
          const a10 = cc * v20 + l2v * v10;
          const a11 = cc * v21 + l2v * v11;
          const a12 = cc * v22 + l2v * v12;
          const a13 = cc * v23 + l2v * v13;
          const a20 = cc * v10 + l2v * v20;
          const a21 = cc * v11 + l2v * v21;
          const a22 = cc * v12 + l2v * v22;
          const a23 = cc * v13 + l2v * v23;
          const bi1 = o1 >> 2;
          const bi2 = o2 >> 2;
          const acc1 = (A[bi1] as number) + (a10 * a10 + a11 * a11 + a12 * a12 + a13 * a13) * 0.25;
          const acc2 = (A[bi2] as number) + (a20 * a20 + a21 * a21 + a22 * a22 + a23 * a23) * 0.25;
          A[bi1] = acc1;
          A[bi2] = acc2;
          const st1 = lr / (Math.sqrt(acc1) + eps);
          const st2 = lr / (Math.sqrt(acc2) + eps);
          V[o1] = v10 - st1 * a10;
          V[o1 + 1] = v11 - st1 * a11;
          V[o1 + 2] = v12 - st1 * a12;
          V[o1 + 3] = v13 - st1 * a13;
          V[o2] = v20 - st2 * a20;
          V[o2 + 1] = v21 - st2 * a21;
          V[o2 + 2] = v22 - st2 * a22;
          V[o2 + 3] = v23 - st2 * a23;
        }
        continue;
      }
      for (let l = j + 1; l < m; l++) {
        const cc = grx * (values[a + l] as number);
        const o1 = b1 + (fld[l] as number);
        const o2 = (base[l] as number) + f1;
        let s1 = 0;
        let s2 = 0;
        for (let f = 0; f < k; f++) {
          const v1 = V[o1 + f] as number;
          const v2 = V[o2 + f] as number;
          const a1 = cc * v2 + l2v * v1;
          const a2 = cc * v1 + l2v * v2;
          g1[f] = a1;
          g2[f] = a2;
          s1 += a1 * a1;
          s2 += a2 * a2;
        }
        // block index of offset o is o / k
        const bi1 = o1 / k;
        const bi2 = o2 / k;
        const acc1 = (A[bi1] as number) + s1 * invK;
        const acc2 = (A[bi2] as number) + s2 * invK;
        A[bi1] = acc1;
        A[bi2] = acc2;
        const st1 = lr / (Math.sqrt(acc1) + eps);
        const st2 = lr / (Math.sqrt(acc2) + eps);
        for (let f = 0; f < k; f++) {
          // both read before either is written, as the k = 4 path (a block a pair uses twice: the second write wins)
          const v1 = V[o1 + f] as number;
          const v2 = V[o2 + f] as number;
          V[o1 + f] = v1 - st1 * (g1[f] as number);
          V[o2 + f] = v2 - st2 * (g2[f] as number);
        }
      }
    }
  }
  return lossSum;
}

/**
 * Stages row r of `c`'s data at byte `at` of `w`'s memory for the WebAssembly FFM step (per entry: the byte address
 * of the feature's factor row, the field's offset in it, the same for the accumulator row, x), reading the row's
 * linear weights and accumulators and touching its factor and accumulator rows (`w.touch`) so their cache misses
 * are paid now, together. Returns the row's length, or −1 when it does not fit a half-slot (nothing staged).
 */
export function kernelStageFfm(c: KernelCtx, w: FfmWasm, r: number, at: number): number {
  const a = c.offsets[r] as number;
  const m = (c.offsets[r + 1] as number) - a;
  if (m > w.cap) return -1;
  const ids = c.ids;
  const values = c.values;
  const starts = c.fieldStarts;
  const fieldOf = c.fieldOfFeature;
  const lin = c.linear;
  const aLin = c.aLinear;
  const batched = w.batched;
  const withAcc = aLin.length > 0 && !batched;
  const readLin = c.lin === 1;
  // linear weights (and accumulators) in the table's memory are touched by the WebAssembly loop with the rows,
  // whose loads overlap; elsewhere (and in the mini-batch step, whose entries hold other addresses) they are read here
  const wasmLin = readLin && w.linear > 0 && !batched;
  const wasmAcc = wasmLin && withAcc && w.linear === 2;
  const I = w.I32;
  const X = w.F32;
  const e0 = at >> 2;
  let touched = 0;
  let f = 0;
  for (let j = 0; j < m; j++) {
    const i = ids[a + j] as number;
    // the field from the [F + 1] starts (in cache) where it is the previous entry's or the next one, as in rows that
    // list their fields in order; else from the [n] table (a cache miss on a large model)
    if (i < (starts[f] as number) || i >= (starts[f + 1] as number)) {
      f++;
      if (f + 1 >= starts.length || i < (starts[f] as number) || i >= (starts[f + 1] as number)) f = fieldOf[i] as number;
    }
    const q = e0 + 6 * j;
    I[q] = w.vOff + i * w.vRow;
    I[q + 1] = f * w.kb;
    X[q + 4] = values[a + j] as number;
    if (batched) {
      // the mini-batch step (ffm-wasm-adam.ts): the gradient row, the flag row, field·4
      I[q + 2] = w.gOff + i * w.vRow;
      I[q + 3] = w.fOff + i * w.aRow;
      I[q + 5] = f * 4;
    } else {
      I[q + 2] = w.aOff + i * w.aRow;
      I[q + 3] = f * 4;
      I[q + 5] = w.lOff + 4 * i;
    }
    if (readLin) {
      if (!wasmLin) touched += lin[i] as number;
      if (withAcc && !wasmAcc) touched += aLin[i] as number;
    }
  }
  // stored after the entries, so the reads cannot be optimised away; the mini-batch step touches its gradient rows
  const rowBytes = batched ? w.vRow : withAcc ? w.aRow : 0;
  X[e0 + 6 * m] = touched + w.touch(at, m, w.vRow, rowBytes, wasmLin ? 1 : 0, wasmAcc ? w.alOff - w.lOff : 0);
  return m;
}

/**
 * ŷ of the row with entries [a, a + m) of `c`'s data, staged at byte `at` ({@link kernelStageFfm}): bias, linear
 * term, and the WebAssembly pair term scaled by `norm` ({@link kernelNorm}).
 */
export function kernelForwardFfmWasm(c: KernelCtx, w: FfmWasm, a: number, m: number, at: number, norm: number): number {
  const ids = c.ids;
  const values = c.values;
  const lin = c.linear;
  let p = c.bias[0] as number;
  if (c.lin === 1) for (let j = 0; j < m; j++) p += (lin[ids[a + j] as number] as number) * (values[a + j] as number);
  return p + w.pairs(at, m) * norm;
}

/**
 * Raw FFM scores of every row of `c`'s data into `out` with the WebAssembly pair term (`c.ffm`): the next row staged
 * and touched while this one is scored, as in training; rows too long for a half-slot use {@link kernelForward}.
 */
export function kernelScoreFfmWasm(c: KernelCtx, out: Float32Array): void {
  const w = c.ffm as FfmWasm;
  const rows = out.length;
  const { ids, values, offsets } = c;
  let cur = w.ent;
  let nxt = w.ent + w.half;
  let mCur = rows > 0 ? kernelStageFfm(c, w, 0, cur) : 0;
  for (let r = 0; r < rows; r++) {
    const mNext = r + 1 < rows ? kernelStageFfm(c, w, r + 1, nxt) : 0;
    const a = offsets[r] as number;
    const b = offsets[r + 1] as number;
    out[r] = mCur < 0 ? kernelForward(c, ids, values, a, b, c.sum) : kernelForwardFfmWasm(c, w, a, mCur, cur, kernelNorm(c, values, a, b));
    const swap = cur;
    cur = nxt;
    nxt = swap;
    mCur = mNext;
  }
}

/**
 * {@link kernelAdagradExamplesFfm} with the pair term and the block updates in WebAssembly SIMD (`c.ffm`, see
 * ffm-wasm.ts): each row's entries are staged in one half of this thread's slot of the table's memory, `pairs`
 * gives the pair term, the bias and linear weights are updated here as there, then `update` steps every block the
 * pairs use. The next row is staged in the other half and its factor and accumulator rows are touched (`touch`)
 * before this row is computed, so their cache misses overlap this row's work (the step is bound by memory latency:
 * a row of 39 fields reads ~500 cache lines of a table far larger than the caches). The same algorithm in float32;
 * rows longer than a half-slot take the TypeScript kernel. Returns Σ loss.
 */
export function kernelAdagradExamplesFfmWasm(c: KernelCtx, order: Int32Array, start: number, end: number, lg: Float64Array): number {
  const w = c.ffm as FfmWasm;
  const values = c.values;
  const offsets = c.offsets;
  const labels = c.labels;
  const binary = c.task === 1 ? 1 : 0;
  let cur = w.ent;
  let nxt = w.ent + w.half;
  let mCur = start < end ? kernelStageFfm(c, w, order[start] as number, cur) : 0;
  let lossSum = 0;
  for (let t = start; t < end; t++) {
    const r = order[t] as number;
    const mNext = t + 1 < end ? kernelStageFfm(c, w, order[t + 1] as number, nxt) : 0;
    if (mCur < 0) {
      lossSum += kernelAdagradExamplesFfm(c, order, t, t + 1, lg);
    } else {
      const a = offsets[r] as number;
      const m = mCur;
      const norm = kernelNorm(c, values, a, a + m);
      kernelLoss(binary, kernelForwardFfmWasm(c, w, a, m, cur, norm), labels[r] as number, lg);
      lossSum += lg[0] as number;
      const g = lg[1] as number;
      kernelAdagradBiasLinear(c, a, m, g);
      w.update(cur, m, g * norm, c.lr, c.l2v, c.eps);
    }
    const swap = cur;
    cur = nxt;
    nxt = swap;
    mCur = mNext;
  }
  return lossSum;
}

/**
 * {@link kernelBatch} for FFM with mini-batch Adam in WebAssembly SIMD (`c.ffm.batched`, ffm-wasm-adam.ts): each row
 * is staged (the next one while this one is computed, as in the per-example step), scored with `pairs`, and its
 * block gradients summed into the thread's gradient region with `grad`; the bias and linear gradients go to the
 * batch buffers here. Rows longer than a half-slot take {@link kernelForward} and {@link kernelGradFfmJs}. Pointwise
 * rows only (the step is chosen without sampled negatives or ranking). Writes [Σ loss, terms, rows] to `acc` (added).
 */
export function kernelBatchFfmWasm(c: KernelCtx, order: Int32Array, s: number, e: number, lg: Float64Array, acc: Float64Array): void {
  const w = c.ffm as FfmWasm;
  const { ids, values, offsets, labels, gLin, cLin } = c;
  const binary = c.task === 1 ? 1 : 0;
  let cur = w.ent;
  let nxt = w.ent + w.half;
  let mCur = s < e ? kernelStageFfm(c, w, order[s] as number, cur) : 0;
  let loss = 0;
  for (let t = s; t < e; t++) {
    const r = order[t] as number;
    const mNext = t + 1 < e ? kernelStageFfm(c, w, order[t + 1] as number, nxt) : 0;
    const a = offsets[r] as number;
    const b = offsets[r + 1] as number;
    const norm = kernelNorm(c, values, a, b);
    const p = mCur < 0 ? kernelForward(c, ids, values, a, b, c.sum) : kernelForwardFfmWasm(c, w, a, mCur, cur, norm);
    kernelLoss(binary, p, labels[r] as number, lg);
    loss += lg[0] as number;
    const g = lg[1] as number;
    c.gBias += g;
    for (let j = a; j < b; j++) {
      const slot = kernelSlot(c, ids[j] as number);
      gLin[slot] = (gLin[slot] as number) + g * (values[j] as number);
      cLin[slot] = (cLin[slot] as number) + 1;
    }
    if (mCur < 0) kernelGradFfmJs(c, w, a, b, g * norm, c.l2v);
    else w.grad(cur, mCur, g * norm, c.l2v);
    const swap = cur;
    cur = nxt;
    nxt = swap;
    mCur = mNext;
  }
  acc[0] = (acc[0] as number) + loss;
  acc[1] = (acc[1] as number) + (e - s);
  acc[2] = (acc[2] as number) + (e - s);
}

/**
 * `grad` of ffm-wasm-adam.ts in TypeScript, for rows [a, b) of `c`'s data too long to stage: adds gr·x_j x_l times
 * each pair's other block, plus l2 times its own, to the thread's gradient region, and flags the two blocks.
 */
export function kernelGradFfmJs(c: KernelCtx, w: FfmWasm, a: number, b: number, gr: number, l2: number): void {
  const { ids, values, fieldOfFeature: fieldOf, factors: V, k, F } = c;
  const G = w.M32;
  const flags = w.MI32;
  const g0 = w.gOff >> 2;
  const f0 = w.fOff >> 2;
  for (let j = a; j < b; j++) {
    const i1 = ids[j] as number;
    const f1 = fieldOf[i1] as number;
    const gx = gr * (values[j] as number);
    for (let l = j + 1; l < b; l++) {
      const i2 = ids[l] as number;
      const f2 = fieldOf[i2] as number;
      const cc = gx * (values[l] as number);
      const o1 = (i1 * F + f2) * k;
      const o2 = (i2 * F + f1) * k;
      flags[f0 + i1 * F + f2] = 1;
      flags[f0 + i2 * F + f1] = 1;
      for (let f = 0; f < k; f++) G[g0 + o1 + f] = (G[g0 + o1 + f] as number) + cc * (V[o2 + f] as number) + l2 * (V[o1 + f] as number);
      for (let f = 0; f < k; f++) G[g0 + o2 + f] = (G[g0 + o2 + f] as number) + cc * (V[o1 + f] as number) + l2 * (V[o2 + f] as number);
    }
  }
}

/**
 * Per-example SGD (batch 1) for BPR on fm / mf rows, in place. A positive row and its negative differ
 * only in the item, so with S = Σ_{l ≠ item} v_l x_l (the shared part) ŷ⁺ − ŷ⁻ = x(w_i − w_j) +
 * x⟨v_i − v_j, S⟩: one pass over the shared features instead of two forward passes. Shared features
 * are used by both rows (L2 weight 2/2 = 1), the two items by one each (½). Returns Σ loss.
 */
export function kernelBprSgdFm(c: KernelCtx, order: Int32Array, start: number, end: number): number {
  const ids = c.ids;
  const values = c.values;
  const offsets = c.offsets;
  const lin = c.linear;
  const V = c.factors;
  const S = c.sum;
  const k = c.k;
  const lr = c.lr;
  const l2w = c.l2w;
  const l2v = c.l2v;
  const halfW = 0.5 * l2w;
  const halfV = 0.5 * l2v;
  const bias = c.bias;
  let lossSum = 0;
  for (let t = start; t < end; t++) {
    const r = order[t] as number;
    const a = offsets[r] as number;
    const b = offsets[r + 1] as number;
    const at = a + (c.itemSlot[r] as number);
    const ip = ids[at] as number;
    const x = values[at] as number;
    const jn = c.negItems[t] as number;
    if (b - a === 2) {
      // one shared feature (a user id): the same steps in two passes over k instead of five
      lossSum += bprPairStep(c, a + b - 1 - at, ip, x, jn);
      continue;
    }
    for (let f = 0; f < k; f++) S[f] = 0;
    for (let l = a; l < b; l++) {
      if (l === at) continue;
      const xl = values[l] as number;
      const base = (ids[l] as number) * k;
      for (let f = 0; f < k; f++) S[f] = (S[f] as number) + (V[base + f] as number) * xl;
    }
    const pi = ip * k;
    const pj = jn * k;
    let dot = 0;
    for (let f = 0; f < k; f++) dot += ((V[pi + f] as number) - (V[pj + f] as number)) * (S[f] as number);
    const d = x * ((lin[ip] as number) - (lin[jn] as number) + dot);
    const ed = Math.exp(-Math.abs(d));
    lossSum += Math.log1p(ed) + (d < 0 ? -d : 0);
    const gp = (d >= 0 ? 1 / (1 + ed) : ed / (1 + ed)) - 1; // ∂loss/∂ŷ⁺; ∂loss/∂ŷ⁻ = −gp
    const b0 = bias[0] as number;
    bias[0] = b0 - lr * (c.l2b * b0);
    // shared features first (they read the items' old factors)
    for (let l = a; l < b; l++) {
      if (l === at) continue;
      const i = ids[l] as number;
      const gx = gp * (values[l] as number) * x;
      const w = lin[i] as number;
      lin[i] = w - lr * (l2w * w);
      const base = i * k;
      for (let f = 0; f < k; f++) {
        const v = V[base + f] as number;
        V[base + f] = v - lr * (gx * ((V[pi + f] as number) - (V[pj + f] as number)) + l2v * v);
      }
    }
    const gx = gp * x;
    const wi = lin[ip] as number;
    lin[ip] = wi - lr * (gx + halfW * wi);
    const wj = lin[jn] as number;
    lin[jn] = wj - lr * (-gx + halfW * wj);
    for (let f = 0; f < k; f++) {
      const s = S[f] as number;
      const vi = V[pi + f] as number;
      V[pi + f] = vi - lr * (gx * s + halfV * vi);
      const vj = V[pj + f] as number;
      V[pj + f] = vj - lr * (-gx * s + halfV * vj);
    }
  }
  return lossSum;
}

/**
 * {@link kernelBprSgdFm}'s step for a row of one shared entry `u` (data index) besides the item: the same
 * arithmetic in the same order per coordinate (S_f = v_uf x_u, the dot product, then the shared row and the two
 * items from their old values), fused into two passes over k. Returns the loss.
 */
export function bprPairStep(c: KernelCtx, u: number, ip: number, x: number, jn: number): number {
  const V = c.factors;
  const S = c.sum;
  const lin = c.linear;
  const k = c.k;
  const lr = c.lr;
  const l2v = c.l2v;
  const halfV = 0.5 * l2v;
  const halfW = 0.5 * c.l2w;
  const iu = c.ids[u] as number;
  const xu = c.values[u] as number;
  const pu = iu * k;
  const pi = ip * k;
  const pj = jn * k;
  let dot = 0;
  for (let f = 0; f < k; f++) {
    const sf = 0 + (V[pu + f] as number) * xu;
    S[f] = sf;
    dot += ((V[pi + f] as number) - (V[pj + f] as number)) * sf;
  }
  const d = x * ((lin[ip] as number) - (lin[jn] as number) + dot);
  const ed = Math.exp(-Math.abs(d));
  const loss = Math.log1p(ed) + (d < 0 ? -d : 0);
  const gp = (d >= 0 ? 1 / (1 + ed) : ed / (1 + ed)) - 1;
  const bias = c.bias;
  const b0 = bias[0] as number;
  bias[0] = b0 - lr * (c.l2b * b0);
  const gxu = gp * xu * x;
  const w = lin[iu] as number;
  lin[iu] = w - lr * (c.l2w * w);
  const gx = gp * x;
  const wi = lin[ip] as number;
  lin[ip] = wi - lr * (gx + halfW * wi);
  const wj = lin[jn] as number;
  lin[jn] = wj - lr * (-gx + halfW * wj);
  for (let f = 0; f < k; f++) {
    const vi = V[pi + f] as number;
    const v = V[pu + f] as number;
    V[pu + f] = v - lr * (gxu * (vi - (V[pj + f] as number)) + l2v * v);
    const s = S[f] as number;
    V[pi + f] = vi - lr * (gx * s + halfV * vi);
    const vj = V[pj + f] as number; // after v_i's write, as the five-pass step reads it
    V[pj + f] = vj - lr * (-gx * s + halfV * vj);
  }
  return loss;
}

/**
 * Trains on the positives at positions [start, end) of `order` in mini-batches of `batchSize`
 * (positives per batch); `t0` is the optimizer step before the first batch.
 * Writes [Σ loss, loss terms, positives, batches] to `out`.
 */
export function kernelTrainRange(
  c: KernelCtx, order: Int32Array, start: number, end: number, batchSize: number, t0: number, out: Float64Array,
): void {
  const lg = new Float64Array(2);
  const m = end > start ? end - start : 0;
  if (batchSize === 1 && c.opt === 0 && c.nNeg === 0 && c.task !== 2) {
    out[0] = c.kind === 2 ? kernelSgdExamplesFfm(c, order, start, end, lg) : kernelSgdExamples(c, order, start, end, lg);
    out[1] = m;
    out[2] = m;
    out[3] = m;
    return;
  }
  if (batchSize === 1 && c.opt === 1 && c.nNeg === 0 && c.task !== 2 && c.kind === 2) {
    out[0] = c.ffm !== null ? kernelAdagradExamplesFfmWasm(c, order, start, end, lg) : kernelAdagradExamplesFfm(c, order, start, end, lg);
    out[1] = m;
    out[2] = m;
    out[3] = m;
    return;
  }
  if (batchSize === 1 && c.opt === 0 && c.task === 2 && c.kind === 1) {
    out[0] = kernelBprSgdFm(c, order, start, end);
    out[1] = m;
    out[2] = m;
    out[3] = m;
    return;
  }
  const acc = new Float64Array(3);
  let t = t0;
  let batches = 0;
  let loss = 0;
  let terms = 0;
  for (let s = start; s < end; s += batchSize) {
    const e = Math.min(end, s + batchSize);
    acc[0] = 0;
    acc[1] = 0;
    acc[2] = 0;
    kernelBatch(c, order, s, e, lg, acc);
    t++;
    batches++;
    loss += acc[0] as number;
    terms += acc[1] as number;
    kernelApply(c, 1 / (acc[1] as number), 1 / (acc[2] as number), t);
  }
  out[0] = loss;
  out[1] = terms;
  out[2] = m;
  out[3] = batches;
}

/** The kernel functions in dependency-free source form, for worker threads. */
export const KERNEL_FUNCTIONS: readonly ((...args: never[]) => unknown)[] = [
  allocScratch,
  kernelNorm,
  kernelPairsFfm,
  kernelDotFfm,
  kernelForward,
  kernelLoss,
  kernelSlot,
  kernelAccumulate,
  kernelNegativeRow,
  kernelBatch,
  kernelApply,
  kernelUpdate,
  kernelSgdExamples,
  kernelSgdExamplesFfm,
  kernelAdagradBiasLinear,
  kernelAdagradExamplesFfm,
  kernelStageFfm,
  kernelForwardFfmWasm,
  kernelAdagradExamplesFfmWasm,
  kernelBatchFfmWasm,
  kernelGradFfmJs,
  kernelBprSgdFm,
  bprPairStep,
  kernelTrainRange,
];
