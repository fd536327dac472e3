import { OPTIMIZER_DEFAULTS } from './defaults.js';
import { TOUCH_CHUNK, touchRows } from './row-gather.js';

/** Optimizers the trainer knows. */
export type OptimizerName = 'sgd' | 'adam' | 'adagrad' | 'ftrl';

/** Hyper-parameters; each optimizer reads the ones it uses. */
export interface OptimizerConfig {
  /** Step size (FTRL's α). */
  learningRate: number;
  /** Adam first-moment decay (default 0.9). */
  beta1?: number;
  /** Adam second-moment decay (default 0.999). */
  beta2?: number;
  /** Adam/Adagrad denominator guard (default 1e-8). */
  epsilon?: number;
  /** Adagrad's starting accumulator (default 0.1, as TensorFlow). */
  initialAccumulatorValue?: number;
  /** FTRL β (default 1). */
  ftrlBeta?: number;
  /** FTRL's own L1 (λ₁, default 0): drives weights to exactly 0. */
  ftrlL1?: number;
  /** FTRL's own L2 (λ₂, default 0), inside the proximal step. */
  ftrlL2?: number;
}

/** Optimizer state of one parameter: per-coordinate slot arrays, as big as the parameter. */
export interface ParamSlot {
  /** Number of scalars in the parameter. */
  readonly size: number;
  /** Scalars per row (1 for a vector; `k` for an `[n, k]` table). */
  readonly rowSize: number;
  /** Per-coordinate state buffers, each `[size]` (Adam: m, v; Adagrad: accumulator; FTRL: z, n). */
  readonly state: Float32Array[];
  /** FTRL only: `[size / rowSize]`, 1 once a row's z has been initialised from its weights. */
  readonly touched?: Uint8Array;
  /** Adagrad only: one accumulator per row (row-wise Adagrad), `state[0]` is `[size / rowSize]`. */
  readonly rowWise?: boolean;
  /**
   * True when `state` lives in the wasm backend's memory (a TrainStep on wasm keeps Adam's moments there): each
   * read of `state` gives fresh views, valid until the next wasm allocation.
   */
  readonly inHeap?: boolean;
}

/**
 * A per-coordinate optimizer that updates either a whole parameter or only some of its rows,
 * keeping row-wise ("lazy") state: rows not in a step keep their weights and their state untouched,
 * as PyTorch's SparseAdam or TensorFlow's LazyAdam. Works on plain Float32Arrays, so the arithmetic is
 * the same on every tfjs backend.
 */
export abstract class RowOptimizer {
  /** Global step count t (incremented by {@link beginStep}); Adam's bias correction uses it. */
  step = 0;
  readonly config: Required<OptimizerConfig>;

  constructor(
    readonly name: OptimizerName,
    config: OptimizerConfig,
  ) {
    this.config = { ...OPTIMIZER_DEFAULTS, ...config };
    const lr = this.config.learningRate;
    if (!Number.isFinite(lr) || lr <= 0) throw new Error(`${name}: learningRate must be a positive number, got ${lr}`);
  }

  /** Number of state buffers per parameter. */
  protected abstract readonly slots: number;

  /**
   * Creates the state for a parameter of `size` scalars, `rowSize` per row. `rowWise` asks for one
   * state value per row where the optimizer supports it (Adagrad; others ignore it).
   */
  newSlot(size: number, rowSize: number, _rowWise = false): ParamSlot {
    const state = Array.from({ length: this.slots }, () => new Float32Array(size));
    return { size, rowSize, state };
  }

  /** Starts a training step (call once per batch, before its updates). */
  beginStep(): void {
    this.step++;
  }

