/**
 * FM parameters as flat arrays in the layout of `NativeParams` (`bias` `[1]`, `linear` `[n]`,
 * `factors` `[n*k]` row-major vᵢ): Float64 for the chain's current state, Float32 for kept samples.
 */
export interface FmArrays {
  bias: Float64Array | Float32Array;
  linear: Float64Array | Float32Array;
  factors: Float64Array | Float32Array;
}

/** The CSR features of a set of rows (a `SparseDataset`'s arrays). */
export interface CsrRows {
  offsets: Int32Array;
  ids: Int32Array;
  values: Float32Array;
}

/**
 * Parts of the rows summed elsewhere, once per key (relational blocks, relational-block.ts): for each part t, row r
 * adds the key `keyOf[t][r]`'s linear-and-inner term `y[t][key]` and factor sums `qb[t][key·k + f]`.
 */
export interface KeyedParts {
  keyOf: Int32Array[];
  y: Float64Array[];
  qb: Float64Array[];
}

/**
 * The FM score of every row, ŷ(x) = w₀ + Σᵢ wᵢxᵢ + ½ Σ_f [(Σᵢ v_if xᵢ)² − Σᵢ v_if² xᵢ²]
 * (Rendle, "Factorization Machines", ICDM 2010, eq. 5), O(k·nnz). When `q` is given
 * (`[rows * k]`) it receives q_f(x) = Σᵢ v_if xᵢ per row and factor, the cache of the
 * coordinate-wise solvers (Rendle, ACM TIST 2012, §4.2), row-major at `q[r * k + f]`. With `keyed`, each row's
 * keyed parts join its own entries: their y adds to ŷ, their factor sums to q_f (and their squares to the Σ v² x²
 * term, so the pairs inside a part are the part's own, already in y).
 * @param out `[rows]` receives ŷ.
 * @param scratch `[2k]` work space.
 */
export function forwardRows(
  p: FmArrays,
  k: number,
  rows: CsrRows,
  out: Float64Array,
  scratch: Float64Array,
  q?: Float64Array,
  keyed?: KeyedParts,
): void {
  const { offsets, ids, values } = rows;
  const n = out.length;
  const w0 = p.bias[0] as number;
  const w = p.linear;
  const v = p.factors;
  for (let r = 0; r < n; r++) {
    const qo = r * k;
    const a = offsets[r] as number;
    const b = offsets[r + 1] as number;
    let y = w0;
    for (let f = 0; f < 2 * k; f++) scratch[f] = 0;
    for (let j = a; j < b; j++) {
      const id = ids[j] as number;
      const x = values[j] as number;
      y += (w[id] as number) * x;
      const base = id * k;
      for (let f = 0; f < k; f++) {
        const vx = (v[base + f] as number) * x;
        scratch[f] = (scratch[f] as number) + vx;
        scratch[k + f] = (scratch[k + f] as number) + vx * vx;
      }
    }
    for (let t = 0; keyed !== undefined && t < keyed.keyOf.length; t++) {
      const u = (keyed.keyOf[t] as Int32Array)[r] as number;
      const qb = keyed.qb[t] as Float64Array;
      y += (keyed.y[t] as Float64Array)[u] as number;
      for (let f = 0; f < k; f++) {
        const qbf = qb[u * k + f] as number;
        scratch[f] = (scratch[f] as number) + qbf;
        scratch[k + f] = (scratch[k + f] as number) + qbf * qbf;
      }
    }
    let pair = 0;
    for (let f = 0; f < k; f++) {
      const s = scratch[f] as number;
      pair += s * s - (scratch[k + f] as number);
      if (q) q[qo + f] = s;
    }
    out[r] = y + 0.5 * pair;
  }
}
