// Internal input checks shared by the metrics and protocols. Not exported from the package.

/** Throws unless `a` and `b` have the same, non-zero length and every entry of both is finite. */
export function checkPaired(fn: string, aName: string, a: ArrayLike<number>, bName: string, b: ArrayLike<number>): void {
  if (a.length !== b.length) {
    throw new Error(`${fn}: ${aName} has ${a.length} entries but ${bName} has ${b.length}; they must be paired`);
  }
  if (a.length === 0) throw new Error(`${fn}: ${aName} and ${bName} are empty`);
  checkFinite(fn, aName, a);
  checkFinite(fn, bName, b);
}

/** Throws naming the first entry of `a` that is NaN or infinite. */
export function checkFinite(fn: string, name: string, a: ArrayLike<number>): void {
  for (let i = 0; i < a.length; i++) {
    const v = a[i] as number;
    if (!Number.isFinite(v)) throw new Error(`${fn}: ${name}[${i}] is ${v}, expected a finite number`);
  }
}

/** Throws unless every label is exactly 0 or 1. */
export function checkBinaryLabels(fn: string, labels: ArrayLike<number>): void {
  for (let i = 0; i < labels.length; i++) {
    const y = labels[i];
    if (y !== 0 && y !== 1) throw new Error(`${fn}: labels[${i}] is ${y}, expected 0 or 1`);
  }
}

/** Throws unless `k` is an integer ≥ 1. */
export function checkK(fn: string, k: number): void {
  if (!Number.isInteger(k) || k < 1) throw new Error(`${fn}: k must be an integer ≥ 1, got ${k}`);
}

/** Throws unless every entry of `ids` is an integer in [0, n). */
export function checkIds(fn: string, name: string, ids: ArrayLike<number>, n: number): void {
  for (let i = 0; i < ids.length; i++) {
    const v = ids[i] as number;
    if (!Number.isInteger(v) || v < 0 || v >= n) {
      throw new Error(`${fn}: ${name}[${i}] is ${v}, expected an integer id in [0, ${n})`);
    }
  }
}
