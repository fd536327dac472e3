import { allocFloat32, factorRowLength } from './create-fused-params.js';
import { FUSED_OPTIMIZER_DEFAULTS } from './defaults.js';
import type { FusedOptimizer, FusedOptimizerConfig, FusedParams, FusedState } from './types.js';

/**
 * Creates optimizer state for `params` in the same row layout (one slot per parameter; SGD keeps
 * none). Adagrad accumulators start at `initialAccumulator`; Adam moments at 0; FTRL n at 0 and z
 * at −w·(β/α + λ₂) so that FTRL's closed form reproduces the initial (random) weights instead of
 * collapsing the factors to zero.
 */
export function createFusedState(
  params: FusedParams,
  opts: {
    optimizer: FusedOptimizer;
    learningRate: number;
    l2: { bias: number; linear: number; factors: number };
    optimizerConfig?: FusedOptimizerConfig;
    shared?: boolean;
  },
): FusedState {
  const cfg = { ...FUSED_OPTIMIZER_DEFAULTS, ...opts.optimizerConfig };
  const shared = opts.shared ?? false;
  const opt = opts.optimizer;
  if (!['sgd', 'adagrad', 'adam', 'ftrl'].includes(opt)) {
    throw new Error(`createFusedState: unknown optimizer "${String(opt)}", expected sgd | adagrad | adam | ftrl`);
  }
  const n = params.numFeatures;
  const m = n * factorRowLength(params);
  const one = opt === 'sgd' ? 0 : 1;
  const two = opt === 'adam' || opt === 'ftrl' ? 1 : 0;
  const state: FusedState = {
    optimizer: opt,
    step: shared ? new Float64Array(new SharedArrayBuffer(8)) : new Float64Array(1),
    aBias: allocFloat32(one, shared),
    aLinear: allocFloat32(one * n, shared),
    aFactors: allocFloat32(one * m, shared),
    bBias: allocFloat32(two, shared),
    bLinear: allocFloat32(two * n, shared),
    bFactors: allocFloat32(two * m, shared),
  };
  if (opt === 'adagrad' && cfg.initialAccumulator !== 0) {
    state.aBias.fill(cfg.initialAccumulator);
    state.aLinear.fill(cfg.initialAccumulator);
    state.aFactors.fill(cfg.initialAccumulator);
  }
  if (opt === 'ftrl') {
    const c = cfg.ftrlBeta / opts.learningRate;
    state.aBias[0] = -(params.bias[0] as number) * (c + opts.l2.bias);
    for (let i = 0; i < n; i++) state.aLinear[i] = -(params.linear[i] as number) * (c + opts.l2.linear);
    for (let i = 0; i < m; i++) state.aFactors[i] = -(params.factors[i] as number) * (c + opts.l2.factors);
  }
  return state;
}
