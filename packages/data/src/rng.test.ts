import { describe, expect, it } from 'vitest';
import { Rng } from './rng.js';

describe('Rng state', () => {
  it('fromState(getState()) continues the same stream', () => {
    const a = new Rng(42);
    for (let i = 0; i < 17; i++) a.normal();
    const b = Rng.fromState(a.getState());
    const fromA = Array.from({ length: 50 }, () => a.nextUint32());
    const fromB = Array.from({ length: 50 }, () => b.nextUint32());
    expect(fromB).toEqual(fromA);
  });

  it('rejects a state that is not an unsigned 32-bit integer', () => {
    expect(() => Rng.fromState(-1)).toThrow(/unsigned 32-bit/);
    expect(() => Rng.fromState(2 ** 32)).toThrow(/unsigned 32-bit/);
    expect(() => Rng.fromState(1.5)).toThrow(/unsigned 32-bit/);
  });
});
