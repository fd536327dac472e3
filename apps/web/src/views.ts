import * as tf from '@tensorflow/tfjs';
import { seriesColor } from './charts/color.js';
import { drawHeatMap } from './charts/heat-map.js';
import { drawLineChart, type LineSeries } from './charts/line-chart.js';
import { drawScatter } from './charts/scatter.js';
import { catalogItemFactors } from './explore.js';
import { pca2 } from './pca.js';
import type { PreparedData } from './prepare.js';
import type { EpochSnapshot } from './session.js';

/** Rows of V shown in the heat map. */
const HEATMAP_ROWS = 40;

/** A factor matrix read back from the model, row-major. */
export interface FactorMatrix {
  values: Float32Array;
  rows: number;
  cols: number;
  /** Dense item index (or feature id) of each row. */
  labels: string[];
}

/**
 * The factor vectors to visualise: the catalog's item factors when the data has items, else the
 * first rows of the model's factor table ('embedding'). Read back asynchronously (`data()`): on
 * WebGPU, tfjs's synchronous read goes through a canvas, which in headless Chromium (SwiftShader)
 * kills the GPU process and with it the device (see README, "WebGPU and WebGL").
 */
export async function readFactors(model: tf.LayersModel, prepared: PreparedData): Promise<FactorMatrix | undefined> {
  if (prepared.catalog) {
    const t = catalogItemFactors(model, prepared);
    const [rows, cols] = t.shape;
    const values = await readAndDispose(t);
    return { values, rows, cols, labels: prepared.catalog.itemNames };
  }
  const table = model.weights.find((w) => /(^|\/)embedding(_\d+)?$/.test(w.name) || w.name.endsWith('/embedding'));
  if (!table || table.shape.length !== 2) return undefined;
  const rows = Math.min(table.shape[0] as number, 200);
  const cols = table.shape[1] as number;
  const values = await readAndDispose(tf.tidy(() => tf.slice(table.read(), [0, 0], [rows, cols])));
  return { values, rows, cols, labels: Array.from({ length: rows }, (_, i) => `feature ${i}`) };
}

async function readAndDispose(t: tf.Tensor): Promise<Float32Array> {
  try {
    return (await t.data()) as Float32Array;
  } finally {
    t.dispose();
  }
}

/** The four live charts: losses, bias/coefficients, V heat map and the PCA of item factors. */
export class LiveViews {
  private history: EpochSnapshot[] = [];
  /** Per-batch training loss, x = fractional epoch. */
  private batchX: number[] = [];
  private batchY: number[] = [];

  constructor(
    private readonly canvases: {
      loss: HTMLCanvasElement;
      bias: HTMLCanvasElement;
      coef: HTMLCanvasElement;
      heat: HTMLCanvasElement;
      pca: HTMLCanvasElement;
    },
  ) {}

  reset(): void {
    this.history = [];
    this.batchX = [];
    this.batchY = [];
    this.drawLoss();
    this.drawCoefficients();
    drawHeatMap(this.canvases.heat, { values: [], rows: 0, cols: 0, title: 'Factors V' });
    drawScatter(this.canvases.pca, { x: [], y: [], title: 'Item factors, PCA' });
  }

  addBatch(epochFraction: number, loss: number): void {
    this.batchX.push(epochFraction);
    this.batchY.push(loss);
  }

  addEpoch(s: EpochSnapshot): void {
    this.history.push(s);
  }

  drawLoss(): void {
    const series: LineSeries[] = [
      { name: 'train (batch)', x: this.batchX, y: this.batchY, color: 'rgba(0,114,178,0.35)' },
      { name: 'train (epoch)', x: this.history.map((h) => h.epoch), y: this.history.map((h) => h.loss), color: '#0072B2', markers: true },
      {
        name: 'validation',
        x: this.history.map((h) => h.epoch),
        y: this.history.map((h) => h.valLoss ?? NaN),
        color: '#D55E00',
        markers: true,
      },
    ];
    drawLineChart(this.canvases.loss, { title: 'Loss', xLabel: 'epoch', yLabel: 'loss', series });
  }

  drawCoefficients(): void {
    const x = this.history.map((h) => h.epoch);
    // w0 sits near the mean label, far from the linear weights: it gets its own small chart.
    drawLineChart(this.canvases.bias, {
      title: 'Global bias w0',
      series: [{ name: 'w0', x, y: this.history.map((h) => h.bias ?? NaN), markers: true }],
      legend: 'none',
    });
    const names = this.history[0]?.coefficients.map((c) => c.name) ?? [];
    const series: LineSeries[] = names.map((name, i) => ({
      name: name.length > 24 ? `${name.slice(0, 23)}…` : name,
      x,
      y: this.history.map((h) => h.coefficients[i]?.value ?? NaN),
      markers: true,
      color: seriesColor(i + 1),
    }));
    drawLineChart(this.canvases.coef, { title: 'Linear weights w_i', xLabel: 'epoch', series, legend: 'right' });
  }

  drawFactors(f: FactorMatrix | undefined, rowLabel: string): void {
    if (!f) {
      drawHeatMap(this.canvases.heat, { values: [], rows: 0, cols: 0, title: 'Factors V' });
      drawScatter(this.canvases.pca, { x: [], y: [], title: 'PCA of factors' });
      return;
    }
    const rows = Math.min(HEATMAP_ROWS, f.rows);
    drawHeatMap(this.canvases.heat, {
      values: f.values.subarray(0, rows * f.cols),
      rows,
      cols: f.cols,
      title: `Factors V (first ${rows} ${rowLabel}s × ${f.cols})`,
      xLabel: 'factor',
      yLabel: rowLabel,
    });
    if (f.rows < 2) {
      drawScatter(this.canvases.pca, { x: [], y: [], title: 'PCA of factors' });
      return;
    }
    const p = pca2(f.values, f.rows, f.cols, { seed: 1 });
    const xs = new Float64Array(f.rows);
    const ys = new Float64Array(f.rows);
    const norms: { i: number; n: number }[] = [];
    for (let r = 0; r < f.rows; r++) {
      xs[r] = p.coords[r * 2] as number;
      ys[r] = p.coords[r * 2 + 1] as number;
      norms.push({ i: r, n: Math.hypot(xs[r] as number, ys[r] as number) });
    }
    // Label the five points furthest from the centre: the items the factors separate most.
    const highlight = norms.sort((a, b) => b.n - a.n).slice(0, 5).map((o) => o.i);
    const total = p.variances[0] + p.variances[1];
    drawScatter(this.canvases.pca, {
      x: xs,
      y: ys,
      labels: f.labels,
      highlight,
      title: `PCA of ${rowLabel} factors (${f.rows} ${rowLabel}s)`,
      xLabel: `PC1 (var ${p.variances[0].toPrecision(3)})`,
      yLabel: total > 0 ? `PC2 (var ${p.variances[1].toPrecision(3)})` : 'PC2',
    });
  }
}
