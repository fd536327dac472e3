import { Encoder, addKeyCounts, columnOf, numericColumn, preScale, type FieldConfig, type NumericScale, type NumericScaling } from './encoder.js';
import { isMultiHot, validateFrame, type Frame } from './frame.js';
import { Vocabulary, compareKeys, type VocabKey } from './vocabulary.js';

/**
 * Fits an {@link Encoder} on data fed one frame at a time, so the rows never have to sit in
 * memory together (the vocabulary pass of a two-pass streaming encode): memory is the key counts,
 * one entry per distinct key. `Encoder.fit(frame, fields)` is `new EncoderFitter(fields).add(frame).finish()`.
 *
 * Started from an existing encoder, it grows it instead (a warm start on new data): fields, hash
 * settings and every existing id are kept, and keys not yet in a vocabulary that the new data has
 * at least `minCount` times get new ids after the old ones, in sorted key order (at most up to
 * the field's `maxSize` keys in all, the most frequent first). Hashed and numeric fields never grow.
 *
 * A numeric field with a `scale` other than `'none'` and no `scaleBy` gets its scaling from the rows fed (their min
 * and max, or mean and population standard deviation, of the float32 values the encoder stores, after the log of
 * `'log'`); a field whose
 * values are all equal gets spread 1. A grown encoder keeps its fields' scalings.
 */
export class EncoderFitter {
  private readonly configs: readonly FieldConfig[];
  private readonly base: Encoder | undefined;
  private readonly counts: (Map<VocabKey, number> | undefined)[];
  /** Numeric fields to fit a scaling for: count, mean, Σ squared deviations (Welford), min, max. */
  private readonly moments: (Float64Array | undefined)[];
  private readonly where: string;
  /** Rows seen so far. */
  rows = 0;

  /** @param fields field configs to fit, or an encoder to grow. */
  constructor(fields: readonly FieldConfig[] | Encoder, options: { where?: string } = {}) {
    this.where = options.where ?? 'EncoderFitter';
    if (fields instanceof Encoder) {
      this.base = fields;
      this.configs = fields.fields;
    } else {
      // Validate the configs now (a dry build with empty vocabularies), not after a pass over the data.
      Encoder.fromParts(fields, fields.map((f) => (f.kind === 'numeric' || f.hashBits !== undefined ? undefined : new Vocabulary([]))), this.where);
      this.configs = fields;
    }
    this.counts = this.configs.map((f) => (f.kind === 'numeric' || f.hashBits !== undefined ? undefined : new Map()));
    this.moments = this.configs.map((f) =>
      f.kind === 'numeric' && f.scaleBy === undefined && f.scale !== undefined && f.scale !== 'none' ? Float64Array.of(0, 0, 0, Infinity, -Infinity) : undefined,
    );
  }

  /** Counts the keys of one frame (every field's column must be present and of the right kind). */
  add(frame: Frame): this {
    validateFrame(frame);
    this.configs.forEach((f, i) => {
      const column = f.column ?? f.name;
      const c = columnOf(frame, { name: f.name, kind: f.kind, column }, this.where);
      const m = this.moments[i];
      if (m) addMoments(m, numericColumn(frame, column, this.where, `field "${f.name}" (column "${column}")`, true), f.scale);
      const counts = this.counts[i];
      if (!counts) return;
      addKeyCounts(counts, isMultiHot(c) ? c.tokens : (c as ArrayLike<unknown>), this.where, f.name);
    });
    this.rows += frame.length;
    return this;
  }

  /** The fitted (or grown) encoder. */
  finish(): Encoder {
    const vocabs = this.configs.map((f, i) => {
      const counts = this.counts[i];
      if (!counts) return undefined;
      const opts = { minCount: f.minCount, maxSize: f.maxSize };
      if (!this.base) return Vocabulary.fromCounts(counts, opts);
      const old = this.base.vocabulary(f.name);
      const fresh = new Map([...counts].filter(([k]) => !old.has(k)));
      const room = f.maxSize === undefined ? undefined : Math.max(0, f.maxSize - old.keys.length);
      const picked = Vocabulary.fromCounts(fresh, { minCount: f.minCount, maxSize: room });
      return old.extend([...picked.keys].sort(compareKeys));
    });
    const configs = this.configs.map((f, i) => {
      const m = this.moments[i];
      return m ? { ...f, scaleBy: fittedScale(m, f.scale !== 'standard') } : f;
    });
    return Encoder.fromParts(configs, vocabs, this.where);
  }
}

/** Adds `values` (as float32, what the encoder stores; NaN = missing, skipped) to running moments [n, mean, M2, min, max] (Welford). */
function addMoments(m: Float64Array, values: ArrayLike<number>, scale: NumericScaling | undefined): void {
  let [n, mean, m2, min, max] = m as unknown as [number, number, number, number, number];
  for (let r = 0; r < values.length; r++) {
    const x = preScale(scale, Math.fround(values[r] as number));
    if (Number.isNaN(x)) continue;
    n++;
    const d = x - mean;
    mean += d / n;
    m2 += d * (x - mean);
    if (x < min) min = x;
    if (x > max) max = x;
  }
  m.set([n, mean, m2, min, max]);
}

/** The scaling of fitted moments: min-max or standard; spread 1 where the values do not vary (or there were none). */
function fittedScale(m: Float64Array, minmax: boolean): NumericScale {
  const [n, mean, m2, min, max] = m as unknown as [number, number, number, number, number];
  if (n === 0) return { center: 0, spread: 1 };
  const spread = minmax ? max - min : Math.sqrt(m2 / n);
  return { center: minmax ? min : mean, spread: spread > 0 && Number.isFinite(spread) ? spread : 1 };
}