  /**
   * Updates weights in place.
   * @param slot the parameter's state.
   * @param rows `[u]` row indices of the parameter that `w`/`g` hold, or `null` when they hold the
   *   whole parameter.
   * @param w `[u * rowSize]` current weights of those rows; overwritten with the new weights.
   * @param g `[u * rowSize]` gradients for those rows (regularisation already added).
   */
  update(slot: ParamSlot, rows: Int32Array | null, w: Float32Array, g: Float32Array): void {
    const r = slot.rowSize;
    if (rows === null) {
      if (w.length !== slot.size || g.length !== slot.size) {
        throw new Error(`${this.name}: expected ${slot.size} weights and gradients, got ${w.length} and ${g.length}`);
      }
      this.apply(slot, 0, 0, w.length, w, g);
      return;
    }
    if (w.length !== rows.length * r || g.length !== rows.length * r) {
      throw new Error(`${this.name}: ${rows.length} rows of ${r} need ${rows.length * r} weights and gradients, got ${w.length} and ${g.length}`);
    }
    for (let i = 0; i < rows.length; i++) {
      const row = rows[i] as number;
      if (row < 0 || row * r >= slot.size) throw new Error(`${this.name}: row ${row} outside the parameter (${slot.size / r} rows)`);
    }
    // the state rows of a big table are far apart: each chunk's rows are touched first (see touchRows)
    const full = slot.state.filter((s) => s.length === slot.size);
    for (let c = 0; c < rows.length; c += TOUCH_CHUNK) {
      const end = Math.min(rows.length, c + TOUCH_CHUNK);
      for (const s of full) touchRows(s, rows, r, c, end);
      this.applyRows(slot, rows, c, end, w, g);
    }
  }

  /**
   * Applies the rule to the rows `rows[from..to)` of the parameter, whose weights and gradients are packed in
   * `w`/`g` from offset `from · rowSize`. One {@link apply} per row; an optimizer may fuse the loop (same maths).
   */
  protected applyRows(slot: ParamSlot, rows: Int32Array, from: number, to: number, w: Float32Array, g: Float32Array): void {
    const r = slot.rowSize;
    for (let i = from; i < to; i++) this.apply(slot, (rows[i] as number) * r, i * r, r, w, g);
  }

  /** Applies the rule to `len` coordinates: state from `s0`, weights/grads from `o0`. */
  protected abstract apply(slot: ParamSlot, s0: number, o0: number, len: number, w: Float32Array, g: Float32Array): void;
}

/** Plain SGD: `w ← w − η g`. */
export class SgdOptimizer extends RowOptimizer {
  protected readonly slots = 0;
  constructor(config: OptimizerConfig) {
    super('sgd', config);
  }
  protected apply(_slot: ParamSlot, _s0: number, o0: number, len: number, w: Float32Array, g: Float32Array): void {
    const lr = this.config.learningRate;
    for (let i = o0; i < o0 + len; i++) w[i] = (w[i] as number) - lr * (g[i] as number);
  }
}

/**
 * Adam (Kingma & Ba, ICLR 2015) with lazy row-wise moments:
 * `m ← β₁m + (1−β₁)g; v ← β₂v + (1−β₂)g²; w ← w − η·m̂/(√v̂ + ε)` with m̂ = m/(1−β₁ᵗ), v̂ = v/(1−β₂ᵗ),
 * where t is the global step (as PyTorch's SparseAdam: untouched rows skip steps but share t).
 */
