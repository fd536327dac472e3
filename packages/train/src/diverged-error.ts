import type { SparseDataset } from '@fm/data';

/** Feature values above this size (in absolute value) are named when training diverges. */
const LARGE_VALUE = 4;

/**
 * The error of a training pass whose loss stopped being finite: says when, the learning rate to lower, and — when
 * the rows hold large feature values (an unscaled numeric column: age, price, counts) — the largest one and its
 * field, since FM-family pair terms grow with xᵢxⱼ and such a field is the usual cause.
 * @param loss the non-finite loss; @param rows positive rows done in the pass; @param data the rows trained on.
 */
export function divergedError(loss: number, rows: number, learningRate: number, data: SparseDataset): Error {
  const { values, ids } = data;
  let at = -1;
  let max = LARGE_VALUE;
  for (let j = 0; j < values.length; j++) {
    const v = Math.abs(values[j] as number);
    if (v > max) {
      max = v;
      at = j;
    }
  }
  let hint = '';
  if (at >= 0) {
    const field = data.schema.fields[data.schema.fieldOf(ids[at] as number)]?.name ?? '?';
    hint = `, or scale field "${field}": its values reach ${Number(max.toPrecision(4))}, and the pair terms grow with the product of two values (scale numeric fields into about [-1, 1]: an encoder field's scale 'minmax' or 'standard', scale=minmax in a CSV column spec)`;
  }
  return new Error(`the training loss became ${loss} after ${rows} rows of the epoch — lower the learning rate (now ${learningRate})${hint}`);
}
