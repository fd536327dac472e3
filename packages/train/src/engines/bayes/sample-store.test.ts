import { describe, expect, it } from 'vitest';
import { SampleStore } from './sample-store.js';

describe('SampleStore', () => {
  it.each([
    [10, 100],
    [7, 50],
    [4, 4],
    [3, 1000],
  ])('with capacity %i after %i offers keeps evenly spaced samples, the first one included', (capacity, offers) => {
    const store = new SampleStore(2, 1, capacity);
    for (let i = 0; i < offers; i++) {
      store.offer({ bias: Float64Array.of(i), linear: Float64Array.of(i, -i), factors: Float64Array.of(2 * i, 3 * i) }, i + 1);
    }
    const kept = Array.from({ length: store.count }, (_, i) => store.sample(i).bias[0] as number);
    expect(store.count).toBeLessThanOrEqual(capacity);
    expect(store.count).toBeGreaterThan(capacity / 2);
    // Kept samples are 0, t, 2t, … with t = store.thin, in order, with their other values intact.
    expect(kept).toEqual(Array.from({ length: store.count }, (_, i) => i * store.thin));
    kept.forEach((v, i) => {
      expect(Array.from(store.sample(i).factors)).toEqual([2 * v, 3 * v]);
      expect(store.alpha[i]).toBe(v + 1);
    });
    expect(store.offered).toBe(offers);
  });
});
