import type * as tf from '@tensorflow/tfjs';
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

/** Where checkpoints go: a directory in Node (`fileCheckpointStore` in `@fm/train/node`), memory, or anything else. */
export interface CheckpointStore {
  /** Names the location in messages. */
  readonly location: string;
  save(data: CheckpointData): Promise<void>;
  load(): Promise<CheckpointData>;
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
      return this.data;
    },
  };
}

/** Concatenates typed arrays into one byte buffer. */
export function packArrays(arrays: readonly (Float32Array | Uint8Array)[]): Uint8Array {
  const total = arrays.reduce((s, a) => s + a.byteLength, 0);
  const out = new Uint8Array(total);
  let o = 0;
  for (const a of arrays) {
    out.set(new Uint8Array(a.buffer, a.byteOffset, a.byteLength), o);
    o += a.byteLength;
  }
  return out;
}

/** Reads consecutive arrays back from a buffer made by {@link packArrays}. */
export class ArrayReader {
  private offset = 0;
  constructor(
    private readonly bytes: Uint8Array,
    private readonly where: string,
  ) {}
  float32(n: number): Float32Array {
    const out = new Float32Array(n);
    new Uint8Array(out.buffer).set(this.take(n * 4));
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
