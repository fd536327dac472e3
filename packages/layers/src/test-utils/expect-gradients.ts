// Asserts a scalar function's gradients against central finite differences (see finiteDifferenceCheck).
import type * as tf from '@tensorflow/tfjs';
import { expect } from 'vitest';
import { finiteDifferenceCheck } from './reference.js';

/**
 * Checks ∂f/∂v for `count` entries of each variable against central differences with step `eps`:
 * |analytic − numeric| < absTol + 1e-2·|numeric|.
 */
export function expectGradientsMatch(f: () => tf.Scalar, variables: tf.Variable[], options: { count?: number; eps?: number; absTol?: number } = {}): void {
  const { count = 10, eps = 1e-3, absTol = 3e-3 } = options;
  const checks = finiteDifferenceCheck(f, variables, { count, eps });
  expect(checks.length).toBeGreaterThanOrEqual(variables.length);
  for (const c of checks) {
    expect(Math.abs(c.analytic - c.numeric), `${c.name}[${c.index}]: ${c.analytic} vs ${c.numeric}`).toBeLessThan(absTol + 1e-2 * Math.abs(c.numeric));
  }
}
