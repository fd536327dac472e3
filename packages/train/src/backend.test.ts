import * as tf from '@tensorflow/tfjs';
import { afterAll, describe, expect, it } from 'vitest';
import { selectBackend } from './backend.js';

afterAll(async () => {
  await tf.setBackend('cpu');
});

describe('selectBackend (Node, no tfjs-node, no GPU)', () => {
  it('auto falls back past tensorflow and webgpu to wasm and says why', async () => {
    const r = await selectBackend('auto');
    expect(r.environment).toBe('node');
    expect(r.backend).toBe('wasm');
    expect(r.tried.map((t) => [t.backend, t.ok])).toEqual([
      ['tensorflow', false],
      ['webgpu', false],
      ['wasm', true],
    ]);
    expect(r.tried[0]!.detail).toMatch(/npm i @tensorflow\/tfjs-node-gpu \(Linux x64, CUDA 11.2 \+ cuDNN 8.1\)/);
    expect(r.reason).toMatch(/wasm/);
  });

  it('asking for an unavailable backend throws how to get it', async () => {
    await expect(selectBackend('tensorflow')).rejects.toThrow(/tensorflow backend is not available in node.*npm i @tensorflow\/tfjs-node-gpu/);
    await expect(selectBackend('webgl')).rejects.toThrow(/only in a browser/);
    await expect(selectBackend('bogus' as never)).rejects.toThrow(/unknown backend "bogus"/);
  });

  it('cpu always works', async () => {
    expect((await selectBackend('cpu')).backend).toBe('cpu');
  });
});
