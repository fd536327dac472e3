import * as tf from '@tensorflow/tfjs';

/**
 * Checks `fieldDims` (one positive integer cardinality per field) and returns it as a fresh array.
 * @param owner the layer or function to name in the error message.
 */
export function checkFieldDims(owner: string, fieldDims: unknown): number[] {
  if (!Array.isArray(fieldDims) || fieldDims.length === 0) {
    throw new Error(`${owner}: fieldDims must be a non-empty array of positive integers, got ${JSON.stringify(fieldDims)}`);
  }
  fieldDims.forEach((d, f) => {
    if (typeof d !== 'number' || !Number.isInteger(d) || d <= 0) {
      throw new Error(`${owner}: fieldDims[${f}] must be a positive integer, got ${JSON.stringify(d)}`);
    }
  });
  return [...(fieldDims as number[])];
}

/**
 * Field offsets, the prefix sums of `fieldDims`: field f owns the global ids `[offsets[f], offsets[f] + fieldDims[f])`.
 * The result has `fieldDims.length + 1` entries; the last is the feature count n = Σ fieldDims.
 */
export function fieldOffsets(fieldDims: readonly number[]): number[] {
  const offsets = [0];
  let total = 0;
  for (const d of fieldDims) {
    total += d;
    offsets.push(total);
  }
  return offsets;
}

/** The feature count n = Σ fieldDims (the first dimension of every sparse table). */
export function featureCount(fieldDims: readonly number[]): number {
  return fieldDims.reduce((a, b) => a + b, 0);
}

/**
 * The constant table id → field, int32 `[n]`: entry i is the field that owns global id i.
 * The caller owns (and disposes) the tensor.
 */
export function idToFieldTable(fieldDims: readonly number[]): tf.Tensor1D {
  const table = new Int32Array(featureCount(fieldDims));
  let start = 0;
  fieldDims.forEach((d, f) => {
    table.fill(f, start, start + d);
    start += d;
  });
  return tf.tensor1d(table, 'int32');
}
