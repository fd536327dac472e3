import type { TextStream } from './context.js';

/** State shown by one progress line. */
export interface ProgressState {
  epoch: number; // 1-based
  epochs: number;
  batch: number; // 1-based, batches done in this epoch
  batches: number;
  loss: number;
  examplesPerSecond: number;
  /** Seconds left for the whole run, or undefined while unknown. */
  etaSeconds?: number;
}

/** `m:ss` or `h:mm:ss`; `--:--` for unknown. */
export function formatDuration(seconds: number | undefined): string {
  if (seconds === undefined || !Number.isFinite(seconds) || seconds < 0) return '--:--';
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}

/** A rate with a k/M suffix: 950 → "950", 12345 → "12.3k", 2.5e6 → "2.50M". */
export function formatRate(x: number): string {
  if (!Number.isFinite(x) || x < 0) return '?';
  if (x >= 1e6) return `${(x / 1e6).toFixed(2)}M`;
  if (x >= 1e4) return `${(x / 1e3).toFixed(1)}k`;
  return x.toFixed(0);
}

/** A bar of `width` cells, `done/total` filled with '█' and the rest '░'. */
export function formatBar(done: number, total: number, width: number): string {
  const frac = total > 0 ? Math.min(1, Math.max(0, done / total)) : 0;
  const filled = Math.round(frac * width);
  return '█'.repeat(filled) + '░'.repeat(width - filled);
}

/**
 * One progress line: `epoch 2/10 ████░░░░ 45/100 loss 0.8123 12.3k ex/s ETA 0:12`. The bar is
 * dropped first, then the rate, when `columns` is too narrow; the line never exceeds `columns`.
 */
export function formatProgress(p: ProgressState, columns = 80): string {
  const w = String(p.epochs).length;
  const bw = String(p.batches).length;
  const head = `epoch ${String(p.epoch).padStart(w)}/${p.epochs}`;
  const count = `${String(p.batch).padStart(bw)}/${p.batches}`;
  const loss = `loss ${Number.isFinite(p.loss) ? p.loss.toFixed(4) : String(p.loss)}`;
  const rate = `${formatRate(p.examplesPerSecond)} ex/s`;
  const eta = `ETA ${formatDuration(p.etaSeconds)}`;
  const fixed = [head, count, loss, rate, eta].join(' ');
  const room = columns - fixed.length - 1;
  if (room >= 10) {
    const bar = formatBar(p.batch, p.batches, Math.min(30, room - 1));
    return [head, bar, count, loss, rate, eta].join(' ');
  }
  const short = [head, count, loss, eta].join(' ');
  if (fixed.length <= columns) return fixed;
  return short.length <= columns ? short : short.slice(0, Math.max(0, columns));
}

/** What {@link ProgressReporter.epochEnd} prints. */
export interface EpochSummary {
  epoch: number;
  epochs: number;
  loss: number;
  valLoss?: number;
  valMetrics?: Record<string, number>;
  examplesPerSecond: number;
  seconds: number;
  /** What one pass is called (default `epoch`; MCMC/ALS: `iteration`). */
  unit?: string;
  /** Prefix of the held-out metrics (default `val`; `test` when the --test file is tracked). */
  valLabel?: string;
}

/** `epoch 3/10 loss 0.8812 val_loss 0.9031 val_rmse 0.9503 41.2k ex/s 1.4s`. */
export function formatEpochLine(e: EpochSummary): string {
  const val = e.valLabel ?? 'val';
  const parts = [`${e.unit ?? 'epoch'} ${e.epoch}/${e.epochs}`, `loss ${e.loss.toFixed(4)}`];
  if (e.valLoss !== undefined) parts.push(`${val}_loss ${e.valLoss.toFixed(4)}`);
  for (const [k, v] of Object.entries(e.valMetrics ?? {})) {
    if (k !== 'loss') parts.push(`${val}_${k} ${v.toFixed(4)}`);
  }
  parts.push(`${formatRate(e.examplesPerSecond)} ex/s`, `${e.seconds.toFixed(1)}s`);
  return parts.join(' ');
}

/**
 * Training progress on stderr. On a terminal, one line redrawn in place with `\r` (at most ~10 times
 * a second) and a summary line per epoch; elsewhere (pipes, CI logs) only the plain per-epoch lines.
 */
export class ProgressReporter {
  private lastDraw = 0;
  private drawn = false;
  private readonly start: number;
  private readonly now: () => number;

  constructor(
    private readonly stream: TextStream,
    private readonly opts: { tty?: boolean; columns?: number; now?: () => number; minIntervalMs?: number } = {},
  ) {
    this.now = opts.now ?? (() => performance.now());
    this.start = this.now();
  }

  private get tty(): boolean {
    return this.opts.tty ?? this.stream.isTTY === true;
  }

  /** Estimated seconds left given the batches done so far over the whole run. */
  eta(p: Pick<ProgressState, 'epoch' | 'epochs' | 'batch' | 'batches'>): number | undefined {
    const done = (p.epoch - 1) * p.batches + p.batch;
    const total = p.epochs * p.batches;
    const elapsed = (this.now() - this.start) / 1000;
    if (done <= 0 || elapsed <= 0) return undefined;
    return (elapsed / done) * (total - done);
  }

  /** Called after each batch; redraws the line on a terminal. */
  batch(p: Omit<ProgressState, 'etaSeconds'>): void {
    if (!this.tty) return;
    const t = this.now();
    const last = p.batch === p.batches;
    if (!last && this.drawn && t - this.lastDraw < (this.opts.minIntervalMs ?? 100)) return;
    this.lastDraw = t;
    this.drawn = true;
    const width = this.opts.columns ?? this.stream.columns;
    const columns = (width !== undefined && width >= 20 ? width : 80) - 1; // some terminals report 0 columns
    this.stream.write(`\r${formatProgress({ ...p, etaSeconds: this.eta(p) }, columns)}\x1b[K`);
  }

  /** Called after each epoch: prints the epoch's summary line (replacing the bar on a terminal). */
  epochEnd(e: EpochSummary): void {
    const line = formatEpochLine(e);
    this.stream.write(this.tty ? `\r${line}\x1b[K\n` : `${line}\n`);
    this.drawn = false;
  }

  /** Clears a half-drawn line (on errors or Ctrl-C). */
  clear(): void {
    if (this.tty && this.drawn) this.stream.write('\r\x1b[K');
    this.drawn = false;
  }
}
