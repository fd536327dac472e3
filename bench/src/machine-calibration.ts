/**
 * What this machine's cores do, measured, so that speed tables from different machines can be read side by side:
 * the CPU model and count, and the multiply-adds per second of tfjs-backend-wasm's 2-D matMul (XNNPACK, WebAssembly
 * SIMD) on one thread at an attention projection's shape, `[20000, 32] · [32, 32]` (the median of 15 after a
 * warm-up). The zoo's heavy models are products of this kind: their examples/s scale with it. Measured in a fresh
 * process of its own (`measureMachine`), so the backend starts single-threaded and nothing else runs in it.
 *
 * Two 2-core machines this project has run on: an AMD EPYC where AutoInt's CTR row trained at 4,000-5,900 ex/s, and
 * an Intel Xeon (model 167) at 4.3-6.4 GMAC/s here, where the same row ran 1,700-1,900 ex/s before 2026-12-02's work.
 */
import { cpus } from 'node:os';
import { resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { runJsonChild } from './child.js';

/** One machine's description and its measured matMul rate. */
export interface MachineCalibration {
  /** `os.cpus()[0].model`. */
  cpu: string;
  /** Logical cores Node sees. */
  cores: number;
  /** Billions of multiply-adds per second of one-thread XNNPACK `[20000, 32] · [32, 32]` (median of 15). */
  xnnpackGmacs: number;
}

const [ROWS, INNER, COLS] = [20_000, 32, 32];

/** Measures this process (call it in a fresh one: {@link measureMachine}). */
async function calibrate(): Promise<MachineCalibration> {
  await tf.setBackend('wasm');
  await tf.ready();
  const a = tf.randomNormal([ROWS, INNER], 0, 1, 'float32', 1);
  const b = tf.randomNormal([INNER, COLS], 0, 1, 'float32', 2);
  // the wasm backend computes in the kernel call: the product's time alone, no read-back
  const once = () => {
    const t0 = performance.now();
    const c = tf.matMul(a, b);
    const ms = performance.now() - t0;
    c.dispose();
    return ms;
  };
  for (let i = 0; i < 5; i++) once();
  const times = Array.from({ length: 15 }, once).sort((x, y) => x - y);
  const median = times[times.length >> 1] as number;
  const cpu = cpus();
  return { cpu: cpu[0]?.model ?? 'unknown', cores: cpu.length, xnnpackGmacs: (ROWS * INNER * COLS) / (median * 1e6) };
}

/** Runs the calibration in a child process (its own wasm backend, on one thread). */
export function measureMachine(): Promise<MachineCalibration> {
  return runJsonChild<MachineCalibration>(new URL('./machine-calibration.js', import.meta.url), [], 'machine calibration');
}

/** One line for a table's header. */
export function describeMachine(m: MachineCalibration): string {
  return `machine: ${m.cpu} × ${m.cores}; one-thread XNNPACK [${ROWS}, ${INNER}] · [${INNER}, ${COLS}]: ${m.xnnpackGmacs.toFixed(2)} G multiply-adds/s (median of 15)`;
}

if (process.argv[1] && import.meta.filename === resolve(process.argv[1])) {
  calibrate()
    .then((m) => console.log(JSON.stringify(m)))
    .catch((e: unknown) => {
      console.error(e instanceof Error ? (e.stack ?? e.message) : e);
      process.exit(1);
    });
}
