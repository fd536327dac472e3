/** An RGB triple, each channel an integer in [0, 255]. */
export type Rgb = readonly [number, number, number];

const NEG: Rgb = [33, 102, 172];
const MID: Rgb = [247, 247, 247];
const POS: Rgb = [178, 24, 43];

function mix(a: Rgb, b: Rgb, t: number): Rgb {
  return [
    Math.round(a[0] + (b[0] - a[0]) * t),
    Math.round(a[1] + (b[1] - a[1]) * t),
    Math.round(a[2] + (b[2] - a[2]) * t),
  ];
}

/**
 * Diverging blue–white–red colour for `t` in [-1, 1] (clamped): -1 blue, 0 white, +1 red;
 * used for factor heat maps, whose values are signed.
 */
export function divergingColor(t: number): Rgb {
  const c = Number.isFinite(t) ? Math.max(-1, Math.min(1, t)) : 0;
  return c < 0 ? mix(MID, NEG, -c) : mix(MID, POS, c);
}

/** CSS `rgb(r, g, b)` string of a colour. */
export function cssRgb(c: Rgb): string {
  return `rgb(${c[0]}, ${c[1]}, ${c[2]})`;
}

/** A qualitative palette for series (colour-blind-friendly, Okabe & Ito 2008). */
export const SERIES_COLORS: readonly string[] = [
  '#0072B2',
  '#D55E00',
  '#009E73',
  '#CC79A7',
  '#E69F00',
  '#56B4E9',
  '#000000',
  '#F0E442',
];

/** The i-th series colour, cycling. */
export function seriesColor(i: number): string {
  return SERIES_COLORS[((i % SERIES_COLORS.length) + SERIES_COLORS.length) % SERIES_COLORS.length] as string;
}
