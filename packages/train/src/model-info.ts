import type * as tf from '@tensorflow/tfjs';
import { modelFieldDims, modelKind, parameterGroup, sparseTables } from '@fm/layers';
import type { ParameterGroup } from './regularization.js';

/** One trainable weight of a model, as the trainer sees it. */
export interface TrainableParam {
  /** The layer weight. */
  readonly weight: tf.LayerVariable;
  /** Its parameter group (selects its L2 strength). */
  readonly group: ParameterGroup;
  /** True for a sparse table `[n, …]` indexed by global feature id: only touched rows are updated. */
  readonly sparse: boolean;
  /** Its shape. */
  readonly shape: number[];
  /** Scalars per row (product of the shape after the first axis; 1 for a vector). */
  readonly rowSize: number;
  /**
   * Field-aware tables (FFM's `[n, F·k]`): F, the number of (feature, field) blocks per row. The
   * trainer then treats each block as the unit of lazy updates and L2, as libffm does: a block
   * changes only when an example has a pair that uses it.
   */
  readonly fieldBlocks?: number;
}

/** What the trainer needs to know about a model, read once through `@fm/layers`. */
export interface ModelInfo {
  readonly params: TrainableParam[];
  /** Per-field cardinalities the model was built for. */
  readonly fieldDims: number[];
  /** Total feature count n = Σ fieldDims. */
  readonly numFeatures: number;
  /** Model family ('fm', 'ffm', …). */
  readonly kind: string;
}

/** Inspects a `@fm/layers` model: its trainable weights, their groups, which are sparse tables, its fieldDims. */
export function inspectModel(model: tf.LayersModel): ModelInfo {
  const tables = new Set<tf.LayerVariable>(sparseTables(model));
  const fieldDims = [...modelFieldDims(model)];
  const fieldAware = new Set<tf.LayerVariable>(
    model.layers.filter((l) => l.getClassName() === 'FieldAwareFactorizationMachine').flatMap((l) => l.trainableWeights),
  );
  const params = model.trainableWeights.map((weight): TrainableParam => {
    const shape = [...weight.shape] as number[];
    const rowSize = shape.slice(1).reduce((a, b) => a * b, 1);
    const p = { weight, group: parameterGroup(weight), sparse: tables.has(weight), shape, rowSize };
    return fieldAware.has(weight) && tables.has(weight) ? { ...p, fieldBlocks: fieldDims.length } : p;
  });
  return { params, fieldDims, numFeatures: fieldDims.reduce((a, b) => a + b, 0), kind: modelKind(model) ?? 'unknown' };
}
