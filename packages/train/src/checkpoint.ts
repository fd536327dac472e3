import type * as tf from '@tensorflow/tfjs';
import type { WeightStream } from './model-io.js';
import type { OptimizerName } from './optimizers.js';

/** One epoch of training history (epochs count from 1). */
export interface EpochRecord {
  epoch: number;
  /** Mean training data loss over the epoch's batches. */
  loss: number;
  valLoss?: number;
  valMetrics?: Record<string, number>;
  examplesPerSecond: number;
  seconds: number;
}

/** The trainer's JSON state in a checkpoint (`trainer.json`); binary state is in {@link CheckpointData.trainerData}. */
export interface TrainerStateJSON {
  format: 'fm-trainer-checkpoint';
  version: 2;
  /** The engine that trained (resume must use the same one). */
  engine: string;
  /** Last completed epoch. */
  epoch: number;
  history: EpochRecord[];
  bestEpoch: number;
  bestValue: number | null;
  /** Epochs since the best one (early-stopping patience counter). */
  wait: number;
  optimizer: { name: OptimizerName; step: number };
  /** Layout of `trainerData`, in order: the engine's optimizer state arrays, then the best weights. */
  state: { type: 'float32' | 'uint8'; size: number }[];
  /** The best epoch's weights; none when the best epoch is this checkpoint's own (its weights are the model's). */
  best: { size: number }[];
}

/** A whole checkpoint: the model (with metadata) and the trainer state. */
export interface CheckpointData {
  artifacts: tf.io.ModelArtifacts;
  trainer: TrainerStateJSON;
  trainerData: Uint8Array;
}

/**
 * A checkpoint whose big parts are read while it is written: the weights a slice at a time from the model, the
 * trainer's binary state as its arrays' bytes in order (their concatenation is {@link CheckpointData.trainerData}).
 * Valid only during the save it is given to. @internal
 */
export interface StreamedCheckpoint {
  /** The model's artifacts without `weightData`. */
  artifacts: tf.io.ModelArtifacts;
  weights: WeightStream;
  trainer: TrainerStateJSON;
  trainerParts: readonly Uint8Array[];
}

/** Where checkpoints go: a directory in Node (`fileCheckpointStore` in `@fm/train/node`), memory, or anything else. */
export interface CheckpointStore {
  /** Names the location in messages. */
  readonly location: string;
  save(data: CheckpointData): Promise<void>;
  /**
   * Optional, used instead of {@link save} where present: writes the checkpoint without first joining its weights
   * and trainer state in memory (a file store; a 1M-feature FFM's table is 2.5 GB). @internal
   */
  saveStreamed?(data: StreamedCheckpoint): Promise<void>;
  /** The last checkpoint saved. Its `trainerData` becomes the caller's: `fit` keeps the best weights in it (and writes over them). */
  load(): Promise<CheckpointData>;
  /**
   * Optional: {@link load} with the weights left where they are (no `weightData`), read on request through `read`
   * (byte offset into the weight data, destination): a `NativeModel` resumes with its weights read from disk straight
   * into its arrays. @internal
   */
  loadStreamed?(): Promise<CheckpointData & { read: (offset: number, out: Uint8Array) => Promise<void> }>;
}

/** A checkpoint store kept in memory (browser, tests). */
export function memoryCheckpointStore(): CheckpointStore & { data: CheckpointData | undefined } {
  return {
    location: 'memory',
    data: undefined,
    async save(data) {
      this.data = { artifacts: data.artifacts, trainer: structuredClone(data.trainer), trainerData: data.trainerData.slice() };
    },
    async load() {
      if (!this.data) throw new Error('memory checkpoint: nothing saved yet');
      // the trainer data is the caller's: fit keeps the best weights in it and later copies over them
      return { ...this.data, trainerData: this.data.trainerData.slice() };
    },
  };
}

/** Concatenates typed arrays into one byte buffer. */
export function packArrays(arrays: readonly (Float32Array | Uint8Array)[]): Uint8Array {
  const total = arrays.reduce((s, a) => s + a.byteLength, 0);
  const out = new Uint8Array(total);
  let o = 0;
  for (const a of byteViews(arrays)) {
    out.set(a, o);
    o += a.byteLength;
  }
  return out;
}

/** The arrays' bytes, as views (no copy): {@link packArrays} without the join. */
export function byteViews(arrays: readonly (Float32Array | Uint8Array)[]): Uint8Array[] {
  return arrays.map((a) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
}

/** Reads consecutive arrays back from a buffer made by {@link packArrays}. */
export class ArrayReader {
  private offset = 0;
  constructor(
    private readonly bytes: Uint8Array,
    private readonly where: string,
  ) {}
  /** The next `n` floats: a copy, or with `view` a view of the buffer where it is 4-byte aligned (no second copy of a big table). */
  float32(n: number, view = false): Float32Array {
    const bytes = this.take(n * 4);
    if (view && bytes.byteOffset % 4 === 0) return new Float32Array(bytes.buffer, bytes.byteOffset, n);
    const out = new Float32Array(n);
    new Uint8Array(out.buffer).set(bytes);
    return out;
  }
  uint8(n: number): Uint8Array {
    return this.take(n).slice();
  }
  private take(bytes: number): Uint8Array {
    if (this.offset + bytes > this.bytes.byteLength) {
      throw new Error(`${this.where}: trainer state is truncated (${this.bytes.byteLength} bytes, needs more than ${this.offset + bytes})`);
    }
    const v = this.bytes.subarray(this.offset, this.offset + bytes);
    this.offset += bytes;
    return v;
  }
  /** Throws unless every byte was read. */
  end(): void {
    if (this.offset !== this.bytes.byteLength) {
      throw new Error(`${this.where}: trainer state has ${this.bytes.byteLength} bytes, expected ${this.offset}`);
    }
  }
}

let directoryStoreFactory: ((dir: string) => CheckpointStore) | undefined;

/**
 * Registers how a checkpoint directory path becomes a {@link CheckpointStore}. `@fm/train/node`
 * registers its file-system store on import; the core stays free of Node modules (browser-safe).
 */
export function registerDirectoryCheckpointStore(factory: (dir: string) => CheckpointStore): void {
  directoryStoreFactory = factory;
}

/** The store for a checkpoint directory; needs `@fm/train/node` (Node) to have been imported. */
export function directoryCheckpointStore(dir: string): CheckpointStore {
  if (!directoryStoreFactory) {
    throw new Error(`fit: checkpoint directory "${dir}" needs the file system: import '@fm/train/node' first (Node only), or pass a CheckpointStore`);
  }
  return directoryStoreFactory(dir);
}
