import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { pendingTempCount, removePendingTempsSync, writeChunks, writeFileAtomic, writeFileDurable, writeTemp } from './atomic-write.js';
import { open, type FileHandle } from 'node:fs/promises';
import { cleanLeftovers } from './clean-leftovers.js';
import { commitOutputs } from './commit-outputs.js';
import { isRecordedOutput, OUTPUT_REGISTRY } from './output-registry.js';

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'fm-commit-'));
  dirs.push(d);
  return d;
}
/** A process id that no longer runs (a child that has exited). */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', '']);
  return r.pid as number;
}
const visible = (d: string) => readdirSync(d).filter((f) => f !== OUTPUT_REGISTRY).sort();

/** The state a process killed at some point of `commitOutputs` leaves, built by hand with a dead pid. */
function killedCommit(targets: string[], newData: string[], opts: { sealed: number; renamed: number }): void {
  const pid = deadPid();
  const renames = targets.map((t, i) => {
    const tmp = join(dirname(t), `.${basename(t)}.fm-tmp-${pid}-0000000${i}`);
    writeFileSync(tmp, newData[i] as string);
    return { tmp, target: t };
  });
  const journals = targets.map((t) => join(dirname(t), `.${basename(t)}.fm-commit-${pid}-abcd0123.json`));
  const text = JSON.stringify({ format: 'fm-commit/1', renames, journals });
  journals.forEach((j, i) => {
    if (i < opts.sealed) writeFileSync(j, text);
    else if (i === opts.sealed) writeFileSync(j, text.slice(0, 20)); // cut short by the kill
  });
  for (const r of renames.slice(0, opts.renamed)) {
    writeFileSync(r.target, readFileSync(r.tmp));
    rmSync(r.tmp);
  }
}

describe('writeFileDurable', () => {
  it('writes a sequence of chunks, each consumed before the next (one reused buffer), as their concatenation', async () => {
    const d = tempDir();
    const want = Uint8Array.from({ length: 1000 }, (_, i) => (i * 7) % 251);
    function* slices(size: number) {
      const buf = new Uint8Array(size);
      for (let at = 0; at < want.length; at += size) {
        const n = Math.min(size, want.length - at);
        buf.set(want.subarray(at, at + n));
        yield buf.subarray(0, n);
      }
    }
    await writeFileDurable(join(d, 'a.bin'), slices(64));
    expect(new Uint8Array(readFileSync(join(d, 'a.bin')))).toEqual(want);
    await writeFileDurable(join(d, 'empty.bin'), []);
    expect(readFileSync(join(d, 'empty.bin')).byteLength).toBe(0);
    // never over an existing file
    await expect(writeFileDurable(join(d, 'a.bin'), slices(10))).rejects.toThrow(/EEXIST/);
  });

  it('splits a chunk longer than one write may be into several writes', async () => {
    const d = tempDir();
    const want = Uint8Array.from({ length: 1000 }, (_, i) => (i * 13) % 256);
    const fh = await open(join(d, 'b.bin'), 'wx');
    const lengths: number[] = [];
    const spy = { write: async (b: Uint8Array, at: number, n: number) => (lengths.push(n), fh.write(b, at, n)) };
    await writeChunks(spy as unknown as FileHandle, [want.subarray(0, 300), want.subarray(300)], 128);
    await fh.close();
    expect(new Uint8Array(readFileSync(join(d, 'b.bin')))).toEqual(want);
    expect(lengths).toEqual([128, 128, 44, 128, 128, 128, 128, 128, 60]);
  });
});

