import { allocFloat32, factorRowLength } from './params.js';
import { allocFfmAccumulators, allocFfmLinearAccumulators, allocFfmMoments } from './ffm-wasm.js';
import type { NativeOptimizer, NativeOptimizerConfig, NativeParams, NativeState } from './types.js';

const OPTIMIZERS: readonly NativeOptimizer[] = ['sgd', 'adagrad', 'adam', 'ftrl'];

/**
 * Creates optimizer state for `params` in the same row layout (SGD keeps none). Adagrad
 * accumulators start at `initialAccumulatorValue` (FFM keeps one per (feature, field) block:
 * row-wise Adagrad, so the optimizer costs 1/k of the table instead of a second table), Adam moments at 0, FTRL's n at 0 and z at
 * z₀ = −w₀(β/α + λ₂) − sgn(w₀)λ₁, the value whose closed form reproduces the current (random)
 * weights (the tfjs engine sets the same z the first time a row is touched; an untouched row keeps its
 * initial weights, so the two agree).
 */
export function createNativeState(params: NativeParams, optimizer: NativeOptimizer, cfg: NativeOptimizerConfig, shared = false): NativeState {
  if (!OPTIMIZERS.includes(optimizer)) {
    throw new Error(`createNativeState: unknown optimizer "${String(optimizer)}", expected ${OPTIMIZERS.join(' | ')}`);
  }
  const n = params.numFeatures;
  const m = n * factorRowLength(params);
  // FFM + Adagrad: one accumulator per (feature, field) block (row-wise Adagrad)
  const accFactors = optimizer === 'adagrad' && params.kind === 'ffm' ? n * params.numFields : m;
  const one = optimizer === 'sgd' ? 0 : 1;
  const two = optimizer === 'adam' || optimizer === 'ftrl' ? 1 : 0;
  // FFM + Adam: the moments in the table's WebAssembly memory, for the mini-batch step there (ffm-wasm-adam.ts)
  const moments = optimizer === 'adam' ? allocFfmMoments(params.factors) : undefined;
  const state: NativeState = {
    optimizer,
    step: shared ? new Float64Array(new SharedArrayBuffer(8)) : new Float64Array(1),
    aBias: allocFloat32(one, shared),
    // FFM's table in WebAssembly memory keeps its accumulators there too (ffm-wasm.ts)
    aLinear: (optimizer === 'adagrad' ? allocFfmLinearAccumulators(params.factors) : undefined) ?? allocFloat32(one * n, shared),
    aFactors: (optimizer === 'adagrad' ? allocFfmAccumulators(params.factors) : moments?.[0]) ?? allocFloat32(one * accFactors, shared),
    bBias: allocFloat32(two, shared),
    bLinear: allocFloat32(two * n, shared),
    bFactors: moments?.[1] ?? allocFloat32(two * m, shared),
  };
  if (optimizer === 'adagrad' && cfg.initialAccumulatorValue !== 0) {
    state.aBias.fill(cfg.initialAccumulatorValue);
    state.aLinear.fill(cfg.initialAccumulatorValue);
    state.aFactors.fill(cfg.initialAccumulatorValue);
  }
  if (optimizer === 'ftrl') {
    const q = cfg.ftrlBeta / cfg.learningRate + cfg.ftrlL2;
    const z0 = (w: number) => -w * q - Math.sign(w) * cfg.ftrlL1;
    state.aBias[0] = z0(params.bias[0] as number);
    for (let i = 0; i < n; i++) state.aLinear[i] = z0(params.linear[i] as number);
    for (let i = 0; i < m; i++) state.aFactors[i] = z0(params.factors[i] as number);
  }
  return state;
}

/** The state's arrays in a fixed order (for checkpoints and snapshots). */
export function stateArrays(s: NativeState): Float32Array[] {
  return [s.aBias, s.aLinear, s.aFactors, s.bBias, s.bLinear, s.bFactors];
}
