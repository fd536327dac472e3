import type * as tf from '@tensorflow/tfjs';
import type { SparseDataset } from '@fm/data';
import type { Task } from './losses.js';

/**
 * Checks that a dataset fits a model before any tensor is made, and returns the batch width to use.
 * Errors name the dataset (`what`), the row and the expected value: fieldDims that differ from the
 * model's (both listed), ids beyond the model's vocabulary, non-finite labels or values, binary labels
 * outside [0, 1], rows wider than a model with a fixed input width.
 */
export function checkDataset(
  model: tf.LayersModel | { readonly name: string },
  fieldDims: readonly number[],
  ds: SparseDataset,
  what: string,
  task: Task | undefined,
): number {
  const dsDims = ds.schema.fieldDims;
  const n = fieldDims.reduce((a, b) => a + b, 0);
  if (dsDims.length !== fieldDims.length || dsDims.some((d, i) => d !== fieldDims[i])) {
    throw new Error(
      `${what}: the dataset's schema has fieldDims [${dsDims.join(', ')}] (fields ${ds.schema.fields.map((f) => f.name).join(', ')}) ` +
        `but the model "${model.name}" was built for fieldDims [${fieldDims.join(', ')}]`,
    );
  }
  for (let r = 0; r < ds.numRows; r++) {
    const y = ds.labels[r] as number;
    if (!Number.isFinite(y)) throw new Error(`${what}: row ${r} has label ${y}, expected a finite number`);
    if (task === 'binary' && (y < 0 || y > 1)) throw new Error(`${what}: row ${r} has label ${y}, expected a binary label in [0, 1]`);
  }
  for (let r = 0; r < ds.numRows; r++) {
    for (let j = ds.offsets[r] as number; j < (ds.offsets[r + 1] as number); j++) {
      const id = ds.ids[j] as number;
      if (!(id >= 0 && id < n)) {
        throw new Error(`${what}: row ${r} has feature id ${id}, beyond the model's vocabulary [0, ${n})`);
      }
      const v = ds.values[j] as number;
      if (!Number.isFinite(v)) throw new Error(`${what}: row ${r} has feature value ${v} (id ${id}), expected a finite number`);
    }
  }
  const input = 'inputs' in model ? model.inputs[0] : undefined;
  const fixed = input?.shape[1];
  if (typeof fixed === 'number') {
    if (ds.maxRowLength > fixed) {
      throw new Error(`${what}: rows have up to ${ds.maxRowLength} features but the model "${model.name}" takes width ${fixed}`);
    }
    return fixed;
  }
  return Math.max(1, ds.maxRowLength);
}
