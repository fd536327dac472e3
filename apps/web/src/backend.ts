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
 * one-line explanation to show: why it was chosen and, for the GPU backends, which device runs it.
 */
export async function chooseBackend(choice: BackendChoice): Promise<{ backend: string; detail: string }> {
  useBundledWasm();
  const report: unknown = await selectBackend(choice);
  const backend = tf.getBackend();
  const device = describeDevice();
  return { backend, detail: describeReport(report, backend) + (device ? ` · device: ${device}` : '') };
}

/** The tfjs backend internals this page reads, duck-typed (neither is part of tfjs's public API). */
interface GpuBackendInternals {
  /** webgpu: the GPUDevice and the adapter's vendor/architecture. */
  device?: { lost?: Promise<{ reason?: string; message?: string }> };
  adapterInfo?: { vendor?: string; architecture?: string };
  /** webgl: the GL context. */
  gpgpu?: { gl?: WebGLRenderingContext };
}

const internals = (): GpuBackendInternals => tf.backend() as unknown as GpuBackendInternals;

/**
 * The GPU that runs the current backend, in words ('google swiftshader' is Chromium's software
 * renderer: correct results, no GPU speed), or undefined on the CPU backends.
 */
export function describeDevice(): string | undefined {
  const name = tf.getBackend();
  const b = internals();
  if (name === 'webgpu') {
    const info = b.adapterInfo;
    return [info?.vendor, info?.architecture].filter((x) => x).join(' ') || 'WebGPU adapter (no info)';
  }
  if (name === 'webgl') {
    const gl = b.gpgpu?.gl;
    if (!gl) return undefined;
    const ext = gl.getExtension('WEBGL_debug_renderer_info');
    return String(gl.getParameter(ext ? ext.UNMASKED_RENDERER_WEBGL : gl.RENDERER));
  }
  return undefined;
}

const watched = new WeakSet<object>();

/**
 * Calls `onLost` once if the current WebGPU device is lost (GPU process crash, driver reset,
 * `destroy()`): every later read on it would fail with an unhelpful "mapAsync … no longer exists".
 * Does nothing on other backends.
 */
export function watchDeviceLoss(onLost: (message: string) => void): void {
  if (tf.getBackend() !== 'webgpu') return;
  const device = internals().device;
  if (!device?.lost || watched.has(device)) return;
  watched.add(device);
  void device.lost.then((info) => {
    onLost(`the WebGPU device was lost (${info.reason ?? 'unknown reason'}: ${info.message ?? ''}); reload the page or choose another backend`);
  });
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
