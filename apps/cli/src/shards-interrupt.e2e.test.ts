// SIGINT and SIGKILL at random points of `fm encode --shards` and `fm generate ctr --format shards`
// (built binary, child processes): the shard directory is the old or the new complete one, never a
// mix, and the next run leaves no leftovers.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt } from './test-utils/build.js';
import { removeTempDirs, runFm, tempDir, writeFiles } from './test-utils/run.js';
import { leftovers, spawnFm } from './test-utils/spawn.js';

let dir = '';
beforeAll(() => {
  ensureBuilt();
  dir = tempDir('fm-shards-kill-');
}, 300_000);
afterAll(removeTempDirs);

/** The content of a shard directory: its files' hashes, the manifest without its time of writing. */
function shardState(d: string): string {
  if (!existsSync(d)) return 'missing';
  const h = createHash('sha256');
  for (const f of readdirSync(d).sort()) {
    const bytes = readFileSync(join(d, f));
    if (f === 'manifest.json') {
      const { createdAt: _t, ...m } = JSON.parse(bytes.toString('utf8')) as Record<string, unknown>;
      h.update(f).update(JSON.stringify(m));
    } else h.update(f).update(bytes);
  }
  return h.digest('hex');
}

function csv(rows: number, seed: number): string {
  let s = seed >>> 0;
  const rand = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
  const lines = ['click,user,item,site'];
  for (let r = 0; r < rows; r++) lines.push(`${rand() < 0.3 ? 1 : 0},u${Math.floor(rand() * 5000)},i${Math.floor(rand() * 3000)},s${Math.floor(rand() * 50)}`);
  return `${lines.join('\n')}\n`;
}

describe('Ctrl-C and kills during streaming writes leave the old or the new complete shard directory', () => {
  it('fm encode --shards and fm generate ctr --format shards', async () => {
    writeFiles(dir, { 'u.csv': csv(100_000, 1), 'v.csv': csv(100_000, 2) });
    const spec = 'label=click,user:cat,item:cat,site:cat';
    const targets = [
      {
        name: 'encode --shards',
        oldArgs: ['encode', '--input', join(dir, 'u.csv'), '--columns', spec, '--shards', '--shard-rows', '20000', '--out', join(dir, 'out/enc')],
        newArgs: ['encode', '--input', join(dir, 'v.csv'), '--columns', spec, '--shards', '--shard-rows', '20000', '--out', join(dir, 'out/enc')],
        out: join(dir, 'out/enc'),
      },
      {
        name: 'generate ctr --format shards',
        oldArgs: ['generate', 'ctr', '--rows', '300000', '--fields', '8', '--format', 'shards', '--shard-rows', '40000', '--seed', '1', '--out', join(dir, 'gen/ctr')],
        newArgs: ['generate', 'ctr', '--rows', '300000', '--fields', '8', '--format', 'shards', '--shard-rows', '40000', '--seed', '2', '--out', join(dir, 'gen/ctr')],
        out: join(dir, 'gen/ctr'),
      },
    ];
    for (const t of targets) {
      expect((await runFm(t.newArgs)).code).toBe(0);
      const fresh = shardState(t.out);
      expect((await runFm(t.oldArgs)).code).toBe(0);
      const old = shardState(t.out);
      expect(old).not.toEqual(fresh);
      const t0 = performance.now();
      const whole = spawnFm(t.newArgs);
      expect((await whole.exited).code, whole.output()).toBe(0);
      const span = performance.now() - t0;
      expect(shardState(t.out)).toEqual(fresh);
      for (const [trial, sig] of (['SIGINT', 'SIGINT', 'SIGKILL'] as NodeJS.Signals[]).entries()) {
        expect((await runFm(t.oldArgs)).code).toBe(0);
        const at = Math.round((0.3 + 0.6 * Math.random()) * span);
        const c = spawnFm(t.newArgs);
        await new Promise((r) => setTimeout(r, at));
        c.kill(sig);
        const r = await c.exited;
        const what = `${t.name}, ${sig} after ${at} of ~${Math.round(span)} ms (trial ${trial}): exit ${r.code ?? r.signal}\n${c.output()}`;
        console.log(what.split('\n')[0]);
        if (sig === 'SIGINT') {
          // as in interrupt.e2e: once the command has finished and Node is tearing down (its signal handlers
          // closed), the default action ends the process; the output is complete then
          if (r.signal === 'SIGINT') expect(shardState(t.out), `${what}: killed by the signal before the output was complete`).toEqual(fresh);
          else expect([0, 130], what).toContain(r.code);
          if (r.code === 130) {
            expect(c.output(), what).toMatch(/left as it was/);
            expect(leftovers(join(t.out, '..')), what).toEqual([]); // Ctrl-C cleans up itself
          }
        }
        expect([old, fresh], what).toContain(shardState(t.out));
        expect((await runFm(t.newArgs)).code, what).toBe(0);
        expect(shardState(t.out), what).toEqual(fresh);
        expect(leftovers(join(t.out, '..')), what).toEqual([]);
        expect(readdirSync(join(t.out, '..')).filter((f) => f.includes('.fm-old-')), what).toEqual([]);
      }
    }
  }, 600_000);
});
