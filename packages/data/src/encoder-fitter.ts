import { Encoder, addKeyCounts, columnOf, type FieldConfig } from './encoder.js';
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
 */
export class EncoderFitter {
  private readonly configs: readonly FieldConfig[];
  private readonly base: Encoder | undefined;
  private readonly counts: (Map<VocabKey, number> | undefined)[];
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
  }

  /** Counts the keys of one frame (every field's column must be present and of the right kind). */
  add(frame: Frame): this {
    validateFrame(frame);
    this.configs.forEach((f, i) => {
      const c = columnOf(frame, { name: f.name, kind: f.kind, column: f.column ?? f.name }, this.where);
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
    return Encoder.fromParts(this.configs, vocabs, this.where);
  }
}
