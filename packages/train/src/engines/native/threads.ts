import { localRunner, type NativeRunnerFactory } from './runner.js';

/**
 * How many threads a native run uses and the runner that provides them. The core is single-threaded
 * (browser-safe); importing `@fm/train/node` registers Hogwild worker threads.
 */
export interface NativeThreadPolicy {
  /** Threads for a table of `floats` parameters with factor size k over `nnz` non-zeros per epoch. */
  threads(table: { floats: number; k: number }, nnz: number, requested: number | 'auto'): number;
  runner: NativeRunnerFactory;
}

const singleThread: NativeThreadPolicy = {
  threads(_table, _nnz, requested) {
    if (requested !== 'auto' && requested > 1) {
      throw new Error(`fit: threads = ${requested} needs worker threads: import '@fm/train/node' (Node only)`);
    }
    return 1;
  },
  runner: (params, state, settings) => localRunner(params, state, settings),
};

let policy: NativeThreadPolicy = singleThread;

/** Registers multi-core training for the native engine (done by importing `@fm/train/node`). */
export function registerNativeThreads(p: NativeThreadPolicy): void {
  policy = p;
}

/** The registered thread policy (single-threaded unless `@fm/train/node` was imported). */
export function nativeThreadPolicy(): NativeThreadPolicy {
  return policy;
}
