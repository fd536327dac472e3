/** Formatting helpers for human output. */

// C0 controls but the newline, DEL, C1 controls, and the bidirectional overrides that reorder text.
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;

/**
 * Text from data files made safe for a terminal: control characters (ESC and OSC sequences, bells,
 * carriage returns, tabs) and bidirectional overrides are shown as escapes (`\x1b`, `\t`, `\u202e`)
 * instead of acting on the terminal. Newlines are kept.
 */
export function escapeControl(text: string): string {
  return text.replace(CONTROL, (c) => {
    if (c === '\t') return '\\t';
    if (c === '\r') return '\\r';
    const code = c.charCodeAt(0);
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
  });
}

/** Left/right aligned text table; numbers are right aligned. */
export function formatTable(header: readonly string[], rows: readonly (readonly (string | number)[])[]): string {
  const cells = [header.map(String), ...rows.map((r) => r.map((c) => (typeof c === 'number' ? fmtNum(c) : escapeControl(c))))];
  const isNum = (c: string | number | undefined) => typeof c === 'number' || (typeof c === 'string' && /^-?[\d,]*\.?\d+(e-?\d+)?%?$/.test(c));
  const numeric = header.map((_, j) => rows.length > 0 && rows.every((r) => isNum(r[j])));
  const widths = header.map((_, j) => Math.max(...cells.map((r) => (r[j] ?? '').length)));
  return cells
    .map((r) => r.map((c, j) => (numeric[j] ? c.padStart(widths[j] ?? 0) : c.padEnd(widths[j] ?? 0))).join('  ').trimEnd())
    .join('\n');
}

/** A number with at most 4 significant decimals; integers with thousands separators. */
export function fmtNum(x: number): string {
  if (Number.isInteger(x)) return x.toLocaleString('en-US');
  if (!Number.isFinite(x)) return String(x);
  const a = Math.abs(x);
  return a >= 100 ? x.toFixed(1) : a >= 1 ? x.toFixed(3) : x.toFixed(4);
}

/** `0.063` → `6.30%`. */
export function fmtPercent(x: number, digits = 2): string {
  return `${(x * 100).toFixed(digits)}%`;
}

/**
 * A horizontal text bar chart, one line per label: `  4 ██████████████ 34,174 (34.2%)`. Bars are
 * scaled so the largest count fills `width` cells.
 */
export function formatHistogram(entries: readonly { label: string; count: number }[], width = 40): string {
  const total = entries.reduce((s, e) => s + e.count, 0);
  const max = Math.max(0, ...entries.map((e) => e.count));
  const lw = Math.max(0, ...entries.map((e) => e.label.length));
  const cw = Math.max(0, ...entries.map((e) => e.count.toLocaleString('en-US').length));
  return entries
    .map((e) => {
      const n = max > 0 ? Math.round((e.count / max) * width) : 0;
      const bar = '█'.repeat(n).padEnd(width);
      const pct = total > 0 ? fmtPercent(e.count / total, 1) : '0.0%';
      return `  ${e.label.padStart(lw)} ${bar} ${e.count.toLocaleString('en-US').padStart(cw)} (${pct})`;
    })
    .join('\n');
}

/**
 * Histogram of labels: integers (ratings 1..5, 0/1 clicks) get one bin per value; other values
 * `bins` equal-width bins over [min, max].
 */
export function labelHistogram(labels: ArrayLike<number>, bins = 10): { label: string; count: number }[] {
  const n = labels.length;
  if (n === 0) return [];
  let allInt = true;
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < n; i++) {
    const v = labels[i] as number;
    if (!Number.isInteger(v)) allInt = false;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  if (allInt && hi - lo <= 20) {
    const counts = new Array<number>(hi - lo + 1).fill(0);
    for (let i = 0; i < n; i++) counts[(labels[i] as number) - lo]! += 1;
    return counts.map((count, j) => ({ label: String(lo + j), count }));
  }
  const w = (hi - lo) / bins || 1;
  const counts = new Array<number>(bins).fill(0);
  for (let i = 0; i < n; i++) counts[Math.min(bins - 1, Math.floor(((labels[i] as number) - lo) / w))]! += 1;
  return counts.map((count, j) => ({ label: `[${(lo + j * w).toFixed(2)},${(lo + (j + 1) * w).toFixed(2)})`, count }));
}
