import { checkPaired } from './validate.js';

/**
 * Root mean squared error √(Σ (pᵢ − yᵢ)² / n).
 * @param predictions `[n]` predicted values.
 * @param targets `[n]` true values.
 * @throws when lengths differ, the arrays are empty, or any entry is NaN/±Infinity.
 */
export function rmse(predictions: ArrayLike<number>, targets: ArrayLike<number>): number {
  checkPaired('rmse', 'predictions', predictions, 'targets', targets);
  let s = 0;
  for (let i = 0; i < predictions.length; i++) {
    const d = (predictions[i] as number) - (targets[i] as number);
    s += d * d;
  }
  return Math.sqrt(s / predictions.length);
}

/**
 * Mean absolute error Σ |pᵢ − yᵢ| / n.
 * @param predictions `[n]` predicted values.
 * @param targets `[n]` true values.
 */
export function mae(predictions: ArrayLike<number>, targets: ArrayLike<number>): number {
  checkPaired('mae', 'predictions', predictions, 'targets', targets);
  let s = 0;
  for (let i = 0; i < predictions.length; i++) s += Math.abs((predictions[i] as number) - (targets[i] as number));
  return s / predictions.length;
}

/**
 * Coefficient of determination R² = 1 − SS_res / SS_tot, with SS_res = Σ (yᵢ − pᵢ)² and
 * SS_tot = Σ (yᵢ − ȳ)². 1 is a perfect fit, 0 is as good as predicting the mean, negative is worse.
 * @param predictions `[n]` predicted values.
 * @param targets `[n]` true values.
 * @throws when the targets are all equal (SS_tot = 0: R² is undefined).
 */
export function r2(predictions: ArrayLike<number>, targets: ArrayLike<number>): number {
  checkPaired('r2', 'predictions', predictions, 'targets', targets);
  const n = targets.length;
  let mean = 0;
  for (let i = 0; i < n; i++) mean += targets[i] as number;
  mean /= n;
  let ssRes = 0;
  let ssTot = 0;
  for (let i = 0; i < n; i++) {
    const y = targets[i] as number;
    const r = y - (predictions[i] as number);
    ssRes += r * r;
    ssTot += (y - mean) * (y - mean);
  }
  if (ssTot === 0) throw new Error(`r2: all ${n} targets equal ${mean}; R² is undefined when the targets have no variance`);
  return 1 - ssRes / ssTot;
}