describe('writeFileAtomic', () => {
  it('replaces a file, leaves no temporary behind and records it as an fm output', async () => {
    const d = tempDir();
    const p = join(d, 'sub', 'x.txt');
    await writeFileAtomic(p, 'one');
    await writeFileAtomic(p, 'two');
    expect(readFileSync(p, 'utf8')).toBe('two');
    expect(visible(join(d, 'sub'))).toEqual(['x.txt']);
    expect(pendingTempCount()).toBe(0);
  });

  it('names the path when it cannot write', async () => {
    const d = tempDir();
    writeFileSync(join(d, 'file'), '');
    await expect(writeFileAtomic(join(d, 'file', 'x.txt'), 'x')).rejects.toThrow(/file\/x\.txt: cannot write/);
  });

  it('removePendingTempsSync (what Ctrl-C does) removes a temporary still being written', async () => {
    const d = tempDir();
    const tmp = await writeTemp(join(d, 'big.arrow'), 'partial');
    expect(readdirSync(d)).toEqual([basename(tmp)]);
    removePendingTempsSync();
    expect(readdirSync(d)).toEqual([]);
  });
});

describe('commitOutputs', () => {
  it('writes a set of files in several folders and records them; a later commit replaces all', async () => {
    const d = tempDir();
    const paths = [join(d, 'a', 'train.tsv'), join(d, 'b', 'test.tsv'), join(d, 'a', 'train.items.json')];
    await commitOutputs(paths.map((path, i) => ({ path, data: `old ${i}` })));
    await commitOutputs(paths.map((path, i) => ({ path, data: `new ${i}` })));
    paths.forEach((p, i) => expect(readFileSync(p, 'utf8')).toBe(`new ${i}`));
    expect(visible(join(d, 'a'))).toEqual(['train.items.json', 'train.tsv']);
    expect(visible(join(d, 'b'))).toEqual(['test.tsv']);
    for (const p of paths) expect(await isRecordedOutput(p)).toBe(true);
  });

  it('removes files of the old set that the new set lacks, with it', async () => {
    const d = tempDir();
    await commitOutputs([{ path: join(d, 'x.arrow'), data: 'a' }, { path: join(d, 'x.items.json'), data: 'titles' }]);
    await commitOutputs([{ path: join(d, 'x.arrow'), data: 'b' }], [join(d, 'x.items.json'), join(d, 'never.json')]);
    expect(visible(d)).toEqual(['x.arrow']);
    expect(await isRecordedOutput(join(d, 'x.items.json'))).toBe(false);
  });

  it('refuses the same path twice', async () => {
    const d = tempDir();
    await expect(commitOutputs([{ path: join(d, 'x'), data: '1' }, { path: join(d, '.', 'x'), data: '2' }])).rejects.toThrow(/same path/);
  });

  it('a file changed after fm wrote it is no longer recorded as fm output', async () => {
    const d = tempDir();
    const p = join(d, 'u.item');
    await commitOutputs([{ path: p, data: 'synthetic' }]);
    expect(await isRecordedOutput(p)).toBe(true);
    writeFileSync(p, 'real titles');
    utimesSync(p, new Date(), new Date(Date.now() + 5000));
    expect(await isRecordedOutput(p)).toBe(false);
    expect(await isRecordedOutput(join(d, 'never-written'))).toBe(false);
  });
});

