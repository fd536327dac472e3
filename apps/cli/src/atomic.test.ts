import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { cleanupPendingOutputs, pendingOutputCount, writeDirAtomic, writeFileAtomic } from './atomic.js';

const dirs: string[] = [];
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'fm-cli-atomic-'));
  dirs.push(d);
  return d;
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('writeFileAtomic', () => {
  it('writes the file, creating parents, and leaves no temp file', async () => {
    const d = tempDir();
    const p = join(d, 'a', 'b', 'x.txt');
    await writeFileAtomic(p, 'hello');
    expect(readFileSync(p, 'utf8')).toBe('hello');
    expect(readdirSync(join(d, 'a', 'b'))).toEqual(['x.txt']);
    expect(pendingOutputCount()).toBe(0);
  });
});

describe('writeDirAtomic', () => {
  it('replaces an existing directory as a whole', async () => {
    const d = tempDir();
    const out = join(d, 'model');
    mkdirSync(out);
    writeFileSync(join(out, 'old.txt'), 'old');
    await writeDirAtomic(out, async (tmp) => {
      writeFileSync(join(tmp, 'new.txt'), 'new');
    });
    expect(readdirSync(out)).toEqual(['new.txt']);
    expect(readdirSync(d)).toEqual(['model']);
  });

  it('on failure keeps the old directory and removes the temp one', async () => {
    const d = tempDir();
    const out = join(d, 'model');
    mkdirSync(out);
    writeFileSync(join(out, 'old.txt'), 'old');
    await expect(
      writeDirAtomic(out, async (tmp) => {
        writeFileSync(join(tmp, 'half.txt'), 'x');
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(readdirSync(d)).toEqual(['model']);
    expect(readdirSync(out)).toEqual(['old.txt']);
  });

  it('an interruption mid-write (cleanupPendingOutputs, as on Ctrl-C) leaves no partial output', async () => {
    const d = tempDir();
    const out = join(d, 'model');
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let entered!: () => void;
    const inside = new Promise<void>((r) => (entered = r));
    const writing = writeDirAtomic(out, async (tmp) => {
      writeFileSync(join(tmp, 'weights.bin'), 'partial');
      entered();
      await gate;
    });
    await inside;
    expect(readdirSync(d).length).toBe(1); // the hidden temp dir
    cleanupPendingOutputs(); // what the SIGINT handler does before exiting
    expect(readdirSync(d)).toEqual([]);
    release();
    await expect(writing).rejects.toThrow();
    expect(readdirSync(d)).toEqual([]);
  });
});
