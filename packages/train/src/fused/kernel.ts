/**
 * The fused forward + backward + optimizer kernels over flat typed arrays.
 *
 * Every function here is self-contained: it refers to nothing but its arguments, `Math` and the
 * other functions of {@link KERNEL_FUNCTIONS}, so `hogwild-node.ts` can ship their source text to
 * worker threads (`Function.prototype.toString`) and run the very same code there. Keep it that way:
 * no imports, no module constants, no closures inside these functions — and keep them in this one
 * file, because a test transform or bundler rewrites calls to imported functions (`mod.fn(...)`),
 * which would break the shipped source.
 *
 * Performance notes (measured, see the training bench): k-loops of the FM kernels are unrolled by 4
 * (+10-15% at k=16/64 over the plain loop); FM sums are Float64; batch size 1 with SGD takes an
 * in-place per-example path without slot buffers (as libFM / libffm), which is what makes it as fast
 * as a hand-written per-example loop; mini-batches pay for an accumulate-then-apply pass.
 *
 * Per mini-batch: for each example the FM sums s_f = Σ_j v_{j,f} x_j are computed once (O(k·nnz)),
 * the loss gradient g = ∂ℓ/∂ŷ is taken, and gradients are accumulated into compact per-batch buffers
 * indexed by a slot per touched feature (`slotOf[id]`); then the optimizer updates only those rows
 * (lazy row-wise updates) with L2 applied to the touched rows, and the buffers are cleared.
 */

/** Everything a kernel reads or writes; shared arrays plus per-thread scratch. */
export interface KernelCtx {
  /** 0 = lr, 1 = fm / mf, 2 = ffm. */
  kind: number;
  n: number;
  k: number;
  F: number;
  /** Floats per row of `factors` (fm: k, ffm: F·k, lr: 0). */
  rowLen: number;
  bias: Float32Array;
  linear: Float32Array;
  factors: Float32Array;
  fieldOfFeature: Int32Array;
  labels: Float32Array;
  offsets: Int32Array;
  ids: Int32Array;
  values: Float32Array;
  /** 1 for log loss on σ(ŷ), 0 for squared loss. */
  binary: number;
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
  l1: number;
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
  /** `[cap*rowLen]` accumulated factor gradient per slot. */
  gFac: Float32Array;
  /** `[k]` FM sums of the current example. */
  sum: Float64Array;
  /** Slots used in the current batch. */
  nt: number;
  /** Accumulated bias gradient of the current batch. */
  gBias: number;
}

/** Allocates the per-thread scratch of `c` for batches of up to `batchSize` rows of `maxRow` features. */
export function allocScratch(c: KernelCtx, batchSize: number, maxRow: number): void {
  const cap = Math.max(1, Math.min(c.n, batchSize * Math.max(1, maxRow)));
  c.slotOf = new Int32Array(c.n).fill(-1);
  c.touched = new Int32Array(cap);
  c.gLin = new Float64Array(cap);
  c.gFac = new Float32Array(cap * c.rowLen);
  c.sum = new Float64Array(Math.max(1, c.k));
  c.nt = 0;
  c.gBias = 0;
}

