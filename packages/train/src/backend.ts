import * as tf from '@tensorflow/tfjs';

/** Backends the trainer can ask for; 'auto' picks the fastest available. */
export type BackendPreference = 'auto' | 'tensorflow' | 'webgpu' | 'webgl' | 'wasm' | 'cpu';

/** What {@link selectBackend} did. */
export interface BackendReport {
  /** The active tfjs backend name ('tensorflow', 'webgpu', 'webgl', 'wasm', 'cpu'). */
  backend: string;
  requested: BackendPreference;
  /** One line on why this backend was chosen. */
  reason: string;
  /** Every candidate tried, in order, with why it was or was not used. */
  tried: { backend: string; ok: boolean; detail: string }[];
  environment: 'node' | 'browser';
}

/** How to get each backend, for error messages. */
export const BACKEND_HINTS: Record<Exclude<BackendPreference, 'auto'>, string> = {
  tensorflow:
    'npm i @tensorflow/tfjs-node-gpu (Linux x64, CUDA 11.2 + cuDNN 8.1) or npm i @tensorflow/tfjs-node (CPU); ' +
    'their install downloads libtensorflow (set TFJS_NODE_CDN_STORAGE for a mirror)',
  webgpu:
    'npm i @tensorflow/tfjs-backend-webgpu, and a WebGPU adapter: a browser with WebGPU, or in Node the npm package "webgpu" (Dawn) with a Vulkan driver',
  webgl: 'WebGL exists only in a browser (use wasm or cpu in Node)',
  wasm: 'npm i @tensorflow/tfjs-backend-wasm',
  cpu: 'the cpu backend ships with @tensorflow/tfjs',
};

/**
 * Starting tfjs-backend-wasm with a pool of threads where the platform needs help to (Node: registered by importing
 * `@fm/train/node`; in a browser tfjs starts its threaded build itself where the page is cross-origin isolated).
 */
export interface WasmThreads {
  /** The thread count of `wasmThreads: 'auto'`. */
  auto(): number;
  /**
   * Before the backend's first start: arranges for it to start with `threads` threads. Returns what to undo once it
   * has started (or failed), or why threads cannot be used here.
   */
  prepare(threads: number): Promise<{ undo(): void } | string>;
}

let wasmThreads: WasmThreads | undefined;

/** Registers how to start the wasm backend with threads (done by importing `@fm/train/node`). */
export function registerWasmThreads(w: WasmThreads): void {
  wasmThreads = w;
}

/** Options of {@link selectBackend}. */
export interface SelectBackendOptions {
  /**
   * Threads of tfjs-backend-wasm's products (XNNPACK) and of @fm/layers' heap kernels, when the backend starts here
   * for the first time in this process: a count ≥ 1, or 'auto' (the cores Node may use, at most 8). In Node
   * (with `@fm/train/node` imported) the default is 1 (the single-threaded build, as before): more threads speed up
   * models with large products (FiBiNET, AutoInt at a 512-row batch on 39 fields: +20-40 % on 2 cores) and leave
   * small ones as fast as on one thread (XNNPACK's pool is lent only to products of ≥ 8M multiply-adds), but the
   * threaded start reaches into tfjs-backend-wasm's internals (pinned to 4.22.0) and costs ~0.35 s and ~35 MB. In
   * a browser the default is tfjs's own choice (threads where the page is cross-origin isolated). A backend already
   * started keeps its threads; the report says how many it has.
   */
  wasmThreads?: number | 'auto';
}

const isNode = (): boolean => typeof process !== 'undefined' && typeof process.versions?.node === 'string';

/** A dynamic import the bundler leaves alone (the module may not be installed). */
async function tryImport(spec: string): Promise<unknown> {
  return (await import(/* @vite-ignore */ /* webpackIgnore: true */ spec)) as unknown;
}

async function activate(name: string): Promise<void> {
  if (!(await tf.setBackend(name))) throw new Error(`tf.setBackend('${name}') failed`);
  await tf.ready();
}

type Attempt = () => Promise<string>;

/** tfjs-backend-wasm's XNNPACK threads, or undefined before the backend has started. */
function startedWasmThreads(wasm: { getThreadsCount(): number }): number | undefined {
  try {
    return wasm.getThreadsCount();
  } catch {
    return undefined; // "WASM backend not initialized."
  }
}

