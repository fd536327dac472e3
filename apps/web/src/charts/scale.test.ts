import { describe, expect, it } from 'vitest';
import { divergingColor } from './color.js';
import { heatMapLimit } from './heat-map.js';
import { lineChartDomains } from './line-chart.js';
import { extent, formatTick, linearScale, niceStep, niceTicks, pad } from './scale.js';

describe('linearScale', () => {
  it('maps and inverts like the hand formula r0 + (v-d0)/(d1-d0)*(r1-r0)', () => {
    const s = linearScale([2, 10], [100, 300]);
    // (6-2)/8*200 + 100 = 200
    expect(s(6)).toBe(200);
    expect(s(2)).toBe(100);
    expect(s(10)).toBe(300);
    // outside the domain extrapolates: (12-2)/8*200+100 = 350
    expect(s(12)).toBe(350);
    expect(s.invert(250)).toBeCloseTo(8, 12);
    // flipped range (y axis): (0.25-0)/1 * (0-400) + 400 = 300
    const y = linearScale([0, 1], [400, 0]);
    expect(y(0.25)).toBe(300);
    expect(y.invert(100)).toBeCloseTo(0.75, 12);
  });
  it('maps a flat domain to the middle of the range and rejects non-finite bounds', () => {
    expect(linearScale([3, 3], [0, 10])(3)).toBe(5);
    expect(() => linearScale([0, NaN], [0, 1])).toThrow(/finite/);
  });
});

describe('nice ticks', () => {
  it('chooses 1/2/5 × 10^k steps', () => {
    // span 10 / 5 = 2 → step 2
    expect(niceStep(0, 10, 5)).toBe(2);
    // span 1 / 5 = 0.2 → step 0.2
    expect(niceStep(0, 1, 5)).toBeCloseTo(0.2, 12);
    // span 0.37 / 5 = 0.074 → normalised 7.4 ≥ 7 → 10 × 0.01 = 0.1
    expect(niceStep(0.81, 1.18, 5)).toBeCloseTo(0.1, 12);
    // span 700/5 = 140 → normalised 1.4 < 1.5 → 100
    expect(niceStep(0, 700, 5)).toBe(100);
  });
  it('lists the multiples of the step inside the interval', () => {
    expect(niceTicks(0, 10, 5)).toEqual([0, 2, 4, 6, 8, 10]);
    expect(niceTicks(0.81, 1.18, 5)).toEqual([0.9, 1, 1.1]);
    expect(niceTicks(-3, 3, 3)).toEqual([-2, 0, 2]);
    expect(niceTicks(4, 4)).toEqual([4]);
    expect(niceTicks(0, Infinity)).toEqual([]);
  });
  it('formats ticks compactly', () => {
    expect(formatTick(0)).toBe('0');
    expect(formatTick(0.30000000000000004)).toBe('0.3');
    expect(formatTick(1234.5678)).toBe('1235');
    expect(formatTick(2e-5)).toBe('2.0e-5');
  });
});

describe('extent and pad', () => {
  it('skips non-finite values', () => {
    expect(extent([3, NaN, -1, Infinity, 7])).toEqual([-1, 7]);
    expect(extent([NaN])).toBeUndefined();
  });
  it('pads by a fraction of the span, or a fixed amount when flat', () => {
    expect(pad([0, 10], 0.1)).toEqual([-1, 11]);
    expect(pad([5, 5])).toEqual([4.5, 5.5]);
    expect(pad([0, 0])).toEqual([-0.5, 0.5]);
  });
  it('line chart domains cover all finite points of all series', () => {
    const d = lineChartDomains([
      { name: 'a', x: [1, 2, 3], y: [10, 5, NaN] },
      { name: 'b', x: [2, 4], y: [0, 20] },
    ]);
    // x extent [1,4] unpadded; y extent [0,20] padded by 6% of 20 = 1.2
    expect(d?.x).toEqual([1, 4]);
    expect(d?.y[0]).toBeCloseTo(-1.2, 12);
    expect(d?.y[1]).toBeCloseTo(21.2, 12);
    expect(lineChartDomains([{ name: 'e', x: [], y: [] }])).toBeUndefined();
  });
});

describe('colours', () => {
  it('is white at 0, saturated at ±1, and clamps', () => {
    expect(divergingColor(0)).toEqual([247, 247, 247]);
    expect(divergingColor(1)).toEqual([178, 24, 43]);
    expect(divergingColor(-1)).toEqual([33, 102, 172]);
    expect(divergingColor(-5)).toEqual([33, 102, 172]);
    // halfway to red: 247 + (178-247)/2 = 212.5 → 213 (Math.round), 247+(24-247)/2=135.5 → 136, 247+(43-247)/2 = 145
    expect(divergingColor(0.5)).toEqual([213, 136, 145]);
  });
  it('heat map limit is the max |v|', () => {
    expect(heatMapLimit([0.5, -2, 1, NaN])).toBe(2);
    expect(heatMapLimit([0, 0])).toBe(1);
  });
});

describe('chart layout', () => {
  it('puts the legend in the corner covering the fewest points', async () => {
    const { legendCorner, overlaps } = await import('./canvas.js');
    const area = { left: 0, top: 0, width: 100, height: 100 };
    // Points crowd the top-right corner → top-left is chosen (second preference).
    const crowdedTopRight: [number, number][] = [[90, 10], [85, 12], [92, 15]];
    expect(legendCorner(area, 30, 20, crowdedTopRight)).toEqual({ x: 6, y: 6, w: 30, h: 20 });
    // Nothing in the way → top-right (x = 100 - 30 - 6 = 64).
    expect(legendCorner(area, 30, 20, [])).toEqual({ x: 64, y: 6, w: 30, h: 20 });
    // Both top corners busy → bottom-right (y = 100 - 20 - 6 = 74).
    expect(legendCorner(area, 30, 20, [[90, 10], [10, 10]])).toEqual({ x: 64, y: 74, w: 30, h: 20 });
    expect(overlaps({ x: 0, y: 0, w: 10, h: 10 }, { x: 9, y: 9, w: 5, h: 5 })).toBe(true);
    expect(overlaps({ x: 0, y: 0, w: 10, h: 10 }, { x: 10, y: 0, w: 5, h: 5 })).toBe(false);
  });
});