export class AdamOptimizer extends RowOptimizer {
  protected readonly slots = 2;
  /** Bias corrections 1 − β₁ᵗ and √(1 − β₂ᵗ), computed once per step (for `correctionStep`), not per row. */
  private c1 = 0;
  private c2 = 0;
  private correctionStep = Number.NaN;
  constructor(config: OptimizerConfig) {
    super('adam', config);
  }
  /** Refreshes the bias corrections when the step has changed. */
  private corrections(): void {
    if (this.correctionStep === this.step) return;
    const t = Math.max(1, this.step);
    this.c1 = 1 - Math.pow(this.config.beta1, t);
    this.c2 = Math.sqrt(1 - Math.pow(this.config.beta2, t));
    this.correctionStep = this.step;
  }
  protected apply(slot: ParamSlot, s0: number, o0: number, len: number, w: Float32Array, g: Float32Array): void {
    this.corrections();
    const { learningRate: lr, beta1: b1, beta2: b2, epsilon: eps } = this.config;
    adamSpan(slot.state[0] as Float32Array, slot.state[1] as Float32Array, s0, w, g, o0, len, lr, b1, b2, eps, this.c1, this.c2);
  }
  /**
   * This step's hyper-parameters and bias corrections c1 = 1 − β₁ᵗ, c2 = √(1 − β₂ᵗ), for a kernel that applies the
   * rule itself (sparse-rows-wasm.ts: `adamRows` exactly as {@link apply}, `adamRows16` to float32 rounding).
   */
  stepRule(): { lr: number; b1: number; b2: number; eps: number; c1: number; c2: number } {
    this.corrections();
    const { learningRate: lr, beta1: b1, beta2: b2, epsilon: eps } = this.config;
    return { lr, b1, b2, eps, c1: this.c1, c2: this.c2 };
  }
  /** The same rule as {@link apply}, with the per-step values read once for all the rows. */
  protected override applyRows(slot: ParamSlot, rows: Int32Array, from: number, to: number, w: Float32Array, g: Float32Array): void {
    this.corrections();
    const { learningRate: lr, beta1: b1, beta2: b2, epsilon: eps } = this.config;
    const [m, v] = slot.state as [Float32Array, Float32Array];
    const r = slot.rowSize;
    for (let i = from; i < to; i++) adamSpan(m, v, (rows[i] as number) * r, w, g, i * r, r, lr, b1, b2, eps, this.c1, this.c2);
  }
}

/** Adam's rule on `len` coordinates: moments `m`/`v` from `s0`, weights/gradients from `o0`; c1, c2 the bias corrections. */
function adamSpan(m: Float32Array, v: Float32Array, s0: number, w: Float32Array, g: Float32Array, o0: number, len: number, lr: number, b1: number, b2: number, eps: number, c1: number, c2: number): void {
  for (let i = 0; i < len; i++) {
    const gi = g[o0 + i] as number;
    const mi = b1 * (m[s0 + i] as number) + (1 - b1) * gi;
    const vi = b2 * (v[s0 + i] as number) + (1 - b2) * gi * gi;
    m[s0 + i] = mi;
    v[s0 + i] = vi;
    w[o0 + i] = (w[o0 + i] as number) - (lr * (mi / c1)) / (Math.sqrt(vi) / c2 + eps);
  }
}

/**
 * Adagrad (Duchi et al., JMLR 2011): `a ← a + g²; w ← w − η g/(√a + ε)`, a starting at
 * `initialAccumulatorValue`. Row-wise slots keep one accumulator per row, `a ← a + mean(g²)` over the
 * row (as FBGEMM's row-wise Adagrad): FFM's (feature, field) blocks use them.
 */
export class AdagradOptimizer extends RowOptimizer {
  protected readonly slots = 1;
  constructor(config: OptimizerConfig) {
    super('adagrad', config);
  }
  override newSlot(size: number, rowSize: number, rowWise = false): ParamSlot {
    const state = [new Float32Array(rowWise ? size / rowSize : size).fill(this.config.initialAccumulatorValue)];
    return rowWise ? { size, rowSize, state, rowWise } : { size, rowSize, state };
  }
  protected apply(slot: ParamSlot, s0: number, o0: number, len: number, w: Float32Array, g: Float32Array): void {
    const { learningRate: lr, epsilon: eps } = this.config;
    const a = slot.state[0] as Float32Array;
    if (slot.rowWise) {
      const r = slot.rowSize;
      for (let rs = 0; rs < len; rs += r) {
        let g2 = 0;
        for (let i = 0; i < r; i++) g2 += (g[o0 + rs + i] as number) ** 2;
        const row = (s0 + rs) / r;
        const acc = (a[row] as number) + g2 / r;
        a[row] = acc;
        const step = lr / (Math.sqrt(acc) + eps);
        for (let i = 0; i < r; i++) w[o0 + rs + i] = (w[o0 + rs + i] as number) - step * (g[o0 + rs + i] as number);
      }
      return;
    }
    for (let i = 0; i < len; i++) {
      const gi = g[o0 + i] as number;
      const ai = (a[s0 + i] as number) + gi * gi;
      a[s0 + i] = ai;
      w[o0 + i] = (w[o0 + i] as number) - (lr * gi) / (Math.sqrt(ai) + eps);
    }
  }
}

