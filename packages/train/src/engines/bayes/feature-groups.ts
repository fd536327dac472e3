import type { FieldSchema } from '@fm/data';

/**
 * How features share prior hyperparameters (libFM's `-meta` grouping; Rendle, "Factorization
 * Machines with libFM", ACM TIST 2012, §4.3): `'fields'` gives each field of the schema its own
 * (μ, λ) for w and for every factor column of V; `'one'` shares one set across all features;
 * an `Int32Array` of length n gives each feature's group index (0-based, dense).
 */
export type FeatureGrouping = 'fields' | 'one' | Int32Array;

/** A resolved {@link FeatureGrouping}. */
export interface FeatureGroups {
  /** Number of groups G. */
  count: number;
  /** `[n]` group index of each feature. */
  groupOf: Int32Array;
  /** `[G]` number of features in each group. */
  sizes: Int32Array;
}

/** Resolves a grouping over `schema`'s features; throws on an explicit map of the wrong size or with gaps. */
export function resolveFeatureGroups(schema: FieldSchema, grouping: FeatureGrouping): FeatureGroups {
  const n = schema.numFeatures;
  let groupOf: Int32Array;
  if (grouping === 'fields') groupOf = schema.featureFieldTable();
  else if (grouping === 'one') groupOf = new Int32Array(n);
  else if (grouping instanceof Int32Array) {
    if (grouping.length !== n) throw new Error(`feature groups: got ${grouping.length} entries, expected one per feature (${n})`);
    groupOf = grouping.slice();
  } else {
    throw new Error(`feature groups: expected 'fields', 'one' or an Int32Array, got ${String(grouping)}`);
  }
  let count = 0;
  for (let i = 0; i < n; i++) {
    const g = groupOf[i] as number;
    if (g < 0) throw new Error(`feature groups: feature ${i} has group ${g}, expected ≥ 0`);
    if (g + 1 > count) count = g + 1;
  }
  const sizes = new Int32Array(count);
  for (let i = 0; i < n; i++) {
    const g = groupOf[i] as number;
    sizes[g] = (sizes[g] as number) + 1;
  }
  for (let g = 0; g < count; g++) {
    if (sizes[g] === 0) throw new Error(`feature groups: group ${g} has no feature (groups must be numbered 0..G-1 without gaps)`);
  }
  return { count, groupOf, sizes };
}
