import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { registerHeapHelpers, splitRange, type HeapCall, type HeapHelpers } from './heap-helpers.js';
import { runSimdBatch } from './simd-batch-matmul.js';
import { gemmTransposedA } from './simd-gemm.js';
import { runSimdSoftmax, runSimdSoftmaxGrad } from './simd-softmax.js';
import { uniform } from './test-utils/reference.js';

interface Instantiable {
  Instance: new (module: object, imports: object) => { exports: Record<string, (...args: number[]) => void> };
}

/**
 * A test double of helper threads: runs each part's calls at once, on this thread, in an instance of its own of the
 * same module over the same memory (as a worker thread would), and records the parts it was given.
 */
function recordingHelpers(count: number): HeapHelpers & { parts: HeapCall[][] } {
  const parts: HeapCall[][] = [];
  return {
    count,
    sameThread: true,
    parts,
    start(index, module, memory, calls) {
      expect(index).toBeLessThan(count);
      parts.push([...calls]);
      const api = (globalThis as unknown as { WebAssembly: Instantiable }).WebAssembly;
      const fns = new api.Instance(module, { env: { memory } }).exports;
      for (const [name, ...args] of calls) (fns[name] as (...a: number[]) => void)(...args);
      return () => undefined;
    },
  };
}

beforeAll(async () => {
  await tf.setBackend('wasm');
});
afterEach(() => registerHeapHelpers(undefined));
afterAll(async () => {
  await tf.setBackend('cpu');
});

describe('splitRange', () => {
  it.each([
    [10, 3, 1],
    [23712, 2, 4],
    [7, 4, 4], // fewer aligned units than parts: empty parts are left out
    [5, 1, 1],
    [0, 2, 1],
  ])('cuts [0, %i) into %i aligned, disjoint, covering ranges (align %i)', (n, parts, align) => {
    const ranges = splitRange(n, parts, align);
    expect(ranges.length).toBeLessThanOrEqual(parts);
    let at = 0;
    for (const [start, end] of ranges) {
      expect(start).toBe(at);
      expect(end).toBeGreaterThan(start);
      if (end !== n) expect(end % align).toBe(0);
      at = end;
    }
    expect(at).toBe(n);
  });
});

/** Heap tensors of random values (the kernels run in place on views of the wasm heap). */
function heapInputs(sizes: readonly number[], seed: number): { tensors: tf.Tensor[]; view: (t: tf.Tensor) => Float32Array } {
  const rnd = uniform(seed);
  const tensors = sizes.map((n) => tf.tensor1d(Float32Array.from({ length: n }, () => rnd() - 0.5)));
  const backend = tf.backend() as unknown as { typedArrayFromHeap(t: tf.Tensor): Float32Array };
  return { tensors, view: (t) => backend.typedArrayFromHeap(t) };
}

/** Runs `compute` without helpers and with `count` recording helpers; both outputs and the helpers' parts. */
function withAndWithout(count: number, compute: () => Float32Array): { alone: Float32Array; split: Float32Array; parts: HeapCall[][] } {
  registerHeapHelpers(undefined);
  const alone = compute().slice();
  const helpers = recordingHelpers(count);
  registerHeapHelpers(helpers);
  const split = compute().slice();
  registerHeapHelpers(undefined);
  return { alone, split, parts: helpers.parts };
}

describe('heap kernels split over helper threads', () => {
  it.each([1, 2])('the weight gradient xᵀ @ dy of a wide layer: out rows split over %i helper(s), the same floats', (count) => {
    const [m, k, n] = [64, 1030, 32]; // k·m·n ≥ the split threshold; k = 4·257 + 2 (a remainder in the last part)
    const { tensors, view } = heapInputs([m * k, m * n, k * n], 11);
    const [x, dy, out] = tensors as [tf.Tensor, tf.Tensor, tf.Tensor];
    const { alone, split, parts } = withAndWithout(count, () => {
      view(out).fill(Number.NaN);
      gemmTransposedA(view(x), view(dy), m, k, n, view(out));
      return view(out);
    });
    expect(parts).toHaveLength(count);
    expect(alone.every(Number.isFinite)).toBe(true);
    expect(Array.from(split)).toEqual(Array.from(alone));
    tensors.forEach((t) => t.dispose());
  });

  it('a narrow weight gradient (K = 16 over many rows) stays on one thread', () => {
    const [m, k, n] = [8192, 16, 32];
    const { tensors, view } = heapInputs([m * k, m * n, k * n], 12);
    const [x, dy, out] = tensors as [tf.Tensor, tf.Tensor, tf.Tensor];
    const { alone, split, parts } = withAndWithout(1, () => {
      gemmTransposedA(view(x), view(dy), m, k, n, view(out));
      return view(out);
    });
    expect(parts).toHaveLength(0);
    expect(Array.from(split)).toEqual(Array.from(alone));
    tensors.forEach((t) => t.dispose());
  });

  it.each(['abT', 'ab', 'aTb'] as const)('batched %s products of 16-wide column blocks: the batch split, the same floats', (kernel) => {
    const [batch, m, n, d, width] = [128, 24, 28, 16, 32]; // column block 16 of rows 32 wide (a head's columns)
    const wide = (rows: number) => batch * rows * width;
    // abT: x [B, m, ·], y [B, n, ·] → out [B, m, n]; ab: a [B, m, n], y [B, n, ·] → out [B, m, ·];
    // aTb: a [B, m, n], y [B, m, ·] → out [B, n, ·]
    const sizes = kernel === 'abT' ? [wide(m), wide(n), batch * m * n] : kernel === 'ab' ? [batch * m * n, wide(n), wide(m)] : [batch * m * n, wide(m), wide(n)];
    const { tensors, view } = heapInputs(sizes, 13);
    const [a, y, out] = tensors as [tf.Tensor, tf.Tensor, tf.Tensor];
    const columns = (t: tf.Tensor, blocked: boolean) => (blocked ? view(t).subarray(d) : view(t)); // the second head
    const { alone, split, parts } = withAndWithout(2, () => {
      view(out).fill(0);
      const ok = runSimdBatch(kernel, columns(a, kernel === 'abT'), columns(y, true), columns(out, kernel !== 'abT'), batch, m, n, d, width);
      expect(ok).toBe(true);
      return view(out);
    });
    expect(parts).toHaveLength(2);
    expect(alone.some((v) => v !== 0)).toBe(true);
    expect(Array.from(split)).toEqual(Array.from(alone));
    tensors.forEach((t) => t.dispose());
  });

  it('softmax and its gradient over rows: the rows split, the same floats', () => {
    const [rows, n] = [3001, 39];
    const { tensors, view } = heapInputs([rows * n, rows * n, rows * n], 14);
    const [x, dy, out] = tensors as [tf.Tensor, tf.Tensor, tf.Tensor];
    for (const grad of [false, true]) {
      const { alone, split, parts } = withAndWithout(2, () => {
        const ok = grad ? runSimdSoftmaxGrad(view(dy), view(x), view(out), n) : runSimdSoftmax(view(x), view(out), n);
        expect(ok).toBe(true);
        return view(out);
      });
      expect(parts).toHaveLength(2);
      expect(Array.from(split)).toEqual(Array.from(alone));
    }
    tensors.forEach((t) => t.dispose());
  });
});