/** Starts the wasm backend, with threads where asked and possible; says what it started. */
async function startWasm(node: boolean, threads: number | 'auto' | undefined): Promise<string> {
  if (threads !== undefined && threads !== 'auto' && !(Number.isInteger(threads) && threads >= 1)) {
    throw new Error(`selectBackend: wasmThreads must be an integer ≥ 1 or 'auto', got ${String(threads)}`);
  }
  const wasm = await import('@tensorflow/tfjs-backend-wasm');
  const before = startedWasmThreads(wasm);
  let note = '';
  let prepared: { undo(): void } | undefined;
  if (before === undefined && node && wasmThreads !== undefined) {
    const count = threads === undefined ? 1 : threads === 'auto' ? wasmThreads.auto() : threads;
    if (count > 1) {
      const got = await wasmThreads.prepare(count);
      if (typeof got === 'string') note = `; one thread: ${got}`;
      else prepared = got;
    }
  } else if (before === undefined && typeof threads === 'number') {
    wasm.setThreadsCount(threads);
  }
  try {
    await activate('wasm');
  } finally {
    prepared?.undo();
  }
  const count = startedWasmThreads(wasm) ?? 1;
  const started = before === undefined ? '' : ', started before';
  return `wasm (SIMD, ${count} thread${count === 1 ? '' : 's'}${started}) loaded${note}`;
}

function attempts(node: boolean, options: SelectBackendOptions): Record<Exclude<BackendPreference, 'auto'>, Attempt> {
  return {
    async tensorflow() {
      if (!node) throw new Error('tfjs-node exists only in Node');
      const errors: string[] = [];
      for (const spec of ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node']) {
        try {
          await tryImport(spec);
          await activate('tensorflow');
          return `${spec} loaded`;
        } catch (e) {
          errors.push(`${spec}: ${(e as Error).message.split('\n')[0]}`);
        }
      }
      throw new Error(errors.join('; '));
    },
    async webgpu() {
      const g = globalThis as { navigator?: { gpu?: { requestAdapter(): Promise<unknown> } } };
      if (!g.navigator?.gpu && node) {
        const dawn = (await tryImport('webgpu')) as { create(flags: string[]): unknown; globals: object };
        Object.assign(globalThis, dawn.globals);
        const gpu = dawn.create([]);
        if (!g.navigator) (globalThis as Record<string, unknown>)['navigator'] = { gpu };
        else Object.defineProperty(g.navigator, 'gpu', { value: gpu, configurable: true });
      }
      if (!g.navigator?.gpu) throw new Error('navigator.gpu is missing (no WebGPU in this environment)');
      const adapter = await g.navigator.gpu.requestAdapter();
      if (!adapter) throw new Error('no WebGPU adapter');
      if (!tf.findBackendFactory('webgpu')) await tryImport('@tensorflow/tfjs-backend-webgpu');
      await activate('webgpu');
      return 'a WebGPU adapter is available';
    },
    async webgl() {
      if (node) throw new Error('no WebGL in Node');
      await activate('webgl');
      return 'WebGL context created';
    },
    async wasm() {
      return startWasm(node, options.wasmThreads);
    },
    async cpu() {
      await activate('cpu');
      return 'always available (slowest)';
    },
  };
}

/**
 * Chooses and activates a tfjs backend, and says why.
 *
 * `auto` tries, in Node: tensorflow (tfjs-node-gpu, then tfjs-node, if installed) > webgpu (if an
 * adapter exists) > wasm > cpu; in the browser: webgpu > webgl > wasm > cpu. Asking for a specific
 * backend that cannot start throws an error that says how to get it. The wasm backend starts with
 * `options.wasmThreads` threads for its products and kernels (in Node: with `@fm/train/node` imported; default 1).
 */
export async function selectBackend(pref: BackendPreference = 'auto', options: SelectBackendOptions = {}): Promise<BackendReport> {
  const node = isNode();
  const environment = node ? 'node' : 'browser';
  const all = attempts(node, options);
  const known = Object.keys(all);
  if (pref !== 'auto' && !known.includes(pref)) {
    throw new Error(`selectBackend: unknown backend "${String(pref)}", expected auto | ${known.join(' | ')}`);
  }
  const order: Exclude<BackendPreference, 'auto'>[] =
    pref !== 'auto' ? [pref] : node ? ['tensorflow', 'webgpu', 'wasm', 'cpu'] : ['webgpu', 'webgl', 'wasm', 'cpu'];
  const tried: BackendReport['tried'] = [];
  for (const name of order) {
    try {
      const detail = await all[name]();
      tried.push({ backend: name, ok: true, detail });
      const reason =
        pref === 'auto'
          ? `auto (${environment}): ${name} — ${detail}` +
            (tried.length > 1 ? `; skipped ${tried.filter((t) => !t.ok).map((t) => t.backend).join(', ')}` : '')
          : `requested ${name} — ${detail}`;
      return { backend: tf.getBackend(), requested: pref, reason, tried, environment };
    } catch (e) {
      tried.push({ backend: name, ok: false, detail: `${(e as Error).message} (to get it: ${BACKEND_HINTS[name]})` });
      if (pref !== 'auto') {
        throw new Error(`selectBackend: the ${name} backend is not available in ${environment}: ${(e as Error).message}. To get it: ${BACKEND_HINTS[name]}`);
      }
    }
  }
  throw new Error(`selectBackend: no backend could start: ${tried.map((t) => `${t.backend}: ${t.detail}`).join('; ')}`);
}
