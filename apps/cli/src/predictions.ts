// The predictions file of `fm predict` (libFM's `-out`, libffm's `ffm-predict` output): one line per row.
import type { Task } from './modeling.js';

/** Rows formatted per chunk of the file (a big file is written in chunks, never joined). */
const ROWS_PER_CHUNK = 1 << 20;

/**
 * What a model predicts, as a file: per row the predicted rating (regression; clipped to `range` when given, as
 * libFM does), P(y = 1) (binary) or σ(score) (ranking), with 7 significant digits — and, with `std`, a tab and the
 * predictive standard deviation. `scores` are the model's raw outputs (ratings, or logits).
 * @returns the file's bytes in chunks of up to 1M rows.
 */
export function formatPredictions(scores: Float32Array, task: Task, range?: readonly [number, number], std?: Float32Array): Uint8Array[] {
  const enc = new TextEncoder();
  const chunks: Uint8Array[] = [];
  for (let from = 0; from < scores.length; from += ROWS_PER_CHUNK) {
    const to = Math.min(scores.length, from + ROWS_PER_CHUNK);
    const lines: string[] = [];
    for (let r = from; r < to; r++) {
      const p = predictionOf(scores[r] as number, task, range);
      lines.push(std ? `${num(p)}\t${num(std[r] as number)}` : num(p));
    }
    chunks.push(enc.encode(`${lines.join('\n')}\n`));
  }
  return chunks;
}

/**
 * What fm shows and writes for a model's raw score (`predict`, `recommend`): the rating clipped to `range` when given
 * (as libFM does), or σ(score) = P(y = 1) / P(relevant) for binary and ranking models.
 */
export function predictionOf(score: number, task: Task, range?: readonly [number, number]): number {
  if (task !== 'regression') return 1 / (1 + Math.exp(-score));
  return range ? Math.min(range[1], Math.max(range[0], score)) : score;
}

/** 7 significant digits (a float32 holds ~7), without trailing zeros. */
const num = (x: number): string => String(Number(x.toPrecision(7)));

/**
 * Reads a predictions file: the first number of each non-empty line (libFM, libffm and `fm predict` files; a
 * second column, such as fm's standard deviation, is ignored). CRLF and a BOM are accepted.
 * @param where the file's name, for errors (which name the line).
 */
export function parsePredictions(text: string, where: string): Float32Array {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  while (lines.length > 0 && lines[lines.length - 1]?.trim() === '') lines.pop();
  const out = new Float32Array(lines.length);
  for (let i = 0; i < lines.length; i++) {
    const first = (lines[i] as string).trim().split(/[\s,]+/)[0] ?? '';
    const x = first === '' ? Number.NaN : Number(first);
    if (!Number.isFinite(x)) throw new Error(`${where}:${i + 1}: expected a number (a prediction per line), got ${JSON.stringify((lines[i] as string).slice(0, 40))}`);
    out[i] = x;
  }
  return out;
}