describe('cleanLeftovers after a kill', () => {
  const setUp = () => {
    const d = tempDir();
    mkdirSync(join(d, 'a'));
    mkdirSync(join(d, 'b'));
    const targets = [join(d, 'a', 'x.arrow'), join(d, 'a', 'x.encoder.json'), join(d, 'b', 'y.arrow')];
    targets.forEach((t) => writeFileSync(t, 'old'));
    return { d, targets, news: ['new x', 'new enc', 'new y'] };
  };

  it('completes a sealed commit killed between renames: every output is the new one', async () => {
    for (let renamed = 0; renamed <= 3; renamed++) {
      const { d, targets, news } = setUp();
      killedCommit(targets, news, { sealed: 3, renamed });
      // Each path holds a complete old or new file at this point.
      targets.forEach((t, i) => expect(['old', news[i]]).toContain(readFileSync(t, 'utf8')));
      await cleanLeftovers(join(d, 'b')); // any folder of the set settles the whole set
      await cleanLeftovers(join(d, 'a'));
      targets.forEach((t, i) => expect(readFileSync(t, 'utf8'), `renamed ${renamed}`).toBe(news[i]));
      expect(visible(join(d, 'a'))).toEqual(['x.arrow', 'x.encoder.json']);
      expect(visible(join(d, 'b'))).toEqual(['y.arrow']);
      // and recorded as fm's outputs, also when the kill came after the last rename (before the record): a
      // later run may replace them
      for (const t of targets) expect(await isRecordedOutput(t), `renamed ${renamed}: ${t}`).toBe(true);
    }
  });

  it('a one-file commit killed after its rename, before the record: the next run records it', async () => {
    const d = tempDir();
    const target = join(d, 'train.tsv');
    await commitOutputs([{ path: target, data: 'old' }]);
    expect(await isRecordedOutput(target)).toBe(true);
    killedCommit([target], ['new, and longer'], { sealed: 1, renamed: 1 });
    expect(readFileSync(target, 'utf8')).toBe('new, and longer');
    expect(await isRecordedOutput(target)).toBe(false);
    await cleanLeftovers(d);
    expect(await isRecordedOutput(target)).toBe(true);
    expect(visible(d)).toEqual(['train.tsv']);
  });

  it('rolls back a commit killed while sealing: every output is the old one', async () => {
    for (let sealed = 0; sealed < 3; sealed++) {
      for (const order of [['a', 'b'], ['b', 'a']]) {
        const { d, targets, news } = setUp();
        killedCommit(targets, news, { sealed, renamed: 0 });
        for (const sub of order) await cleanLeftovers(join(d, sub));
        targets.forEach((t) => expect(readFileSync(t, 'utf8'), `sealed ${sealed}`).toBe('old'));
        expect(visible(join(d, 'a'))).toEqual(['x.arrow', 'x.encoder.json']);
        expect(visible(join(d, 'b'))).toEqual(['y.arrow']);
      }
    }
  });

  it('puts back a directory that a killed replacement had moved aside (beginDirAtomic), or drops it once replaced', async () => {
    const d = tempDir();
    const pid = deadPid();
    mkdirSync(join(d, `.shards.fm-old-${pid}-0a1b2c3d`));
    writeFileSync(join(d, `.shards.fm-old-${pid}-0a1b2c3d`, 'part-0.arrow'), 'old');
    mkdirSync(join(d, `.shards.fm-tmp-${pid}-0a1b2c3d`));
    const r = await cleanLeftovers(d);
    expect(r.restored).toEqual([join(d, 'shards')]);
    expect(readFileSync(join(d, 'shards', 'part-0.arrow'), 'utf8')).toBe('old');
    expect(readdirSync(d)).toEqual(['shards']);
    mkdirSync(join(d, `.shards.fm-old-${pid}-0e0e0e0e`));
    expect((await cleanLeftovers(d)).removed).toEqual([join(d, `.shards.fm-old-${pid}-0e0e0e0e`)]);
    expect(readdirSync(d)).toEqual(['shards']);
  });

  it('removes temporaries of dead processes only', async () => {
    const d = tempDir();
    const pid = deadPid();
    const dead = join(d, `.big.arrow.fm-tmp-${pid}-0badf00d`);
    const deadDir = join(d, `.model.fm-tmp-${pid}-deadbeef`);
    const live = join(d, `.big.arrow.fm-tmp-${process.pid}-0badf00d`);
    writeFileSync(dead, 'x'.repeat(1000));
    mkdirSync(deadDir);
    writeFileSync(join(deadDir, 'weights.bin'), 'w');
    writeFileSync(live, 'y');
    const r = await cleanLeftovers(d);
    expect(r.removed.sort()).toEqual([dead, deadDir].sort());
    expect(readdirSync(d)).toEqual([basename(live)]);
    expect((await cleanLeftovers(join(d, 'missing'))).removed).toEqual([]);
  });
});
