/** How a field turns raw values into features. */
export type FieldKind = 'categorical' | 'numeric' | 'multi-hot';

/**
 * One field of a sparse feature vector.
 *
 * - `categorical`: one active feature per row, value 1; `cardinality` counts the vocabulary
 *   including its out-of-vocabulary bucket.
 * - `numeric`: one feature whose value is the raw number; `cardinality` is 1.
 * - `multi-hot`: a bag of features with normalised weights (each row's weights sum to 1), as the
 *   "other movies rated" block in Rendle's FM paper (2010, fig. 1).
 */
export interface FieldSpec {
  /** Field name, unique within a schema. */
  readonly name: string;
  readonly kind: FieldKind;
  /** Number of feature ids this field owns (≥ 1). */
  readonly cardinality: number;
}

/**
 * An ordered list of fields and the one place that owns their offsets: feature ids are global,
 * field `f` owns ids `[offsets[f], offsets[f+1])`. Models size their tables from
 * {@link FieldSchema.fieldDims} and never recompute offsets.
 */
export class FieldSchema {
  readonly fields: readonly FieldSpec[];
  /** `offsets[f]` is the first global id of field f; `offsets[F]` is the total feature count. */
  readonly offsets: Int32Array;
  private readonly byName: Map<string, number>;

  constructor(fields: readonly FieldSpec[]) {
    if (fields.length === 0) throw new Error('FieldSchema: at least one field is required');
    this.fields = fields.map((f) => ({ ...f }));
    this.offsets = new Int32Array(fields.length + 1);
    this.byName = new Map();
    fields.forEach((f, i) => {
      if (!f.name) throw new Error(`FieldSchema: field ${i} has no name`);
      if (this.byName.has(f.name)) throw new Error(`FieldSchema: duplicate field name "${f.name}"`);
      if (!['categorical', 'numeric', 'multi-hot'].includes(f.kind)) {
        throw new Error(`FieldSchema: field "${f.name}" has kind "${String(f.kind)}", expected categorical | numeric | multi-hot`);
      }
      if (!Number.isInteger(f.cardinality) || f.cardinality < 1) {
        throw new Error(`FieldSchema: field "${f.name}" has cardinality ${f.cardinality}, expected an integer ≥ 1`);
      }
      this.byName.set(f.name, i);
      this.offsets[i + 1] = (this.offsets[i] as number) + f.cardinality;
    });
  }

  /** Number of fields F. */
  get numFields(): number {
    return this.fields.length;
  }

  /** Total number of features n = Σ cardinality. */
  get numFeatures(): number {
    return this.offsets[this.fields.length] as number;
  }

  /** Per-field cardinalities, the `fieldDims` every model takes. */
  get fieldDims(): number[] {
    return this.fields.map((f) => f.cardinality);
  }

  /** Index of a field by name; throws naming the known fields when absent. */
  fieldIndex(name: string): number {
    const i = this.byName.get(name);
    if (i === undefined) {
      throw new Error(`FieldSchema: no field "${name}" (fields: ${this.fields.map((f) => f.name).join(', ')})`);
    }
    return i;
  }

  /** Global feature id of local id `local` in field `field` (index or name). */
  globalId(field: number | string, local: number): number {
    const f = typeof field === 'number' ? field : this.fieldIndex(field);
    const spec = this.fields[f];
    if (!spec) throw new Error(`FieldSchema: field index ${f} out of range [0, ${this.numFields})`);
    if (!Number.isInteger(local) || local < 0 || local >= spec.cardinality) {
      throw new Error(`FieldSchema: id ${local} out of range [0, ${spec.cardinality}) for field "${spec.name}"`);
    }
    return (this.offsets[f] as number) + local;
  }

  /** Field index owning global feature id `id` (binary search over offsets). */
  fieldOf(id: number): number {
    if (id < 0 || id >= this.numFeatures) {
      throw new Error(`FieldSchema: feature id ${id} out of range [0, ${this.numFeatures})`);
    }
    let lo = 0;
    let hi = this.numFields - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((this.offsets[mid] as number) <= id) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  /** A table from global feature id to field index, `[numFeatures]`. */
  featureFieldTable(): Int32Array {
    const t = new Int32Array(this.numFeatures);
    for (let f = 0; f < this.numFields; f++) t.fill(f, this.offsets[f], this.offsets[f + 1]);
    return t;
  }

  /** True when two schemas have the same fields in the same order. */
  equals(other: FieldSchema): boolean {
    return (
      this.numFields === other.numFields &&
      this.fields.every((f, i) => {
        const o = other.fields[i];
        return o !== undefined && o.name === f.name && o.kind === f.kind && o.cardinality === f.cardinality;
      })
    );
  }

  toJSON(): { fields: FieldSpec[] } {
    return { fields: this.fields.map((f) => ({ name: f.name, kind: f.kind, cardinality: f.cardinality })) };
  }

  static fromJSON(json: unknown): FieldSchema {
    const fields = (json as { fields?: unknown })?.fields;
    if (!Array.isArray(fields)) throw new Error('FieldSchema.fromJSON: expected an object with a "fields" array');
    return new FieldSchema(fields as FieldSpec[]);
  }
}

/**
 * Where each feature of `from` lives in `to`, a schema grown from it (a warm start: the same
 * fields in the same order, each with at least as many ids, new ids appended at the end of each
 * field): `map[oldGlobalId] = newGlobalId`, `[from.numFeatures]`. Copy a model's rows through it
 * and initialise the rows of new ids fresh. Throws naming the first field that does not match.
 */
export function schemaGrowthMap(from: FieldSchema, to: FieldSchema): Int32Array {
  if (from.numFields !== to.numFields) {
    throw new Error(`schemaGrowthMap: ${from.numFields} fields before, ${to.numFields} after; a grown schema keeps its fields`);
  }
  const map = new Int32Array(from.numFeatures);
  from.fields.forEach((f, i) => {
    const g = to.fields[i] as FieldSpec;
    if (g.name !== f.name || g.kind !== f.kind) {
      throw new Error(`schemaGrowthMap: field ${i} is "${f.name}" (${f.kind}) before and "${g.name}" (${g.kind}) after`);
    }
    if (g.cardinality < f.cardinality) {
      throw new Error(`schemaGrowthMap: field "${f.name}" shrank from ${f.cardinality} to ${g.cardinality} ids`);
    }
    const a = from.offsets[i] as number;
    const shift = (to.offsets[i] as number) - a;
    for (let j = 0; j < f.cardinality; j++) map[a + j] = a + j + shift;
  });
  return map;
}
