// Plain-JS brute-force references for the higher-order and field-pair layers: explicit loops over slot sets.
import { fieldOf } from './reference.js';

const dot = (a: number[], b: number[]) => a.reduce((s, x, c) => s + x * (b[c] as number), 0);

/** Σ over every set of `degree` distinct slots j₁<…<j_t of Σ_c Π_l p_{j_l,c} x_{j_l} (the ANOVA kernel). */
export function bruteForceAnova(emb: number[][], values: number[], degree: number): number {
  const k = (emb[0] as number[]).length;
  let total = 0;
  const walk = (start: number, left: number, prod: number[]) => {
    if (left === 0) {
      total += prod.reduce((a, b) => a + b, 0);
      return;
    }
    for (let j = start; j < emb.length; j++) {
      const x = values[j] as number;
      walk(j + 1, left - 1, prod.map((p, c) => p * ((emb[j] as number[])[c] as number) * x));
    }
  };
  walk(0, degree, new Array<number>(k).fill(1));
  return total;
}

/** Σ_{i<j<l} ⟨v_i ⊙ v_j, v_l⟩ x_i x_j x_l: the triple sum written out as three loops. */
export function bruteForceTriple(emb: number[][], values: number[]): number {
  let total = 0;
  const W = emb.length;
  for (let i = 0; i < W; i++) {
    for (let j = i + 1; j < W; j++) {
      for (let l = j + 1; l < W; l++) {
        const vi = emb[i] as number[];
        const vj = emb[j] as number[];
        const vl = emb[l] as number[];
        let s = 0;
        for (let c = 0; c < vi.length; c++) s += (vi[c] as number) * (vj[c] as number) * (vl[c] as number);
        total += s * (values[i] as number) * (values[j] as number) * (values[l] as number);
      }
    }
  }
  return total;
}

/** Σ_{i<j} r[f_i][f_j] ⟨v_i, v_j⟩ x_i x_j over the slots, f_i the field of slot i's id. */
export function bruteForceFwFM(fieldDims: number[], r: number[][], ids: number[], emb: number[][], values: number[]): number {
  let total = 0;
  for (let i = 0; i < ids.length; i++) {
    for (let j = i + 1; j < ids.length; j++) {
      const rij = (r[fieldOf(fieldDims, ids[i] as number)] as number[])[fieldOf(fieldDims, ids[j] as number)] as number;
      total += rij * dot(emb[i] as number[], emb[j] as number[]) * (values[i] as number) * (values[j] as number);
    }
  }
  return total;
}

/**
 * Σ_{i<j, f_i≠f_j} v_a M(f_a, f_b) v_bᵀ x_i x_j over the slots, where a is the slot of the lower field and
 * `M(f, g)` (f < g) returns the k×k matrix as rows.
 */
export function bruteForceFmFM(fieldDims: number[], M: (f: number, g: number) => number[][], ids: number[], emb: number[][], values: number[]): number {
  let total = 0;
  for (let i = 0; i < ids.length; i++) {
    for (let j = i + 1; j < ids.length; j++) {
      const fi = fieldOf(fieldDims, ids[i] as number);
      const fj = fieldOf(fieldDims, ids[j] as number);
      if (fi === fj) continue;
      const [a, b, f, g] = fi < fj ? [i, j, fi, fj] : [j, i, fj, fi];
      const m = M(f, g);
      const left = emb[a] as number[];
      const right = emb[b] as number[];
      let s = 0;
      for (let c = 0; c < left.length; c++) {
        for (let d = 0; d < right.length; d++) s += (left[c] as number) * ((m[c] as number[])[d] as number) * (right[d] as number);
      }
      total += s * (values[i] as number) * (values[j] as number);
    }
  }
  return total;
}
