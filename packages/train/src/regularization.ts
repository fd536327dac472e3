import * as tf from '@tensorflow/tfjs';
import type { ParameterGroup } from '@fm/layers';

/** Parameter groups, as `parameterGroup` in `@fm/layers` reports them (the type lives there). */
export type { ParameterGroup };

/** The four groups, in a fixed order. */
export const PARAMETER_GROUPS: readonly ParameterGroup[] = ['bias', 'linear', 'factors', 'dense'];

/**
 * L2 strength λ: one number for every group, or one per group (like libFM's `-regular r0,r1,r2`);
 * an omitted group gets 0.
 */
export type L2Option = number | Partial<Record<ParameterGroup, number>>;

/** Resolves an {@link L2Option} to one non-negative λ per group; throws on a negative or non-finite value. */
export function resolveL2(l2: L2Option | undefined): Record<ParameterGroup, number> {
  const out: Record<ParameterGroup, number> = { bias: 0, linear: 0, factors: 0, dense: 0 };
  if (l2 === undefined) return out;
  if (typeof l2 === 'number') {
    for (const g of PARAMETER_GROUPS) out[g] = l2;
  } else {
    for (const [k, v] of Object.entries(l2)) {
      if (!PARAMETER_GROUPS.includes(k as ParameterGroup)) {
        throw new Error(`l2: unknown parameter group "${k}", expected one of ${PARAMETER_GROUPS.join(', ')}`);
      }
      out[k as ParameterGroup] = v ?? 0;
    }
  }
  for (const g of PARAMETER_GROUPS) {
    if (!Number.isFinite(out[g]) || out[g] < 0) throw new Error(`l2: λ for group "${g}" is ${out[g]}, expected a finite number ≥ 0`);
  }
  return out;
}

/**
 * The regulariser the trainer minimises together with the mean data loss:
 *
 * `R = ½ Σ_dense λ_g ‖W‖² + (1/B) Σ_b Σ_{j ∈ x_b} ½ λ_g ‖T[j]‖²`
 *
 * i.e. dense weights are penalised once per step and each sparse-table row once per example that
 * uses it (padding slots, id 0 with value 0, excluded) — the per-example regularisation of libFM's
 * SGD (Rendle 2012, "Factorization Machines with libFM", eq. 21), so the strength does not depend on
 * the batch size and rows a batch does not touch are not decayed.
 *
 * @param dense dense weights with their group.
 * @param tables sparse tables `[n, …]` with their group.
 * @param ids `[B * W]` batch feature ids; `values` `[B * W]` their values; `batchSize` B.
 * @returns a scalar tensor.
 */
export function l2Penalty(
  dense: readonly { value: tf.Tensor; group: ParameterGroup }[],
  tables: readonly { value: tf.Tensor; group: ParameterGroup }[],
  ids: Int32Array,
  values: Float32Array,
  batchSize: number,
  l2: L2Option,
): tf.Scalar {
  const lambda = resolveL2(l2);
  return tf.tidy(() => {
    let total: tf.Tensor = tf.scalar(0);
    for (const d of dense) total = tf.add(total, tf.mul(0.5 * lambda[d.group], tf.sum(tf.square(d.value))));
    const { unique, counts } = touchedRows(ids, values);
    if (unique.length > 0) {
      const idx = tf.tensor1d(unique, 'int32');
      const w = tf.tensor1d(Float32Array.from(counts, (c) => c / batchSize));
      for (const t of tables) {
        const rows = tf.gather(t.value, idx).reshape([unique.length, -1]);
        total = tf.add(total, tf.mul(0.5 * lambda[t.group], tf.sum(tf.mul(tf.sum(tf.square(rows), 1), w))));
      }
    }
    return total as tf.Scalar;
  });
}

/**
 * The distinct feature ids of a batch in ascending order, with how many non-padding slots use each
 * (padding = id 0 with value 0 counts 0, but id 0 is still listed when present).
 */
export function touchedRows(ids: Int32Array, values: Float32Array): { unique: Int32Array; counts: Int32Array } {
  const sorted = Int32Array.from(ids).sort();
  let u = 0;
  for (let i = 0; i < sorted.length; i++) if (i === 0 || sorted[i] !== sorted[i - 1]) u++;
  const unique = new Int32Array(u);
  u = 0;
  for (let i = 0; i < sorted.length; i++) if (i === 0 || sorted[i] !== sorted[i - 1]) unique[u++] = sorted[i] as number;
  const counts = new Int32Array(unique.length);
  for (let i = 0; i < ids.length; i++) {
    const id = ids[i] as number;
    if (id === 0 && values[i] === 0) continue;
    // binary search: unique is sorted
    let lo = 0;
    let hi = unique.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((unique[mid] as number) < id) lo = mid + 1;
      else hi = mid;
    }
    counts[lo] = (counts[lo] as number) + 1;
  }
  return { unique, counts };
}

/**
 * The (feature, field) blocks of a field-aware table that a batch uses, with how many pairs use each:
 * a pair of non-padding slots (j, l) in one row uses blocks `id_j·F + field(id_l)` and
 * `id_l·F + field(id_j)` (Juan et al. 2016: v_{j,f_l} and v_{l,f_j}). Padding = id 0 with value 0.
 * @param ids `[rows·width]` ids; `values` likewise.
 * @returns ascending block ids and their pair counts.
 */
export function touchedBlocks(
  ids: Int32Array,
  values: Float32Array,
  rows: number,
  width: number,
  fieldOf: Int32Array,
  F: number,
): { unique: Int32Array; counts: Int32Array } {
  const units: number[] = [];
  for (let b = 0; b < rows; b++) {
    const o = b * width;
    for (let j = 0; j < width; j++) {
      const a = ids[o + j] as number;
      if (a === 0 && values[o + j] === 0) continue;
      for (let l = j + 1; l < width; l++) {
        const c = ids[o + l] as number;
        if (c === 0 && values[o + l] === 0) continue;
        units.push(a * F + (fieldOf[c] as number), c * F + (fieldOf[a] as number));
      }
    }
  }
  const sorted = Float64Array.from(units).sort();
  let u = 0;
  for (let i = 0; i < sorted.length; i++) if (i === 0 || sorted[i] !== sorted[i - 1]) u++;
  const unique = new Int32Array(u);
  const counts = new Int32Array(u);
  u = -1;
  for (let i = 0; i < sorted.length; i++) {
    if (i === 0 || sorted[i] !== sorted[i - 1]) unique[++u] = sorted[i] as number;
    counts[u] = (counts[u] as number) + 1;
  }
  return { unique, counts };
}
