/** A linear map from a data domain onto a pixel range, with its inverse and "nice" ticks. */
export interface LinearScale {
  (value: number): number;
  readonly domain: readonly [number, number];
  readonly range: readonly [number, number];
  /** Pixel → data value. */
  invert(pixel: number): number;
  /** About `count` round tick values inside the domain (see {@link niceTicks}). */
  ticks(count?: number): number[];
}

/**
 * `linearScale([d0, d1], [r0, r1])(v) = r0 + (v - d0) / (d1 - d0) * (r1 - r0)`.
 * A degenerate domain (d0 = d1) maps everything to the middle of the range.
 */
export function linearScale(domain: readonly [number, number], range: readonly [number, number]): LinearScale {
  const [d0, d1] = domain;
  const [r0, r1] = range;
  if (![d0, d1, r0, r1].every(Number.isFinite)) {
    throw new Error(`linearScale: domain [${d0}, ${d1}] and range [${r0}, ${r1}] must be finite`);
  }
  const span = d1 - d0;
  const f = ((v: number) => (span === 0 ? (r0 + r1) / 2 : r0 + ((v - d0) / span) * (r1 - r0))) as LinearScale;
  Object.assign(f, {
    domain: [d0, d1] as const,
    range: [r0, r1] as const,
    invert: (p: number) => (r1 === r0 ? d0 : d0 + ((p - r0) / (r1 - r0)) * span),
    ticks: (count = 5) => niceTicks(Math.min(d0, d1), Math.max(d0, d1), count),
  });
  return f;
}

/**
 * The tick step for about `count` intervals over `[min, max]`: 1, 2 or 5 times a power of ten
 * (Heckbert, "Nice numbers for graph labels", Graphics Gems 1990).
 */
export function niceStep(min: number, max: number, count = 5): number {
  const span = max - min;
  if (!(span > 0) || !Number.isFinite(span)) return 1;
  const raw = span / Math.max(1, count);
  const mag = 10 ** Math.floor(Math.log10(raw));
  const norm = raw / mag;
  const nice = norm < 1.5 ? 1 : norm < 3 ? 2 : norm < 7 ? 5 : 10;
  return nice * mag;
}

/** Multiples of {@link niceStep} inside `[min, max]` (inclusive, tolerant of rounding). */
export function niceTicks(min: number, max: number, count = 5): number[] {
  if (!Number.isFinite(min) || !Number.isFinite(max)) return [];
  if (min === max) return [min];
  const step = niceStep(min, max, count);
  const first = Math.ceil(min / step - 1e-9);
  const last = Math.floor(max / step + 1e-9);
  const out: number[] = [];
  for (let i = first; i <= last; i++) out.push(Number((i * step).toPrecision(12)));
  return out;
}

/** `[min, max]` of the finite values, or `undefined` when there are none. */
export function extent(values: Iterable<number>): [number, number] | undefined {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of values) {
    if (!Number.isFinite(v)) continue;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return lo <= hi ? [lo, hi] : undefined;
}

/** Widens `[lo, hi]` by `fraction` of its span on each side (a flat extent gets ±0.5 or ±|v|/10). */
export function pad(ext: readonly [number, number], fraction = 0.05): [number, number] {
  const [lo, hi] = ext;
  if (hi === lo) {
    const d = lo === 0 ? 0.5 : Math.abs(lo) / 10;
    return [lo - d, hi + d];
  }
  const d = (hi - lo) * fraction;
  return [lo - d, hi + d];
}

/** A compact label for a tick value: at most 4 significant digits, exponent form for tiny/huge values. */
export function formatTick(v: number): string {
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1e5 || a < 1e-3) return v.toExponential(1);
  return String(Number(v.toPrecision(4)));
}
