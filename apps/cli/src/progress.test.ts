import { describe, expect, it } from 'vitest';
import { formatBar, formatDuration, formatEpochLine, formatProgress, formatRate, ProgressReporter } from './progress.js';

class Capture {
  text = '';
  isTTY: boolean;
  columns = 100;
  constructor(tty: boolean) {
    this.isTTY = tty;
  }
  write(s: string) {
    this.text += s;
  }
}

describe('progress formatting', () => {
  it('formats durations', () => {
    expect(formatDuration(0)).toBe('0:00');
    expect(formatDuration(59.4)).toBe('0:59');
    expect(formatDuration(61)).toBe('1:01');
    expect(formatDuration(3 * 3600 + 2 * 60 + 5)).toBe('3:02:05');
    expect(formatDuration(undefined)).toBe('--:--');
    expect(formatDuration(NaN)).toBe('--:--');
  });

  it('formats rates with k/M suffixes', () => {
    expect(formatRate(950)).toBe('950');
    expect(formatRate(12345)).toBe('12.3k');
    expect(formatRate(2_500_000)).toBe('2.50M');
  });

  it('fills the bar in proportion', () => {
    expect(formatBar(0, 10, 10)).toBe('░'.repeat(10));
    expect(formatBar(5, 10, 10)).toBe('█'.repeat(5) + '░'.repeat(5));
    expect(formatBar(10, 10, 4)).toBe('████');
    expect(formatBar(3, 0, 4)).toBe('░░░░');
  });

  it('shows epoch, bar, batch, loss, rate and ETA within the width', () => {
    const line = formatProgress({ epoch: 2, epochs: 10, batch: 45, batches: 100, loss: 0.81234, examplesPerSecond: 12345, etaSeconds: 12 }, 80);
    expect(line).toMatch(/^epoch {2}2\/10 [█░]+ {2}45\/100 loss 0\.8123 12\.3k ex\/s ETA 0:12$/);
    expect(line.length).toBeLessThanOrEqual(80);
    // 45/100 of the bar is filled
    const bar = /[█░]+/.exec(line)![0];
    expect([...bar].filter((c) => c === '█').length).toBe(Math.round(0.45 * bar.length));
  });

  it('drops the bar on narrow terminals and never exceeds the width', () => {
    const p = { epoch: 1, epochs: 3, batch: 1, batches: 9, loss: 1.5, examplesPerSecond: 10, etaSeconds: 5 };
    const narrow = formatProgress(p, 50);
    expect(narrow).not.toMatch(/[█░]/);
    expect(narrow.length).toBeLessThanOrEqual(50);
    for (const w of [10, 20, 30, 40]) expect(formatProgress(p, w).length).toBeLessThanOrEqual(w);
  });

  it('formats an epoch line with validation metrics', () => {
    expect(formatEpochLine({ epoch: 3, epochs: 10, loss: 0.88123, valLoss: 0.9031, valMetrics: { rmse: 0.95031 }, examplesPerSecond: 41234, seconds: 1.42 })).toBe(
      'epoch 3/10 loss 0.8812 val_loss 0.9031 val_rmse 0.9503 41.2k ex/s 1.4s',
    );
  });
});

describe('ProgressReporter', () => {
  it('on a terminal redraws one line with \\r, throttled, and ends each epoch with a newline', () => {
    let t = 0;
    const out = new Capture(true);
    const rep = new ProgressReporter(out, { now: () => t, minIntervalMs: 100 });
    for (let b = 1; b <= 10; b++) {
      t += 30; // 30 ms per batch → at most one redraw per ~4 batches
      rep.batch({ epoch: 1, epochs: 2, batch: b, batches: 10, loss: 1, examplesPerSecond: 100 });
    }
    rep.epochEnd({ epoch: 1, epochs: 2, loss: 1, examplesPerSecond: 100, seconds: 0.3 });
    const redraws = out.text.split('\r').length - 1;
    expect(redraws).toBeGreaterThanOrEqual(3);
    expect(redraws).toBeLessThanOrEqual(6);
    expect(out.text).toContain('10/10'); // the last batch is always drawn
    expect(out.text.endsWith('epoch 1/2 loss 1.0000 100 ex/s 0.3s\x1b[K\n')).toBe(true);
  });

  it('falls back to 80 columns when the terminal reports none', () => {
    const out = new Capture(true);
    out.columns = 0;
    new ProgressReporter(out).batch({ epoch: 1, epochs: 1, batch: 1, batches: 2, loss: 1, examplesPerSecond: 1 });
    expect(out.text).toMatch(/^\repoch 1\/1 [█░]+ 1\/2 loss 1\.0000/);
  });

  it('estimates the ETA from the batches done over the whole run', () => {
    let t = 0;
    const rep = new ProgressReporter(new Capture(true), { now: () => t });
    t = 10_000; // 10 s for 5 of 20 batches → 30 s left
    expect(rep.eta({ epoch: 1, epochs: 2, batch: 5, batches: 10 })).toBeCloseTo(30, 9);
  });

  it('off a terminal prints only plain epoch lines', () => {
    const out = new Capture(false);
    const rep = new ProgressReporter(out);
    rep.batch({ epoch: 1, epochs: 1, batch: 1, batches: 1, loss: 2, examplesPerSecond: 5 });
    rep.epochEnd({ epoch: 1, epochs: 1, loss: 2, examplesPerSecond: 5, seconds: 1 });
    expect(out.text).toBe('epoch 1/1 loss 2.0000 5 ex/s 1.0s\n');
  });
});
