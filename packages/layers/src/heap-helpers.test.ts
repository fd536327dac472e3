import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { registerHeapHelpers, splitRange, type HeapCall, type HeapHelpers } from './heap-helpers.js';
import { runSimdBatch } from './simd-batch-matmul.js';
import { denseMatMul } from './fast-ops.js';
import { columnSums, gemmTransposedA } from './simd-gemm.js';
import { reluGradient } from './simd-relu-grad.js';
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

  it('a narrow weight gradient (K = 16 over many rows): one thread without scratch, the batch split with it', () => {
    const [m, k, n] = [8200, 16, 32]; // 8,200 rows: the parts end on 32-row chunks but the last
    const { tensors, view } = heapInputs([m * k, m * n, k * n, 2 * k * n], 12);
    const [x, dy, out, scratch] = tensors as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor];
    // the float64 reference Σ_r x[r, i]·dy[r, j]
    const xs = view(x).slice();
    const ds = view(dy).slice();
    const reference = Array.from({ length: k * n }, (_, e) => {
      const [i, j] = [Math.floor(e / n), e % n];
      let sum = 0;
      for (let r = 0; r < m; r++) sum += (xs[r * k + i] as number) * (ds[r * n + j] as number);
      return sum;
    });
    for (const [count, withScratch, expectedParts] of [[1, false, 0], [1, true, 1], [2, true, 2]] as const) {
      const { alone, split, parts } = withAndWithout(count, () => {
        view(out).fill(Number.NaN);
        view(scratch).fill(Number.NaN);
        gemmTransposedA(view(x), view(dy), m, k, n, view(out), true, withScratch ? view(scratch) : undefined);
        return view(out);
      });
      expect(parts).toHaveLength(expectedParts);
      for (const [i, r] of reference.entries()) {
        expect(split[i]).toBeCloseTo(r, 3);
        expect(alone[i]).toBeCloseTo(r, 3);
      }
      // each helper starts on a 32-row chunk of the batch and sums into its own block of scratch
      parts.forEach((part, p) => {
        const first = part[0] as HeapCall;
        expect((((first[1] as number) - view(x).byteOffset) / (k * 4)) % 32).toBe(0);
        expect(first[3]).toBe(view(scratch).byteOffset + p * k * n * 4);
      });
    }
    tensors.forEach((t) => t.dispose());
  });

  it("a dense layer's narrow weight gradient on wasm: the batch split with the op's scratch, which is freed", () => {
    const [m, k, n] = [4100, 16, 32];
    const rnd = uniform(15);
    const x = tf.tensor2d(Float32Array.from({ length: m * k }, () => rnd() - 0.5), [m, k]);
    const w = tf.tensor2d(Float32Array.from({ length: k * n }, () => rnd() - 0.5), [k, n]);
    const c = tf.tensor2d(Float32Array.from({ length: m * n }, () => rnd() - 0.5), [m, n]);
    const xs = x.dataSync();
    const cs = c.dataSync();
    const helpers = recordingHelpers(1);
    registerHeapHelpers(helpers);
    const before = tf.memory().numBytes;
    // ∂/∂w Σ (x w) ⊙ c = xᵀ c
    const dw = tf.grad((v: tf.Tensor) => tf.sum(tf.mul(denseMatMul(x, v as tf.Tensor2D), c)))(w);
    const got = dw.dataSync();
    dw.dispose();
    expect(tf.memory().numBytes).toBe(before);
    expect(helpers.parts.length).toBeGreaterThan(0);
    for (let e = 0; e < k * n; e++) {
      const [i, j] = [Math.floor(e / n), e % n];
      let sum = 0;
      for (let r = 0; r < m; r++) sum += (xs[r * k + i] as number) * (cs[r * n + j] as number);
      expect(got[e]).toBeCloseTo(sum, 3);
    }
    [x, w, c].forEach((t) => t.dispose());
  });

  it('column sums (a bias gradient) of many rows: the rows split with scratch, each helper into its own block', () => {
    const [m, n] = [40_000, 48]; // ≥ the split threshold; 32 + 16 columns: two kernels a part
    const { tensors, view } = heapInputs([m * n, n, 2 * n], 16);
    const [x, out, scratch] = tensors as [tf.Tensor, tf.Tensor, tf.Tensor];
    const xs = view(x).slice();
    const want = Array.from({ length: n }, (_, j) => {
      let sum = 0;
      for (let r = 0; r < m; r++) sum += xs[r * n + j] as number;
      return sum;
    });
    const { alone, split, parts } = withAndWithout(2, () => {
      view(out).fill(Number.NaN);
      columnSums(view(x), m, n, view(out), view(scratch));
      return view(out);
    });
    expect(parts).toHaveLength(2);
    parts.forEach((part, p) => expect(part[0]?.[3]).toBe(view(scratch).byteOffset + p * n * 4));
    for (const [j, w] of want.entries()) {
      expect(alone[j]).toBeCloseTo(w, 2);
      expect(split[j]).toBeCloseTo(w, 2);
    }
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

  it("a ReLU's gradient over 1M+ floats: the range split, dy where y > 0", () => {
    const n = (1 << 20) + 6; // a tail of 2 after the last whole vector
    const { tensors, view } = heapInputs([n, n, n], 17);
    const [dy, y, out] = tensors as [tf.Tensor, tf.Tensor, tf.Tensor];
    const { alone, split, parts } = withAndWithout(1, () => {
      view(out).fill(Number.NaN);
      reluGradient(view(dy), view(y), view(out));
      return view(out);
    });
    expect(parts).toHaveLength(1);
    const [dys, ys] = [view(dy), view(y)];
    for (let i = 0; i < n; i += 997) expect(alone[i]).toBe((ys[i] as number) > 0 ? dys[i] : 0);
    expect(alone[n - 1]).toBe((ys[n - 1] as number) > 0 ? dys[n - 1] : 0);
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
