import { formatTick, type LinearScale } from './scale.js';

/** The plotting rectangle inside a canvas, in CSS pixels. */
export interface PlotArea {
  left: number;
  top: number;
  width: number;
  height: number;
}

/** Default margins leaving room for a title, tick labels and axis labels. */
export const MARGIN = { left: 56, right: 16, top: 28, bottom: 40 } as const;

/**
 * Sizes a canvas's backing store to its CSS box × devicePixelRatio and returns a context scaled so
 * drawing happens in CSS pixels, plus that box's width and height.
 */
export function prepareCanvas(canvas: HTMLCanvasElement): { ctx: CanvasRenderingContext2D; width: number; height: number } {
  const rect = canvas.getBoundingClientRect();
  const width = Math.max(50, Math.round(rect.width || canvas.width));
  const height = Math.max(50, Math.round(rect.height || canvas.height));
  const dpr = (typeof window !== 'undefined' && window.devicePixelRatio) || 1;
  if (canvas.width !== Math.round(width * dpr) || canvas.height !== Math.round(height * dpr)) {
    canvas.width = Math.round(width * dpr);
    canvas.height = Math.round(height * dpr);
  }
  const ctx = canvas.getContext('2d');
  if (!ctx) throw new Error('canvas: no 2d context');
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.clearRect(0, 0, width, height);
  ctx.font = '11px system-ui, sans-serif';
  return { ctx, width, height };
}

/**
 * The plot area of a `width × height` canvas with the given right margin (for legends/colour bars)
 * and bottom margin (smaller when there is no x-axis label).
 */
export function plotArea(width: number, height: number, right: number = MARGIN.right, bottom: number = MARGIN.bottom): PlotArea {
  return {
    left: MARGIN.left,
    top: MARGIN.top,
    width: Math.max(10, width - MARGIN.left - right),
    height: Math.max(10, height - MARGIN.top - bottom),
  };
}

/** An axis-aligned rectangle. */
export interface Rect {
  x: number;
  y: number;
  w: number;
  h: number;
}

/** True when two rectangles overlap. */
export function overlaps(a: Rect, b: Rect): boolean {
  return a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;
}

/**
 * Where to put a `w × h` legend inside `area`: the corner (top-right, top-left, bottom-right,
 * bottom-left, in that order of preference) covering the fewest of the given pixel points.
 */
export function legendCorner(area: PlotArea, w: number, h: number, points: readonly [number, number][], pad = 6): Rect {
  const right = area.left + area.width - w - pad;
  const left = area.left + pad;
  const top = area.top + pad;
  const bottom = area.top + area.height - h - pad;
  const candidates: Rect[] = [
    { x: right, y: top, w, h },
    { x: left, y: top, w, h },
    { x: right, y: bottom, w, h },
    { x: left, y: bottom, w, h },
  ];
  let best = candidates[0] as Rect;
  let bestCount = Infinity;
  for (const c of candidates) {
    let n = 0;
    for (const [px, py] of points) if (px >= c.x && px <= c.x + c.w && py >= c.y && py <= c.y + c.h) n++;
    if (n < bestCount) {
      bestCount = n;
      best = c;
    }
  }
  return best;
}

/** Draws the title centred above the plot. */
export function drawTitle(ctx: CanvasRenderingContext2D, width: number, title: string | undefined): void {
  if (!title) return;
  ctx.save();
  ctx.fillStyle = '#222';
  ctx.font = 'bold 12px system-ui, sans-serif';
  ctx.textAlign = 'center';
  ctx.textBaseline = 'top';
  ctx.fillText(title, width / 2, 6);
  ctx.restore();
}

/** Draws x/y axes with grid lines, tick labels and axis labels around `area`. */
export function drawAxes(
  ctx: CanvasRenderingContext2D,
  area: PlotArea,
  x: LinearScale,
  y: LinearScale,
  labels: { x?: string; y?: string } = {},
): void {
  ctx.save();
  ctx.strokeStyle = '#e3e3e3';
  ctx.fillStyle = '#444';
  ctx.lineWidth = 1;
  ctx.textAlign = 'right';
  ctx.textBaseline = 'middle';
  // About one tick per 28 px of height and 70 px of width keeps labels apart on small charts.
  for (const t of y.ticks(Math.max(3, Math.min(6, Math.floor(area.height / 28))))) {
    const py = Math.round(y(t)) + 0.5;
    ctx.beginPath();
    ctx.moveTo(area.left, py);
    ctx.lineTo(area.left + area.width, py);
    ctx.stroke();
    ctx.fillText(formatTick(t), area.left - 5, py);
  }
  ctx.textAlign = 'center';
  ctx.textBaseline = 'top';
  for (const t of x.ticks(Math.max(2, Math.min(8, Math.floor(area.width / 70))))) {
    const px = Math.round(x(t)) + 0.5;
    ctx.beginPath();
    ctx.moveTo(px, area.top);
    ctx.lineTo(px, area.top + area.height);
    ctx.stroke();
    ctx.fillText(formatTick(t), px, area.top + area.height + 4);
  }
  ctx.strokeStyle = '#555';
  ctx.beginPath();
  ctx.moveTo(area.left + 0.5, area.top);
  ctx.lineTo(area.left + 0.5, area.top + area.height + 0.5);
  ctx.lineTo(area.left + area.width, area.top + area.height + 0.5);
  ctx.stroke();
  if (labels.x) ctx.fillText(labels.x, area.left + area.width / 2, area.top + area.height + 20);
  if (labels.y) {
    ctx.translate(12, area.top + area.height / 2);
    ctx.rotate(-Math.PI / 2);
    ctx.textBaseline = 'middle';
    ctx.fillText(labels.y, 0, 0);
  }
  ctx.restore();
}

/** Writes a centred grey message in an empty chart ("no data yet"). */
export function drawEmpty(ctx: CanvasRenderingContext2D, width: number, height: number, message: string): void {
  ctx.save();
  ctx.fillStyle = '#888';
  ctx.textAlign = 'center';
  ctx.textBaseline = 'middle';
  ctx.fillText(message, width / 2, height / 2);
  ctx.restore();
}
