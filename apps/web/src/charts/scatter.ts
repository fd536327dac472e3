import { drawAxes, drawEmpty, drawTitle, overlaps, plotArea, prepareCanvas, type Rect } from './canvas.js';
import { extent, linearScale, pad } from './scale.js';

export interface ScatterOptions {
  x: ArrayLike<number>;
  y: ArrayLike<number>;
  title?: string;
  xLabel?: string;
  yLabel?: string;
  /** Per-point labels, drawn for the highlighted points. */
  labels?: readonly string[];
  /** Indices drawn larger, in the accent colour, with their label. */
  highlight?: readonly number[];
  /** Per-point fill colours (default blue). */
  colors?: readonly string[];
}

/** Draws a scatter plot; highlighted points are labelled. */
export function drawScatter(canvas: HTMLCanvasElement, opts: ScatterOptions): void {
  const { ctx, width, height } = prepareCanvas(canvas);
  drawTitle(ctx, width, opts.title);
  const n = Math.min(opts.x.length, opts.y.length);
  const ex = extent(Array.from({ length: n }, (_, i) => opts.x[i] as number));
  const ey = extent(Array.from({ length: n }, (_, i) => opts.y[i] as number));
  if (!ex || !ey) {
    drawEmpty(ctx, width, height, 'no points yet');
    return;
  }
  const area = plotArea(width, height);
  const x = linearScale(pad(ex), [area.left, area.left + area.width]);
  const y = linearScale(pad(ey), [area.top + area.height, area.top]);
  drawAxes(ctx, area, x, y, { x: opts.xLabel, y: opts.yLabel });
  const hl = new Set(opts.highlight ?? []);
  ctx.save();
  for (let i = 0; i < n; i++) {
    if (hl.has(i)) continue;
    ctx.fillStyle = opts.colors?.[i] ?? 'rgba(0, 114, 178, 0.55)';
    ctx.beginPath();
    ctx.arc(x(opts.x[i] as number), y(opts.y[i] as number), 2.5, 0, 2 * Math.PI);
    ctx.fill();
  }
  ctx.textBaseline = 'bottom';
  // Labels go right of their point, or left when they would leave the canvas; a label that would
  // overlap one already drawn is left out (its point stays highlighted).
  const placed: Rect[] = [];
  for (const i of hl) {
    if (i < 0 || i >= n) continue;
    const px = x(opts.x[i] as number);
    const py = y(opts.y[i] as number);
    ctx.fillStyle = '#D55E00';
    ctx.beginPath();
    ctx.arc(px, py, 4.5, 0, 2 * Math.PI);
    ctx.fill();
    const raw = opts.labels?.[i];
    if (!raw) continue;
    const label = raw.length > 28 ? `${raw.slice(0, 27)}…` : raw;
    const w = ctx.measureText(label).width;
    const flip = px + 6 + w > width - 2;
    const rect: Rect = { x: flip ? px - 6 - w : px + 6, y: py - 14, w, h: 13 };
    if (placed.some((r) => overlaps(r, rect))) continue;
    placed.push(rect);
    ctx.fillStyle = 'rgba(255,255,255,0.75)';
    ctx.fillRect(rect.x - 1, rect.y, rect.w + 2, rect.h);
    ctx.fillStyle = '#222';
    ctx.textAlign = 'left';
    ctx.fillText(label, rect.x, py - 2);
  }
  ctx.restore();
}