/**
 * FTRL-Proximal (McMahan et al., "Ad Click Prediction: a View from the Trenches", KDD 2013, Algorithm 1),
 * per coordinate with α = learningRate:
 * `σ = (√(n+g²) − √n)/α; z ← z + g − σw; n ← n + g²;
 *  w = 0 if |z| ≤ λ₁ else −(z − sgn(z)λ₁) / ((β + √n)/α + λ₂)`.
 *
 * Warm start: the paper starts from w = 0; FM factors must start random, so the first time a row is
 * touched its z is set to the value that reproduces its current weights,
 * `z₀ = −w₀((β + √n₀)/α + λ₂) − sgn(w₀)λ₁` — with λ₁ = λ₂ = 0 the first step is then exactly
 * `w ← w − αg/(β + |g|)`.
 */
export class FtrlOptimizer extends RowOptimizer {
  protected readonly slots = 2;
  constructor(config: OptimizerConfig) {
    super('ftrl', config);
  }
  override newSlot(size: number, rowSize: number): ParamSlot {
    const slot = super.newSlot(size, rowSize);
    return { ...slot, touched: new Uint8Array(Math.ceil(size / rowSize)) };
  }
  protected apply(slot: ParamSlot, s0: number, o0: number, len: number, w: Float32Array, g: Float32Array): void {
    const { learningRate: alpha, ftrlBeta: beta, ftrlL1: l1, ftrlL2: l2 } = this.config;
    const z = slot.state[0] as Float32Array;
    const n = slot.state[1] as Float32Array;
    const touched = slot.touched as Uint8Array;
    // a row is the unit of "touched"; a whole-parameter update walks rows one by one
    for (let rs = 0; rs < len; rs += slot.rowSize) {
      const row = (s0 + rs) / slot.rowSize;
      const rl = Math.min(slot.rowSize, len - rs);
      if (touched[row] === 0) {
        touched[row] = 1;
        for (let i = 0; i < rl; i++) {
          const w0 = w[o0 + rs + i] as number;
          const q0 = (beta + Math.sqrt(n[s0 + rs + i] as number)) / alpha + l2;
          z[s0 + rs + i] = -w0 * q0 - Math.sign(w0) * l1;
        }
      }
      for (let i = 0; i < rl; i++) {
        const si = s0 + rs + i;
        const oi = o0 + rs + i;
        const gi = g[oi] as number;
        const ni = n[si] as number;
        const nNew = ni + gi * gi;
        const sigma = (Math.sqrt(nNew) - Math.sqrt(ni)) / alpha;
        const zi = (z[si] as number) + gi - sigma * (w[oi] as number);
        z[si] = zi;
        n[si] = nNew;
        w[oi] = Math.abs(zi) <= l1 ? 0 : -(zi - Math.sign(zi) * l1) / ((beta + Math.sqrt(nNew)) / alpha + l2);
      }
    }
  }
}

/** Creates the optimizer called `name`. */
export function createOptimizer(name: OptimizerName, config: OptimizerConfig): RowOptimizer {
  switch (name) {
    case 'sgd':
      return new SgdOptimizer(config);
    case 'adam':
      return new AdamOptimizer(config);
    case 'adagrad':
      return new AdagradOptimizer(config);
    case 'ftrl':
      return new FtrlOptimizer(config);
    default:
      throw new Error(`optimizer "${String(name)}" is unknown, expected sgd | adam | adagrad | ftrl`);
  }
}
