import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { getThreadsCount } from '@tensorflow/tfjs-backend-wasm';
import { denseMatMul, registerHeapHelpers, rowSoftmax } from '@fm/layers';
import { beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from './backend.js';
import { nodeHeapHelpers } from './heap-helpers-node.js';
import './node.js';
import { POOLED_PRODUCT_WORK, wasmPoolSwitch } from './wasm-threads-node.js';

const leftovers = () => readdirSync(tmpdir()).filter((f) => f.startsWith('fm-wasm-threads-')).length;
let before = 0;
let reason = '';

beforeAll(async () => {
  before = leftovers();
  reason = (await selectBackend('wasm', { wasmThreads: 2 })).reason;
}, 60_000);

describe('tfjs-backend-wasm with threads in Node (@fm/train/node)', () => {
  it('starts the threaded SIMD build with 2 threads on a shared memory, and leaves no temporary files', () => {
    expect(reason).toMatch(/wasm \(SIMD, 2 threads\) loaded/);
    expect(getThreadsCount()).toBe(2);
    const memory = (tf.backend() as unknown as { wasm: { wasmMemory: { buffer: ArrayBufferLike } } }).wasm.wasmMemory;
    expect(memory.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(leftovers()).toBe(before);
  });

  it('a started backend keeps its threads and says so', async () => {
    const again = await selectBackend('wasm', { wasmThreads: 1 });
    expect(again.reason).toMatch(/2 threads, started before/);
    expect(getThreadsCount()).toBe(2);
  });

  it('rejects a thread count that is not a positive integer', async () => {
    await expect(selectBackend('wasm', { wasmThreads: 0 })).rejects.toThrow(/wasmThreads must be an integer ≥ 1 or 'auto', got 0/);
    await expect(selectBackend('wasm', { wasmThreads: 1.5 })).rejects.toThrow(/got 1\.5/);
  });

  it("lends XNNPACK's pool only to big products (the threadpool pointer found and checked in the binary)", () => {
    expect(wasmPoolSwitch()).toBe(`pool on products of ≥ ${POOLED_PRODUCT_WORK / 2 ** 20}M multiply-adds`);
  });

  it.each([
    [300, 200, 70], // below the pool's threshold: XNNPACK inline
    [1024, 1024, 64], // above: XNNPACK on its pool (64M multiply-adds)
  ])("a product [%i, %i] · [·, %i] on the threaded backend equals the definition", (m, k, n) => {
    const a = tf.randomUniform([m, k], -1, 1, 'float32', 1);
    const b = tf.randomUniform([k, n], -1, 1, 'float32', 2);
    const got = tf.matMul(a, b).dataSync();
    const [av, bv] = [a.dataSync(), b.dataSync()];
    for (let i = 0; i < m; i += 7) {
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let t = 0; t < k; t++) s += (av[i * k + t] as number) * (bv[t * n + j] as number);
        expect(got[i * n + j]).toBeCloseTo(s, 3);
      }
    }
  });

  it("this package's heap kernels split over a helper thread give the same floats as on one thread", () => {
    // a wide dense layer's weight gradient xᵀ·dy (out's 2052 rows split) and a softmax over 4000 rows (rows split)
    const x = tf.randomUniform([64, 2052], -0.5, 0.5, 'float32', 3) as tf.Tensor2D;
    const w = tf.randomUniform([2052, 32], -0.5, 0.5, 'float32', 4) as tf.Tensor2D;
    const dy = tf.randomUniform([64, 32], -0.5, 0.5, 'float32', 5);
    const logits = tf.randomUniform([4000, 39], -3, 3, 'float32', 6);
    const gradW = tf.grad((v: tf.Tensor) => tf.sum(tf.mul(denseMatMul(x, v as tf.Tensor2D), dy)));
    const run = () => [gradW(w).dataSync().slice(), rowSoftmax(logits).dataSync().slice()] as const;
    const split = run(); // the helper registered at the backend's start
    registerHeapHelpers(undefined);
    const alone = run();
    registerHeapHelpers(nodeHeapHelpers(1));
    expect(Array.from(split[0])).toEqual(Array.from(alone[0]));
    expect(Array.from(split[1])).toEqual(Array.from(alone[1]));
    // and the gradient is xᵀ·dy
    const [xv, dv] = [x.dataSync(), dy.dataSync()];
    for (const [i, j] of [[0, 0], [2051, 31], [1000, 17]] as const) {
      let s = 0;
      for (let r = 0; r < 64; r++) s += (xv[r * 2052 + i] as number) * (dv[r * 32 + j] as number);
      expect(split[0][i * 32 + j]).toBeCloseTo(s, 4);
    }
  });

  it('a script that starts the threaded backend ends by itself', () => {
    const script = [
      "import * as tf from '@tensorflow/tfjs';",
      "import '@fm/train/node';",
      "import { selectBackend } from '@fm/train';",
      "const r = await selectBackend('wasm', { wasmThreads: 2 });",
      'const x = tf.randomNormal([256, 256]);',
      'tf.matMul(x, x).dataSync();',
      'console.log(r.reason);',
    ].join('\n');
    const cwd = fileURLToPath(new URL('..', import.meta.url)); // the package: '@fm/train' resolves to its build
    const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd, encoding: 'utf8', timeout: 60_000 });
    expect(child.stderr).not.toMatch(/Error/);
    expect(child.signal).toBeNull(); // not killed by the timeout
    expect(child.status).toBe(0);
    expect(child.stdout).toMatch(/2 threads/);
    // without the option: one thread, the single-threaded build, as before
    const plain = spawnSync(process.execPath, ['--input-type=module', '-e', script.replace("{ wasmThreads: 2 }", '{}')], { cwd, encoding: 'utf8', timeout: 60_000 });
    expect(plain.status).toBe(0);
    expect(plain.stdout).toMatch(/wasm \(SIMD, 1 thread\) loaded/);
  });
});
