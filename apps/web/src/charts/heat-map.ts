import { drawEmpty, drawTitle, plotArea, prepareCanvas } from './canvas.js';
import { cssRgb, divergingColor } from './color.js';
import { formatTick, linearScale } from './scale.js';

export interface HeatMapOptions {
  /** Row-major `[rows, cols]` values. */
  values: ArrayLike<number>;
  rows: number;
  cols: number;
  title?: string;
  xLabel?: string;
  yLabel?: string;
}

/** The symmetric colour limit: max |v| over finite values (1 when all are 0 or none are finite). */
export function heatMapLimit(values: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < values.length; i++) {
    const v = Math.abs(values[i] as number);
    if (Number.isFinite(v) && v > m) m = v;
  }
  return m > 0 ? m : 1;
}

/**
 * Draws a `[rows, cols]` matrix as coloured cells (blue negative, white 0, red positive, scaled by
 * {@link heatMapLimit}) with a labelled colour bar on the right.
 */
export function drawHeatMap(canvas: HTMLCanvasElement, opts: HeatMapOptions): void {
  const { ctx, width, height } = prepareCanvas(canvas);
  drawTitle(ctx, width, opts.title);
  const { rows, cols, values } = opts;
  if (rows <= 0 || cols <= 0 || values.length < rows * cols) {
    drawEmpty(ctx, width, height, 'no factors yet');
    return;
  }
  const area = plotArea(width, height, 70);
  const limit = heatMapLimit(values);
  const cw = area.width / cols;
  const ch = area.height / rows;
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      ctx.fillStyle = cssRgb(divergingColor((values[r * cols + c] as number) / limit));
      ctx.fillRect(area.left + c * cw, area.top + r * ch, Math.ceil(cw), Math.ceil(ch));
    }
  }
  ctx.strokeStyle = '#555';
  ctx.strokeRect(area.left + 0.5, area.top + 0.5, area.width, area.height);

  // Axis labels with a few index ticks.
  ctx.fillStyle = '#444';
  ctx.textAlign = 'center';
  ctx.textBaseline = 'top';
  const colTicks = linearScale([0, cols - 1], [0, 1]).ticks(Math.min(cols, 6)).filter(Number.isInteger);
  for (const t of colTicks) ctx.fillText(String(t), area.left + (t + 0.5) * cw, area.top + area.height + 4);
  if (opts.xLabel) ctx.fillText(opts.xLabel, area.left + area.width / 2, area.top + area.height + 20);
  ctx.textAlign = 'right';
  ctx.textBaseline = 'middle';
  const rowTicks = linearScale([0, rows - 1], [0, 1]).ticks(Math.min(rows, 6)).filter(Number.isInteger);
  for (const t of rowTicks) ctx.fillText(String(t), area.left - 5, area.top + (t + 0.5) * ch);
  if (opts.yLabel) {
    ctx.save();
    ctx.translate(12, area.top + area.height / 2);
    ctx.rotate(-Math.PI / 2);
    ctx.textAlign = 'center';
    ctx.fillText(opts.yLabel, 0, 0);
    ctx.restore();
  }

  // Colour bar.
  const bx = area.left + area.width + 16;
  const bw = 12;
  const steps = 64;
  for (let i = 0; i < steps; i++) {
    const t = 1 - (2 * i) / (steps - 1);
    ctx.fillStyle = cssRgb(divergingColor(t));
    ctx.fillRect(bx, area.top + (i * area.height) / steps, bw, Math.ceil(area.height / steps));
  }
  ctx.strokeRect(bx + 0.5, area.top + 0.5, bw, area.height);
  const bar = linearScale([-limit, limit], [area.top + area.height, area.top]);
  ctx.textAlign = 'left';
  for (const t of bar.ticks(4)) ctx.fillText(formatTick(t), bx + bw + 4, bar(t));
}
