import { BAYES_DEFAULTS } from '@fm/train';
import { UsageError } from './errors.js';
import { OPTIMIZERS, type ModelKind, type Task } from './modeling.js';

/** What `--solver` accepts: the native Bayesian solvers and the gradient optimizers. */
export const SOLVERS = ['mcmc', 'als', ...OPTIMIZERS] as const;
export type SolverName = (typeof SOLVERS)[number];

/** Iterations of MCMC and ALS when `--iterations` is not given (libFM's usual run; `fit`'s default). */
export const DEFAULT_ITERATIONS = 200;

/** The flags of `fm train` that choose and set the solver. */
export const SOLVER_OPTIONS = {
  solver: {
    type: 'enum',
    choices: SOLVERS,
    description: 'mcmc (Bayesian FM, Gibbs sampling: no learning rate, no L2), als (coordinate descent), or a gradient optimizer (= --optimizer)',
  },
  iterations: { type: 'int', min: 1, max: 1000000, placeholder: 'N', description: `mcmc/als: sweeps over every parameter (default ${DEFAULT_ITERATIONS})` },
  'burn-in': { type: 'int', min: 0, placeholder: 'N', description: `mcmc: first samples left out of the average (default ${BAYES_DEFAULTS.burnIn})` },
  'init-std': { type: 'number', min: 0, placeholder: 'X', description: `mcmc/als: std of the N(0, X²) initial factors (default ${BAYES_DEFAULTS.initStd})` },
} as const;

/** The solver a `fm train` run uses, after the flags are checked. */
export type SolverChoice =
  | { solver: 'gradient'; optimizer?: (typeof OPTIMIZERS)[number] }
  | { solver: 'mcmc' | 'als'; iterations: number; burnIn?: number; initStd?: number };

/** The flag values {@link resolveSolver} reads (undefined = not given). */
export interface SolverFlagValues {
  solver?: string;
  optimizer?: string;
  iterations?: number;
  'burn-in'?: number;
  'init-std'?: number;
  epochs?: number;
  lr?: number;
  l2?: number;
  'batch-size'?: number;
  patience?: number;
  negatives?: number;
  dropout?: number;
  engine?: string;
}

/** Model kinds the native MCMC/ALS solvers train (`fit` of `@fm/train`). */
export const BAYES_MODEL_KINDS: readonly ModelKind[] = ['fm', 'lr', 'mf'];

/**
 * Checks the solver flags against each other, the model and the task; every conflict is a
 * {@link UsageError} (exit 2) naming the flags. `--solver sgd|adam|adagrad|ftrl` is `--optimizer`.
 */
export function resolveSolver(v: SolverFlagValues, kind: ModelKind, task: Task): SolverChoice {
  const usage = (msg: string): never => {
    throw new UsageError(`fm train: ${msg}`, 'train');
  };
  const solver = v.solver as SolverName | undefined;
  if (solver === undefined || (OPTIMIZERS as readonly string[]).includes(solver)) {
    if (solver !== undefined && v.optimizer !== undefined && v.optimizer !== solver) {
      usage(`--solver ${solver} and --optimizer ${v.optimizer} disagree; give one of them`);
    }
    for (const flag of ['iterations', 'burn-in', 'init-std'] as const) {
      if (v[flag] !== undefined) usage(`--${flag} applies to --solver mcmc|als${flag === 'iterations' ? '; gradient solvers take --epochs' : ''}`);
    }
    const optimizer = (solver ?? v.optimizer) as (typeof OPTIMIZERS)[number] | undefined;
    return { solver: 'gradient', ...(optimizer !== undefined ? { optimizer } : {}) };
  }
  if (solver !== 'mcmc' && solver !== 'als') return usage(`--solver ${solver}: unknown`);
  const flag = `--solver ${solver}`;
  if (!BAYES_MODEL_KINDS.includes(kind)) usage(`${flag} trains --model ${BAYES_MODEL_KINDS.join(', ')}, not ${kind}`);
  if (task === 'ranking') usage(`${flag} trains --task regression or binary, not ranking (BPR needs a gradient solver)`);
  if (v.optimizer !== undefined) usage(`--optimizer ${v.optimizer} applies to gradient solvers, not ${flag}`);
  const notHere: [keyof SolverFlagValues, string][] = [
    ['epochs', 'use --iterations'],
    ['lr', 'it has no learning rate'],
    ['batch-size', 'every sweep visits every row'],
    ['patience', 'nothing stops early: MCMC averages every sample after burn-in'],
    ['negatives', 'it trains on the labels given'],
    ['dropout', 'it trains lr, fm and mf'],
  ];
  for (const [name, why] of notHere) if (v[name] !== undefined) usage(`--${name} does not apply to ${flag} (${why})`);
  if (v.engine !== undefined && v.engine !== 'auto' && v.engine !== 'native') usage(`--engine ${v.engine} does not apply to ${flag} (it runs natively)`);
  if (solver === 'mcmc' && v.l2 !== undefined) usage(`--l2 does not apply to --solver mcmc (it samples its regularisation from the priors)`);
  if (solver === 'als' && v['burn-in'] !== undefined) usage('--burn-in applies to --solver mcmc (ALS keeps no samples)');
  const iterations = v.iterations ?? DEFAULT_ITERATIONS;
  const burnIn = v['burn-in'];
  if (burnIn !== undefined && burnIn >= iterations) {
    usage(`--burn-in ${burnIn} must be less than --iterations ${iterations}${v.iterations === undefined ? ' (the default)' : ''}, or no sample is kept`);
  }
  return {
    solver,
    iterations,
    ...(burnIn !== undefined ? { burnIn } : {}),
    ...(v['init-std'] !== undefined ? { initStd: v['init-std'] } : {}),
  };
}
