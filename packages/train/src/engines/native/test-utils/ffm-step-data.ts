import { datasetOf } from './brute-force.js';

/** Fields of {@link ffmStepData}. */
export const FFM_STEP_DIMS = [6, 5, 4, 7];

/**
 * Seven FFM rows for the step tests: one-hot rows, non-unit values, a repeated field (multi-hot), the same feature
 * twice, a single entry, fields out of order (the staging finds a field from the field starts when it is the
 * previous entry's or the next one, else from the field table); labels 1, 0, 1, 0, 1, 1, 0.
 */
export const ffmStepData = datasetOf(
  FFM_STEP_DIMS,
  [
    [[0, 1], [6, 1], [11, 1], [15, 1]],
    [[1, 0.5], [7, 1.5], [12, -1], [20, 2]],
    [[2, 1], [3, 0.25], [13, 1], [16, 0.75]],
    [[4, 1], [4, 1], [8, 2]],
    [[5, 3]],
    [[0, 1], [9, 1], [10, -0.5], [14, 1], [17, 1], [18, 1], [19, 0.3]],
    [[21, 1], [13, 0.5], [2, 1], [10, 2]],
  ],
  [1, 0, 1, 0, 1, 1, 0],
);
