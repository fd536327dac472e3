import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-webgpu';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { selectBackend } from '@fm/train';
import wasmUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import wasmSimdUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import wasmThreadedUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';

/** Backend choices offered in the page; `auto` is webgpu > webgl > wasm > cpu. */
export type BackendChoice = 'auto' | 'webgpu' | 'webgl' | 'wasm' | 'cpu';

let pathsSet = false;

/** Points tfjs-backend-wasm at the `.wasm` binaries bundled by Vite (works offline, no CDN). */
export function useBundledWasm(): void {
  if (pathsSet) return;
  setWasmPaths({
    'tfjs-backend-wasm.wasm': wasmUrl,
    'tfjs-backend-wasm-simd.wasm': wasmSimdUrl,
    'tfjs-backend-wasm-threaded-simd.wasm': wasmThreadedUrl,
  });
  pathsSet = true;
}

/**
 * Selects a backend through @fm/train `selectBackend` and returns the backend actually active and a
 * one-line explanation to show.
 */
export async function chooseBackend(choice: BackendChoice): Promise<{ backend: string; detail: string }> {
  useBundledWasm();
  const report: unknown = await selectBackend(choice);
  const backend = tf.getBackend();
  return { backend, detail: describeReport(report, backend) };
}

function describeReport(report: unknown, backend: string): string {
  if (report && typeof report === 'object') {
    const r = report as Record<string, unknown>;
    for (const key of ['reason', 'why', 'detail', 'message']) {
      const v = r[key];
      if (typeof v === 'string' && v) return v;
      if (Array.isArray(v) && v.length) return v.map(String).join('; ');
    }
  }
  return `using ${backend}`;
}