/** ŷ of the row with CSR entries [a, b) (raw score: a logit for binary tasks). Fills `c.sum` for fm. */
export function kernelForward(c: KernelCtx, a: number, b: number): number {
  const ids = c.ids;
  const values = c.values;
  const linear = c.linear;
  let p = c.bias[0] as number;
  if (c.kind === 0) {
    for (let j = a; j < b; j++) p += (linear[ids[j] as number] as number) * (values[j] as number);
    return p;
  }
  const k = c.k;
  const V = c.factors;
  if (c.kind === 1) {
    const sum = c.sum;
    for (let f = 0; f < k; f++) sum[f] = 0;
    let sq = 0;
    for (let j = a; j < b; j++) {
      const i = ids[j] as number;
      const x = values[j] as number;
      p += (linear[i] as number) * x;
      const base = i * k;
      let f = 0;
      // Unrolled by 4 (k is usually a multiple of 4): fewer loop branches, more independent work.
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
  // ffm: Σ_{j<l} ⟨v_{i_j, f_l}, v_{i_l, f_j}⟩ x_j x_l
  const F = c.F;
  const fieldOf = c.fieldOfFeature;
  for (let j = a; j < b; j++) {
    const i1 = ids[j] as number;
    const x1 = values[j] as number;
    p += (linear[i1] as number) * x1;
    const f1 = fieldOf[i1] as number;
    for (let l = j + 1; l < b; l++) {
      const i2 = ids[l] as number;
      const o1 = (i1 * F + (fieldOf[i2] as number)) * k;
      const o2 = (i2 * F + f1) * k;
      let dot = 0;
      for (let f = 0; f < k; f++) dot += (V[o1 + f] as number) * (V[o2 + f] as number);
      p += dot * x1 * (values[l] as number);
    }
  }
  return p;
}

/**
 * Loss of raw score p against label y and its derivative ∂ℓ/∂p, written to out[0], out[1].
 * Regression: ℓ = (p − y)² is reported, and the update uses ∂(½(p − y)²)/∂p = p − y (libFM's SGD).
 * Binary: ℓ = log(1 + e^{−p}) + (1 − y)p (log loss of σ(p)), ∂ℓ/∂p = σ(p) − y; one exp per example.
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

/** Forward + backward for rows order[s..e): accumulates gradients into the slot buffers; returns Σ loss. */
export function kernelBatch(c: KernelCtx, order: Int32Array, s: number, e: number, lg: Float64Array): number {
  const ids = c.ids;
  const values = c.values;
  const offsets = c.offsets;
  const labels = c.labels;
  const gLin = c.gLin;
  const gFac = c.gFac;
  const V = c.factors;
  const k = c.k;
  const kind = c.kind;
  const binary = c.binary;
  let lossSum = 0;
  let gBias = 0;
  for (let t = s; t < e; t++) {
    const r = order[t] as number;
    const a = offsets[r] as number;
    const b = offsets[r + 1] as number;
    const p = kernelForward(c, a, b);
    kernelLoss(binary, p, labels[r] as number, lg);
    lossSum += lg[0] as number;
    const g = lg[1] as number;
    gBias += g;
    if (kind === 1) {
      const sum = c.sum;
      for (let j = a; j < b; j++) {
        const i = ids[j] as number;
        const x = values[j] as number;
        const slot = kernelSlot(c, i);
        const gx = g * x;
        gLin[slot] = (gLin[slot] as number) + gx;
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
    } else if (kind === 0) {
      for (let j = a; j < b; j++) {
        const slot = kernelSlot(c, ids[j] as number);
        gLin[slot] = (gLin[slot] as number) + g * (values[j] as number);
      }
    } else {
      const F = c.F;
      const fieldOf = c.fieldOfFeature;
      const rowLen = c.rowLen;
      for (let j = a; j < b; j++) {
        const slot = kernelSlot(c, ids[j] as number);
        gLin[slot] = (gLin[slot] as number) + g * (values[j] as number);
      }
      for (let j = a; j < b; j++) {
        const i1 = ids[j] as number;
        const f1 = fieldOf[i1] as number;
        const gs1 = (c.slotOf[i1] as number) * rowLen;
        const gx1 = g * (values[j] as number);
        for (let l = j + 1; l < b; l++) {
          const i2 = ids[l] as number;
          const f2 = fieldOf[i2] as number;
          const cc = gx1 * (values[l] as number);
          const o1 = (i1 * F + f2) * k;
          const o2 = (i2 * F + f1) * k;
          const g1 = gs1 + f2 * k;
          const g2 = (c.slotOf[i2] as number) * rowLen + f1 * k;
          for (let f = 0; f < k; f++) {
            gFac[g1 + f] = (gFac[g1 + f] as number) + cc * (V[o2 + f] as number);
            gFac[g2 + f] = (gFac[g2 + f] as number) + cc * (V[o1 + f] as number);
          }
        }
      }
    }
  }
  c.gBias += gBias;
  return lossSum;
}

/** SGD on the touched rows: w ← w − η (ḡ + λ w), ḡ the batch-mean gradient. Clears the batch buffers. */
export function kernelApplySgd(c: KernelCtx, invB: number): void {
  const lr = c.lr;
  const l2w = c.l2w;
  const l2v = c.l2v;
  const rowLen = c.rowLen;
  const lin = c.linear;
  const V = c.factors;
  const gLin = c.gLin;
  const gFac = c.gFac;
  const touched = c.touched;
  const slotOf = c.slotOf;
  const b0 = c.bias[0] as number;
  c.bias[0] = b0 - lr * (c.gBias * invB + c.l2b * b0);
  for (let s = 0; s < c.nt; s++) {
    const i = touched[s] as number;
    slotOf[i] = -1;
    const w = lin[i] as number;
    lin[i] = w - lr * ((gLin[s] as number) * invB + l2w * w);
    gLin[s] = 0;
    const base = i * rowLen;
    const gb = s * rowLen;
    for (let f = 0; f < rowLen; f++) {
      const v = V[base + f] as number;
      V[base + f] = v - lr * ((gFac[gb + f] as number) * invB + l2v * v);
      gFac[gb + f] = 0;
    }
  }
  c.nt = 0;
  c.gBias = 0;
}

/** Adagrad (Duchi et al. 2011) on the touched rows: G += g², w ← w − η g / (√G + ε). */
export function kernelApplyAdagrad(c: KernelCtx, invB: number): void {
  const lr = c.lr;
  const eps = c.eps;
  const l2w = c.l2w;
  const l2v = c.l2v;
  const rowLen = c.rowLen;
  const lin = c.linear;
  const V = c.factors;
  const A = c.aFactors;
  const aLin = c.aLinear;
  const gLin = c.gLin;
  const gFac = c.gFac;
  const touched = c.touched;
  const slotOf = c.slotOf;
  {
    const w = c.bias[0] as number;
    const g = c.gBias * invB + c.l2b * w;
    const acc = (c.aBias[0] as number) + g * g;
    c.aBias[0] = acc;
    c.bias[0] = w - (lr * g) / (Math.sqrt(acc) + eps);
  }
  for (let s = 0; s < c.nt; s++) {
    const i = touched[s] as number;
    slotOf[i] = -1;
    const w = lin[i] as number;
    const g = (gLin[s] as number) * invB + l2w * w;
    const acc = (aLin[i] as number) + g * g;
    aLin[i] = acc;
    lin[i] = w - (lr * g) / (Math.sqrt(acc) + eps);
    gLin[s] = 0;
    const base = i * rowLen;
    const gb = s * rowLen;
    for (let f = 0; f < rowLen; f++) {
      const v = V[base + f] as number;
      const gv = (gFac[gb + f] as number) * invB + l2v * v;
      gFac[gb + f] = 0;
      const av = (A[base + f] as number) + gv * gv;
      A[base + f] = av;
      V[base + f] = v - (lr * gv) / (Math.sqrt(av) + eps);
    }
  }
  c.nt = 0;
  c.gBias = 0;
}

/**
 * Lazy Adam (Kingma & Ba 2015; as TensorFlow's LazyAdam) on the touched rows, bias-corrected with the
 * global step t: m ← β₁m + (1−β₁)g, u ← β₂u + (1−β₂)g², w ← w − η √(1−β₂ᵗ)/(1−β₁ᵗ) · m / (√u + ε).
 */
export function kernelApplyAdam(c: KernelCtx, invB: number, t: number): void {
  const b1 = c.beta1;
  const b2 = c.beta2;
  const eps = c.eps;
  const lrT = (c.lr * Math.sqrt(1 - Math.pow(b2, t))) / (1 - Math.pow(b1, t));
  const l2w = c.l2w;
  const l2v = c.l2v;
  const rowLen = c.rowLen;
  const lin = c.linear;
  const V = c.factors;
  const M = c.aFactors;
  const U = c.bFactors;
  const mLin = c.aLinear;
  const uLin = c.bLinear;
  const gLin = c.gLin;
  const gFac = c.gFac;
  const touched = c.touched;
  const slotOf = c.slotOf;
  {
    const w = c.bias[0] as number;
    const g = c.gBias * invB + c.l2b * w;
    const m = b1 * (c.aBias[0] as number) + (1 - b1) * g;
    const u = b2 * (c.bBias[0] as number) + (1 - b2) * g * g;
    c.aBias[0] = m;
    c.bBias[0] = u;
    c.bias[0] = w - (lrT * m) / (Math.sqrt(u) + eps);
  }
  for (let s = 0; s < c.nt; s++) {
    const i = touched[s] as number;
    slotOf[i] = -1;
    const w = lin[i] as number;
    const g = (gLin[s] as number) * invB + l2w * w;
    const m = b1 * (mLin[i] as number) + (1 - b1) * g;
    const u = b2 * (uLin[i] as number) + (1 - b2) * g * g;
    mLin[i] = m;
    uLin[i] = u;
    lin[i] = w - (lrT * m) / (Math.sqrt(u) + eps);
    gLin[s] = 0;
    const base = i * rowLen;
    const gb = s * rowLen;
    for (let f = 0; f < rowLen; f++) {
      const v = V[base + f] as number;
      const gv = (gFac[gb + f] as number) * invB + l2v * v;
      gFac[gb + f] = 0;
      const mv = b1 * (M[base + f] as number) + (1 - b1) * gv;
      const uv = b2 * (U[base + f] as number) + (1 - b2) * gv * gv;
      M[base + f] = mv;
      U[base + f] = uv;
      V[base + f] = v - (lrT * mv) / (Math.sqrt(uv) + eps);
    }
  }
  c.nt = 0;
  c.gBias = 0;
}

/**
 * One FTRL-Proximal coordinate update (McMahan et al. 2013, algorithm 1) with gradient g:
 * σ = (√(n+g²) − √n)/α, z += g − σw, n += g², w = 0 if |z| ≤ λ₁ else −(z − sgn(z)λ₁) / ((β + √n)/α + λ₂).
 * Returns the new weight; z and n are written to Z[idx], N[idx].
 */
export function kernelFtrlCoord(
  Z: Float32Array, N: Float32Array, idx: number, w: number, g: number,
  alpha: number, beta: number, l1: number, l2: number,
): number {
  const n0 = N[idx] as number;
  const n1 = n0 + g * g;
  const sq1 = Math.sqrt(n1);
  const z = (Z[idx] as number) + g - ((sq1 - Math.sqrt(n0)) / alpha) * w;
  Z[idx] = z;
  N[idx] = n1;
  const az = z < 0 ? -z : z;
  if (az <= l1) return 0;
  return -(z - (z < 0 ? -l1 : l1)) / ((beta + sq1) / alpha + l2);
}

/** FTRL-Proximal per coordinate on the touched rows; L2 enters the closed form, L1 only the linear weights. */
export function kernelApplyFtrl(c: KernelCtx, invB: number): void {
  const alpha = c.lr;
  const beta = c.ftrlBeta;
  const rowLen = c.rowLen;
  const lin = c.linear;
  const V = c.factors;
  const gLin = c.gLin;
  const gFac = c.gFac;
  const touched = c.touched;
  const slotOf = c.slotOf;
  c.bias[0] = kernelFtrlCoord(c.aBias, c.bBias, 0, c.bias[0] as number, c.gBias * invB, alpha, beta, 0, c.l2b);
  for (let s = 0; s < c.nt; s++) {
    const i = touched[s] as number;
    slotOf[i] = -1;
    lin[i] = kernelFtrlCoord(c.aLinear, c.bLinear, i, lin[i] as number, (gLin[s] as number) * invB, alpha, beta, c.l1, c.l2w);
    gLin[s] = 0;
    const base = i * rowLen;
    const gb = s * rowLen;
    for (let f = 0; f < rowLen; f++) {
      V[base + f] = kernelFtrlCoord(
        c.aFactors, c.bFactors, base + f, V[base + f] as number, (gFac[gb + f] as number) * invB, alpha, beta, 0, c.l2v,
      );
      gFac[gb + f] = 0;
    }
  }
  c.nt = 0;
  c.gBias = 0;
}

/**
 * Classic per-example SGD (batch 1) for lr / fm, updating in place right after each example as
 * libFM does: the same arithmetic as the mini-batch path with B = 1, without the slot buffers.
 * Returns Σ loss over rows order[start..end).
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
  const binary = c.binary;
  const bias = c.bias;
  const fm = c.kind === 1;
  let lossSum = 0;
  for (let t = start; t < end; t++) {
    const r = order[t] as number;
    const a = offsets[r] as number;
    const b = offsets[r + 1] as number;
    const p = kernelForward(c, a, b);
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
 * Classic per-example SGD (batch 1) for FFM, in place as libffm: after the forward pass each pair
 * (j, l) updates the two blocks it uses, v_{i_j,f_l} and v_{i_l,f_j}, from their values at that
 * moment, with L2 on those blocks only. Returns Σ loss over rows order[start..end).
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
  const binary = c.binary;
  const bias = c.bias;
  let lossSum = 0;
  for (let t = start; t < end; t++) {
    const r = order[t] as number;
    const a = offsets[r] as number;
    const b = offsets[r + 1] as number;
    kernelLoss(binary, kernelForward(c, a, b), labels[r] as number, lg);
    lossSum += lg[0] as number;
    const g = lg[1] as number;
    const b0 = bias[0] as number;
    bias[0] = b0 - lr * (g + l2b * b0);
    for (let j = a; j < b; j++) {
      const i1 = ids[j] as number;
      const x1 = values[j] as number;
      const w = lin[i1] as number;
      lin[i1] = w - lr * (g * x1 + l2w * w);
      const f1 = fieldOf[i1] as number;
      for (let l = j + 1; l < b; l++) {
        const i2 = ids[l] as number;
        const cc = g * x1 * (values[l] as number);
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
 * Trains on rows order[start..end) in mini-batches of `batchSize`; `t0` is the optimizer step before
 * the first batch. Writes [Σ loss, examples, batches] to `out`.
 */
export function kernelTrainRange(
  c: KernelCtx, order: Int32Array, start: number, end: number, batchSize: number, t0: number, out: Float64Array,
): void {
  const lg = new Float64Array(2);
  let loss = 0;
  let t = t0;
  let batches = 0;
  if (batchSize === 1 && c.opt === 0) {
    out[0] = c.kind === 2 ? kernelSgdExamplesFfm(c, order, start, end, lg) : kernelSgdExamples(c, order, start, end, lg);
    out[1] = end > start ? end - start : 0;
    out[2] = out[1];
    return;
  }
  for (let s = start; s < end; s += batchSize) {
    const e = Math.min(end, s + batchSize);
    loss += kernelBatch(c, order, s, e, lg);
    const invB = 1 / (e - s);
    t++;
    batches++;
    const opt = c.opt;
    if (opt === 0) kernelApplySgd(c, invB);
    else if (opt === 1) kernelApplyAdagrad(c, invB);
    else if (opt === 2) kernelApplyAdam(c, invB, t);
    else kernelApplyFtrl(c, invB);
  }
  out[0] = loss;
  out[1] = end > start ? end - start : 0;
  out[2] = batches;
}

/** The kernel functions in dependency-free source form, for worker threads. */
export const KERNEL_FUNCTIONS: readonly ((...args: never[]) => unknown)[] = [
  allocScratch,
  kernelForward,
  kernelLoss,
  kernelSlot,
  kernelBatch,
  kernelApplySgd,
  kernelApplyAdagrad,
  kernelApplyAdam,
  kernelFtrlCoord,
  kernelApplyFtrl,
  kernelSgdExamples,
  kernelSgdExamplesFfm,
  kernelTrainRange,
];
