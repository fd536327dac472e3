import { drawAxes, drawEmpty, drawTitle, legendCorner, plotArea, prepareCanvas } from './canvas.js';
import { seriesColor } from './color.js';
import { extent, linearScale, pad } from './scale.js';

/** One line: parallel x and y arrays (non-finite points break the line). */
export interface LineSeries {
  name: string;
  x: ArrayLike<number>;
  y: ArrayLike<number>;
  color?: string;
  dashed?: boolean;
  /** Draw a dot at every point (useful for few points, e.g. per-epoch validation). */
  markers?: boolean;
}

export interface LineChartOptions {
  title?: string;
  xLabel?: string;
  yLabel?: string;
  series: LineSeries[];
  /** Fixed y domain; by default the padded extent of all series. */
  yDomain?: [number, number];
  /** Legend inside the plot (default, in the emptiest corner), in a column on the right, or none. */
  legend?: 'inside' | 'right' | 'none';
  /** Shaded x ranges drawn behind the lines, labelled at the top (e.g. an MCMC burn-in). */
  bands?: { from: number; to: number; label: string }[];
}

/** The padded `[x, y]` domains covering every finite point of every series (undefined if none). */
export function lineChartDomains(series: readonly LineSeries[]): { x: [number, number]; y: [number, number] } | undefined {
  const xs: number[] = [];
  const ys: number[] = [];
  for (const s of series) {
    const n = Math.min(s.x.length, s.y.length);
    for (let i = 0; i < n; i++) {
      const xv = s.x[i] as number;
      const yv = s.y[i] as number;
      if (Number.isFinite(xv) && Number.isFinite(yv)) {
        xs.push(xv);
        ys.push(yv);
      }
    }
  }
  const ex = extent(xs);
  const ey = extent(ys);
  if (!ex || !ey) return undefined;
  return { x: ex[0] === ex[1] ? pad(ex) : ex, y: pad(ey, 0.06) };
}

/** Draws a multi-series line chart with axes, grid and a legend onto `canvas`. */
export function drawLineChart(canvas: HTMLCanvasElement, opts: LineChartOptions): void {
  const { ctx, width, height } = prepareCanvas(canvas);
  drawTitle(ctx, width, opts.title);
  const domains = lineChartDomains(opts.series);
  if (!domains) {
    drawEmpty(ctx, width, height, 'no data yet');
    return;
  }
  const legend = opts.legend ?? 'inside';
  const legendW = Math.max(0, ...opts.series.map((s) => ctx.measureText(s.name).width)) + 30;
  const area = plotArea(width, height, legend === 'right' ? legendW + 12 : undefined, opts.xLabel ? 40 : 22);
  const x = linearScale(domains.x, [area.left, area.left + area.width]);
  const y = linearScale(opts.yDomain ?? domains.y, [area.top + area.height, area.top]);
  drawAxes(ctx, area, x, y, { x: opts.xLabel, y: opts.yLabel });

  ctx.save();
  ctx.beginPath();
  ctx.rect(area.left, area.top, area.width, area.height);
  ctx.clip();
  for (const b of opts.bands ?? []) {
    const x0 = Math.max(area.left, x(b.from));
    const x1 = Math.min(area.left + area.width, x(b.to));
    if (!(x1 > x0)) continue;
    ctx.fillStyle = 'rgba(148,163,184,0.22)';
    ctx.fillRect(x0, area.top, x1 - x0, area.height);
    ctx.fillStyle = '#64748b';
    ctx.textBaseline = 'top';
    ctx.textAlign = 'left';
    ctx.fillText(b.label, x0 + 4, area.top + 4);
  }
  opts.series.forEach((s, si) => {
    const color = s.color ?? seriesColor(si);
    ctx.strokeStyle = color;
    ctx.fillStyle = color;
    ctx.lineWidth = 1.75;
    ctx.setLineDash(s.dashed ? [5, 4] : []);
    ctx.beginPath();
    let pen = false;
    const n = Math.min(s.x.length, s.y.length);
    for (let i = 0; i < n; i++) {
      const xv = s.x[i] as number;
      const yv = s.y[i] as number;
      if (!Number.isFinite(xv) || !Number.isFinite(yv)) {
        pen = false;
        continue;
      }
      if (pen) ctx.lineTo(x(xv), y(yv));
      else ctx.moveTo(x(xv), y(yv));
      pen = true;
    }
    ctx.stroke();
    ctx.setLineDash([]);
    if (s.markers || n === 1) {
      for (let i = 0; i < n; i++) {
        const xv = s.x[i] as number;
        const yv = s.y[i] as number;
        if (!Number.isFinite(xv) || !Number.isFinite(yv)) continue;
        ctx.beginPath();
        ctx.arc(x(xv), y(yv), 2.5, 0, 2 * Math.PI);
        ctx.fill();
      }
    }
  });
  ctx.restore();

  if (legend === 'none') return;
  // Legend inside the plot in the corner covering the fewest points, or right of the plot.
  ctx.save();
  const rowH = 14;
  const pts: [number, number][] = [];
  for (const s of opts.series) {
    const n = Math.min(s.x.length, s.y.length);
    for (let i = 0; i < n; i++) {
      const xv = s.x[i] as number;
      const yv = s.y[i] as number;
      if (Number.isFinite(xv) && Number.isFinite(yv)) pts.push([x(xv), y(yv)]);
    }
  }
  const boxH = rowH * opts.series.length + 4;
  const box =
    legend === 'right'
      ? { x: area.left + area.width + 8, y: area.top, w: legendW, h: boxH }
      : legendCorner(area, legendW + 4, boxH, pts);
  const lx = box.x + 4;
  const ly = box.y + 3;
  ctx.fillStyle = 'rgba(255,255,255,0.85)';
  ctx.fillRect(box.x, box.y, box.w, box.h);
  ctx.textBaseline = 'middle';
  ctx.textAlign = 'left';
  opts.series.forEach((s, si) => {
    const cy = ly + si * rowH + rowH / 2;
    ctx.strokeStyle = s.color ?? seriesColor(si);
    ctx.lineWidth = 2;
    ctx.setLineDash(s.dashed ? [4, 3] : []);
    ctx.beginPath();
    ctx.moveTo(lx, cy);
    ctx.lineTo(lx + 18, cy);
    ctx.stroke();
    ctx.setLineDash([]);
    ctx.fillStyle = '#222';
    ctx.fillText(s.name, lx + 22, cy);
  });
  ctx.restore();
}
