import type { FmArrays } from './fm-forward.js';

/**
 * A bounded, evenly thinned set of posterior samples of (w₀, w, V, α), kept so that a saved model
 * scores new rows with a predictive mean and standard deviation. It keeps every `thin`-th sample
 * offered; when full it drops every other one and doubles `thin`, so without knowing the chain's
 * length in advance the kept samples stay evenly spread over all samples offered so far.
 * Samples are stored as Float32 (the chain runs in Float64).
 */
export class SampleStore {
  /** Most samples kept. */
  readonly capacity: number;
  /** Floats per sample: 1 + n + n·k. */
  readonly sampleSize: number;
  /** Samples kept now. */
  count = 0;
  /** Keep one offered sample out of `thin`. */
  thin = 1;
  /** Samples offered so far. */
  offered = 0;
  /** `[capacity * sampleSize]` kept samples, each laid out bias, linear `[n]`, factors `[n*k]`. */
  readonly data: Float32Array;
  /** `[capacity]` noise precision α of each kept sample. */
  readonly alpha: Float64Array;

  constructor(
    readonly numFeatures: number,
    readonly k: number,
    capacity: number,
  ) {
    this.sampleSize = 1 + numFeatures + numFeatures * k;
    this.capacity = capacity;
    this.data = new Float32Array(capacity * this.sampleSize);
    this.alpha = new Float64Array(capacity);
  }

  /** Offers the chain's current sample; keeps it when it falls on the thinning grid. */
  offer(p: FmArrays, alpha: number): void {
    const index = this.offered++;
    if (index % this.thin !== 0) return;
    if (this.count === this.capacity) {
      this.compact();
      if (index % this.thin !== 0) return;
    }
    const n = this.numFeatures;
    const o = this.count * this.sampleSize;
    this.data[o] = p.bias[0] as number;
    this.data.set(p.linear, o + 1);
    this.data.set(p.factors, o + 1 + n);
    this.alpha[this.count] = alpha;
    this.count++;
  }

  /** Views of kept sample `i` in the `NativeParams` layout. */
  sample(i: number): FmArrays {
    if (i < 0 || i >= this.count) throw new Error(`SampleStore: sample ${i} out of range [0, ${this.count})`);
    const o = i * this.sampleSize;
    const n = this.numFeatures;
    return {
      bias: this.data.subarray(o, o + 1),
      linear: this.data.subarray(o + 1, o + 1 + n),
      factors: this.data.subarray(o + 1 + n, o + this.sampleSize),
    };
  }

  /** Keeps samples 0, 2, 4, … and doubles the thinning interval. */
  private compact(): void {
    const size = this.sampleSize;
    let kept = 0;
    for (let i = 0; i < this.count; i += 2) {
      if (i !== kept) {
        this.data.copyWithin(kept * size, i * size, (i + 1) * size);
        this.alpha[kept] = this.alpha[i] as number;
      }
      kept++;
    }
    this.count = kept;
    this.thin *= 2;
  }

  /** Restores the bookkeeping of a saved store (the data arrays are filled by the caller). */
  restore(count: number, thin: number, offered: number): void {
    if (!(count >= 0 && count <= this.capacity) || !(thin >= 1) || !(offered >= count)) {
      throw new Error(`SampleStore: inconsistent saved state (count ${count}, thin ${thin}, offered ${offered}, capacity ${this.capacity})`);
    }
    this.count = count;
    this.thin = thin;
    this.offered = offered;
  }
}
