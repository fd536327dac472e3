/** A right-aligned plain-text table of rows (numbers grouped, 4 significant digits below 100). */
export function formatTable(rows: Record<string, unknown>[]): string {
  if (rows.length === 0) return '(no rows)';
  const cols = [...new Set(rows.flatMap((r) => Object.keys(r)))];
  const cell = (v: unknown): string => {
    if (typeof v === 'number') {
      if (!Number.isFinite(v)) return String(v);
      if (Number.isInteger(v)) return v.toLocaleString('en-US');
      return Math.abs(v) >= 100 ? Math.round(v).toLocaleString('en-US') : v.toPrecision(4);
    }
    return v === undefined || v === null ? '' : String(v);
  };
  const cells = rows.map((r) => cols.map((c) => cell(r[c])));
  const widths = cols.map((c, i) => Math.max(c.length, ...cells.map((row) => (row[i] ?? '').length)));
  const line = (vals: string[]) => vals.map((v, i) => v.padStart(widths[i] ?? 0)).join('  ');
  return [line(cols), line(widths.map((w) => '-'.repeat(w))), ...cells.map(line)].join('\n');
}
