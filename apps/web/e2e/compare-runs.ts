import type { RunSummary } from '../src/session.js';

/**
 * Relative tolerance between the same run (same data, seed, model, optimizer, learning rate, L2, batch
 * size and engine) on two tfjs backends, for the per-epoch training and validation losses and the
 * continuous test metrics (RMSE, MAE, log loss).
 *
 * Why 1e-5. The backends compute the same float32 arithmetic in different orders (GPU reductions run
 * in parallel trees, wasm in SIMD lanes, cpu sequentially) and with different exp/sqrt/log
 * implementations (a few ulps apart), so results differ by rounding, u = 2⁻²⁴ ≈ 6e-8 per operation.
 * Whether training amplifies such differences was measured, not assumed, on the e2e runs (FM and AFM,
 * 3 epochs, Adam, in Node on wasm, 2026-11-30): perturbing every initial weight by a relative 1e-7,
 * 1e-6 or 1e-5 (up to ~170 ulps) moved the losses and metrics by at most 1.0e-7 relative, and the cpu
 * backend (other kernels, sequential sums) differed from wasm by at most 6.1e-8: no amplification.
 * In Chromium, webgpu and webgl (SwiftShader) differed from wasm by at most 5e-8. A real change of the
 * algorithm moves them by far more: learning rate × 1.001 (0.1 %) moved the RMSE by ≥ 7.4e-5, the
 * validation losses by ≥ 1.9e-4 and the training losses by ≥ 3.9e-4; a batch size of 31 instead of 32
 * by ≥ 6e-3; another optimizer by ≥ 0.15. So 1e-5 sits ≥ 100× above the float noise and ≥ 7× below the
 * smallest algorithmic change tried; the e2e test re-checks the lower side (lr × 1.001 must fail it).
 */
export const RELATIVE_TOLERANCE = 1e-5;

/** Relative difference of `a` from the reference `b` (absolute below |b| = 1e-3). */
function relDiff(a: number, b: number): number {
  return Math.abs(a - b) / Math.max(Math.abs(b), 1e-3);
}

/**
 * What differs between a run and the reference run of the same session on another backend, in words
 * (empty when they agree). Losses, validation losses, RMSE, MAE and log loss must agree within
 * `relTol`. The ranking metrics (HR/NDCG/MAP@10 under the sampled protocol) are step functions of the
 * scores: a near-tie between a test item and a negative can flip with the last ulp, which changes one
 * case's contribution by at most 1/cases, so they may differ by one case's worth. Row and case counts
 * must be equal. (AUC, for 0/1 labels, likewise may differ by one flipped pair.)
 */
export function compareRuns(run: RunSummary, ref: RunSummary, relTol = RELATIVE_TOLERANCE): string[] {
  const out: string[] = [];
  const close = (what: string, a: number | null | undefined, b: number | null | undefined): void => {
    if (a === b) return;
    if (typeof a !== 'number' || typeof b !== 'number') out.push(`${what}: ${String(a)} vs ${String(b)}`);
    else if (!(relDiff(a, b) <= relTol)) out.push(`${what}: ${a} vs ${b} (relative difference ${relDiff(a, b).toExponential(2)} > ${relTol})`);
  };
  const exact = (what: string, a: unknown, b: unknown): void => {
    if (a !== b) out.push(`${what}: ${String(a)} vs ${String(b)}`);
  };
  exact('epochs', run.epochs, ref.epochs);
  exact('data', run.data, ref.data);
  exact('model', run.model, ref.model);
  ref.losses.forEach((l, i) => close(`training loss of epoch ${i + 1}`, run.losses[i], l));
  ref.valLosses.forEach((l, i) => close(`validation loss of epoch ${i + 1}`, run.valLosses[i], l));
  const m = run.metrics;
  const r = ref.metrics;
  exact('train/test rows', `${m.trainRows}/${m.testRows}`, `${r.trainRows}/${r.testRows}`);
  close('RMSE', m.rmse, r.rmse);
  close('MAE', m.mae, r.mae);
  close('log loss', m.logLoss, r.logLoss);
  // AUC counts ordered (positive, negative) pairs: one flipped near-tie moves it by 1/(P·N) ≤ 1/(rows − 1).
  if (m.auc !== r.auc && !(typeof m.auc === 'number' && typeof r.auc === 'number' && Math.abs(m.auc - r.auc) <= 1 / Math.max(1, r.testRows - 1))) {
    out.push(`AUC: ${String(m.auc)} vs ${String(r.auc)} (more than one flipped pair apart)`);
  }
  exact('ranked cases', m.rankedCases, r.rankedCases);
  exact('sampled negatives', m.negatives, r.negatives);
  const oneCase = 1 / Math.max(1, r.rankedCases ?? 1) + 1e-12;
  for (const key of ['hr10', 'ndcg10', 'map10'] as const) {
    const a = m[key];
    const b = r[key];
    if (a === b) continue;
    if (typeof a !== 'number' || typeof b !== 'number' || !(Math.abs(a - b) <= oneCase)) {
      out.push(`${key}: ${String(a)} vs ${String(b)} (more than one of ${r.rankedCases ?? '?'} cases apart)`);
    }
  }
  return out;
}

/** The largest relative difference of the losses and continuous metrics from the reference, for the log. */
export function largestRelativeDifference(run: RunSummary, ref: RunSummary): number {
  const pairs: [number | null | undefined, number | null | undefined][] = [
    ...ref.losses.map((l, i): [number | undefined, number] => [run.losses[i], l]),
    ...ref.valLosses.map((l, i): [number | null | undefined, number | null] => [run.valLosses[i], l]),
    [run.metrics.rmse, ref.metrics.rmse],
    [run.metrics.mae, ref.metrics.mae],
    [run.metrics.logLoss, ref.metrics.logLoss],
  ];
  let max = 0;
  for (const [a, b] of pairs) if (typeof a === 'number' && typeof b === 'number') max = Math.max(max, relDiff(a, b));
  return max;
}
