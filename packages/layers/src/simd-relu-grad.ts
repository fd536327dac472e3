/**
 * The gradient of a ReLU from its output, `out = y > 0 ? dy : 0`, as one WebAssembly SIMD pass in place on the wasm
 * backend's heap (tfjs computes `dy · step(y)`: a Step kernel, then a Multiply, two passes and a temporary), its
 * range split over the helper threads for big tensors. Assembled from bytecode (wasm-bytecode.ts).
 */
import { MIN_SPLIT_WORK, heapParallelism, runHeapParts, splitRange, type HeapCall } from './heap-helpers.js';
import { ADD, F32X4_GT, V128_AND, V128_LOAD, V128_STORE, forLoop, get, heapModule, i32, kernelModule } from './wasm-bytecode.js';

// reluGrad(dy, y, out, bytes): byte addresses and the byte count (a multiple of 16); i32 local 4 the offset, v128
// local 5 zero (locals start at 0)
const [DY, Y, OUT, BYTES, AT, ZERO] = [0, 1, 2, 3, 4, 5] as const;
const at = (base: number) => [...get(base), ...get(AT), ...ADD];
const RELU_GRAD = [
  ...forLoop(AT, i32(0), get(BYTES), i32(16), [
    ...at(OUT),
    ...at(DY), ...V128_LOAD,
    ...at(Y), ...V128_LOAD, ...get(ZERO), ...F32X4_GT,
    ...V128_AND, ...V128_STORE,
  ]),
];

interface ReluGradKernels {
  reluGrad(dy: number, y: number, out: number, bytes: number): void;
}
const kernelsFor = heapModule<ReluGradKernels>((shared) => kernelModule({ reluGrad: RELU_GRAD }, 4, 1, 1, shared));

/**
 * out[i] = y[i] > 0 ? dy[i] : 0 (y a ReLU's output; NaN in y gives 0), on the wasm heap where all three are views of
 * it (4 floats a step, the last `length mod 4` by a loop), else by a TypeScript loop.
 * @internal
 */
export function reluGradient(dy: Float32Array, y: Float32Array, out: Float32Array): void {
  const n = out.length;
  const k = dy.buffer === out.buffer && y.buffer === out.buffer ? kernelsFor(out.buffer) : null;
  let done = 0;
  if (k !== null) {
    const vectors = n >> 2;
    const parts = n >= MIN_SPLIT_WORK ? heapParallelism(k) : 1;
    runHeapParts(
      k,
      splitRange(vectors, parts).map(([v0, v1]): HeapCall[] => [['reluGrad', dy.byteOffset + 16 * v0, y.byteOffset + 16 * v0, out.byteOffset + 16 * v0, 16 * (v1 - v0)]]),
    );
    done = vectors << 2;
  }
  for (let i = done; i < n; i++) out[i] = (y[i] as number) > 0 ? (dy[i] as number) : 0;
}
