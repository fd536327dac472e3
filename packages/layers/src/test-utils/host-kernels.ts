import * as tf from '@tensorflow/tfjs';

/**
 * Runs `fn` with the named kernels unregistered on the active backend (then registers them back), so a test
 * exercises the composed-ops path that backends without those kernels (webgl, webgpu) take.
 */
export function withoutKernels<T>(names: readonly string[], fn: () => T): T {
  const backend = tf.getBackend();
  const saved = names.map((name) => tf.getKernel(name, backend)).filter((k): k is tf.KernelConfig => k !== undefined);
  for (const k of saved) tf.unregisterKernel(k.kernelName, backend);
  try {
    return fn();
  } finally {
    for (const k of saved) tf.registerKernel(k);
  }
}

/** A seeded random float32 variable of the given shape. */
export function randomVariable(shape: number[], seed: number, scale = 1): tf.Variable {
  return tf.variable(tf.mul(tf.randomNormal(shape, 0, 1, 'float32', seed), scale));
}

/** Largest absolute difference between two tensors' values. */
export function maxAbsDiff(a: tf.Tensor, b: tf.Tensor): number {
  const x = a.dataSync();
  const y = b.dataSync();
  if (x.length !== y.length) throw new Error(`maxAbsDiff: sizes ${x.length} and ${y.length} differ`);
  let m = 0;
  for (let i = 0; i < x.length; i++) m = Math.max(m, Math.abs((x[i] as number) - (y[i] as number)));
  return m;
}
