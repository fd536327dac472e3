// End-to-end: drives the BUILT binary (node apps/cli/dist/bin.js) through
// generate → encode → split → train → eval → recommend → similar in a temp dir.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, ensureBuilt } from './test-utils/build.js';

let dir = '';

function fm(...args: string[]): { code: number; out: string; err: string; json: () => Record<string, any> } {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: dir, encoding: 'utf8', timeout: 60_000 });
  const out = r.stdout ?? '';
  return {
    code: r.status ?? -1,
    out,
    err: r.stderr ?? '',
    json: () => {
      try {
        return JSON.parse(out) as Record<string, any>;
      } catch {
        throw new Error(`stdout is not JSON:\n${out}\nstderr:\n${r.stderr}`);
      }
    },
  };
}

/** u.data rows as [user, item, rating, timestamp]. */
function readUData(path: string): number[][] {
  return readFileSync(path, 'utf8')
    .trim()
    .split('\n')
    .map((l) => l.split('\t').map(Number));
}

beforeAll(() => {
  ensureBuilt();
  dir = mkdtempSync(join(tmpdir(), 'fm-cli-e2e-'));
}, 240_000);

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('fm end to end (built binary)', () => {
  let rows = 0;
  let trainTestRmse = NaN;

  it('generate writes a MovieLens-style u.data + u.item', () => {
    const r = fm('generate', 'ratings', '--users', '60', '--items', '80', '--density', '0.3', '--format', 'movielens', '--out', 'ml/u.data', '--seed', '7', '--json');
    expect(r.code, r.err).toBe(0);
    const j = r.json();
    expect(j.files).toEqual(['ml/u.data', 'ml/u.item']);
    const data = readUData(join(dir, 'ml/u.data'));
    rows = data.length;
    expect(j.summary.rows).toBe(rows);
    expect(new Set(data.map((d) => d[0])).size).toBe(60);
    for (const d of data) {
      expect(d).toHaveLength(4);
      expect(d[2]).toBeGreaterThanOrEqual(1);
      expect(d[2]).toBeLessThanOrEqual(5);
    }
    expect(readFileSync(join(dir, 'ml/u.item'), 'latin1').trim().split('\n').length).toBe(80);
  });

  it('encode reads u.data (+ u.item beside it) and writes .arrow + encoder + titles', () => {
    const r = fm('encode', '--input', 'ml/u.data', '--out', 'all.arrow', '--json');
    expect(r.code, r.err).toBe(0);
    const j = r.json();
    expect(j.summary.rows).toBe(rows);
    expect(j.summary.users).toBe(60);
    const data = readUData(join(dir, 'ml/u.data'));
    expect(j.summary.items).toBe(new Set(data.map((d) => d[1])).size);
    expect(j.summary.density).toBeCloseTo(rows / (60 * j.summary.items), 10);
    // histogram counts match a count over the file
    for (const b of j.summary.histogram as { label: string; count: number }[]) {
      expect(b.count).toBe(data.filter((d) => d[2] === Number(b.label)).length);
    }
    expect(existsSync(join(dir, 'all.arrow'))).toBe(true);
    expect(existsSync(join(dir, 'all.encoder.json'))).toBe(true);
    expect(existsSync(join(dir, 'all.items.json'))).toBe(true);
    const human = fm('encode', '--input', 'ml/u.data', '--out', 'all2.arrow');
    expect(human.code).toBe(0);
    expect(human.out).toMatch(/users: 60/);
    expect(human.out).toMatch(/█/); // the rating histogram
  });

  it('split leave-last-out holds out one row per user', () => {
    const r = fm('split', '--input', 'all.arrow', '--strategy', 'leave-last-out', '--train', 'train.arrow', '--test', 'test.arrow', '--json');
    expect(r.code, r.err).toBe(0);
    const j = r.json();
    expect(j.test).toBe(60);
    expect(j.train + j.test).toBe(rows);
    expect(existsSync(join(dir, 'train.encoder.json'))).toBe(true);
  });

  it('train saves a model dir and reports figures in --json', () => {
    const r = fm('train', '--data', 'train.arrow', '--model', 'fm', '--epochs', '3', '--dim', '8', '--test', 'test.arrow', '--out', 'model', '--json');
    expect(r.code, r.err).toBe(0);
    expect(r.err).toMatch(/backend: \w+/);
    expect(r.err).toMatch(/epoch 1\/3 loss/); // plain progress lines off a terminal
    const j = r.json();
    expect(typeof j.backend).toBe('string');
    expect(j.epochs).toBeGreaterThanOrEqual(1);
    expect(j.epochs).toBeLessThanOrEqual(3);
    expect(j.examples_per_second).toBeGreaterThan(0);
    expect(j.wall_seconds).toBeGreaterThan(0);
    expect(Number.isFinite(j.final_loss)).toBe(true);
    expect(j.validation).toBeTypeOf('object');
    expect(Number.isFinite(j.test.rmse)).toBe(true);
    trainTestRmse = j.test.rmse;
    const listing = readdirSync(join(dir, 'model')).sort();
    expect(listing).toHaveLength(3);
    expect(listing.slice(0, 2)).toEqual(['fm.json', 'model.json']);
    expect(readdirSync(join(dir, 'model', listing[2]!)).sort()).toEqual(['encoder.json', 'interactions.bin', 'weights.bin']);
    // no temporary files left next to the model (the folder's record of fm outputs stays)
    expect(readdirSync(dir).filter((f) => f.startsWith('.') && f !== '.fm-outputs.json')).toEqual([]);
  });

  it('eval reloads the model and reproduces the test RMSE; ranking metrics are consistent', () => {
    const r = fm('eval', '--model', 'model', '--data', 'test.arrow', '--train', 'train.arrow', '--metrics', 'rmse,mae,hr@10,ndcg@10,map@10', '--negatives', '20', '--json');
    expect(r.code, r.err).toBe(0);
    const m = r.json().metrics;
    expect(m.rmse).toBeCloseTo(trainTestRmse, 5); // save → load → predict gives the same scores
    expect(m.mae).toBeLessThanOrEqual(m.rmse + 1e-9);
    expect(m['hr@10']).toBeGreaterThanOrEqual(0);
    expect(m['hr@10']).toBeLessThanOrEqual(1);
    expect(m['ndcg@10']).toBeLessThanOrEqual(m['hr@10'] + 1e-9);
    expect(m['map@10']).toBeLessThanOrEqual(m['ndcg@10'] + 1e-9);
    const full = fm('eval', '--model', 'model', '--data', 'test.arrow', '--train', 'train.arrow', '--metrics', 'hr@10', '--protocol', 'full', '--json');
    expect(full.code, full.err).toBe(0);
    expect(full.json().metrics['hr@10']).toBeGreaterThanOrEqual(0);
  });

  it('recommend never returns an item the user rated in train and prints titles', () => {
    const data = readUData(join(dir, 'ml/u.data'));
    const user = data[0]![0]!;
    const mine = data.filter((d) => d[0] === user);
    const latest = Math.max(...mine.map((d) => d[3]!));
    const trainItems = new Set(mine.filter((d) => d[3] !== latest).map((d) => d[1]));
    const r = fm('recommend', '--model', 'model', '--user', String(user), '--k', '5', '--exclude-seen', 'train.arrow', '--json');
    expect(r.code, r.err).toBe(0);
    const recs = r.json().recommendations as { item: number; title: string; score: number }[];
    expect(recs).toHaveLength(5);
    for (const x of recs) {
      expect(trainItems.has(x.item)).toBe(false);
      expect(x.title.length).toBeGreaterThan(0);
    }
    for (let i = 1; i < recs.length; i++) expect(recs[i]!.score).toBeLessThanOrEqual(recs[i - 1]!.score);
    expect(r.json().seen).toBe(trainItems.size);
    const unknown = fm('recommend', '--model', 'model', '--user', '99999');
    expect(unknown.code).toBe(1);
    expect(unknown.err).toMatch(/user 99999 is not in the model's training data/);
  });

  it('similar lists other items by decreasing similarity', () => {
    const item = readUData(join(dir, 'ml/u.data'))[0]![1]!;
    const r = fm('similar', '--model', 'model', '--item', String(item), '--k', '5', '--json');
    expect(r.code, r.err).toBe(0);
    const list = r.json().similar as { item: number; score: number }[];
    expect(list).toHaveLength(5);
    expect(list.map((x) => x.item)).not.toContain(item);
    for (let i = 1; i < list.length; i++) expect(list[i]!.score).toBeLessThanOrEqual(list[i - 1]!.score);
  });

  it('a malformed input file fails with exit 1 naming file:line, and writes nothing', () => {
    mkdirSync(join(dir, 'bad'));
    writeFileSync(join(dir, 'bad/u.data'), '1\t2\t3\t100\n1\t3\t4\t101\n1\tx\t5\t102\n');
    const r = fm('encode', '--input', 'bad/u.data', '--out', 'bad.arrow');
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/bad\/u\.data:3/);
    expect(existsSync(join(dir, 'bad.arrow'))).toBe(false);
  });

  it('bad usage exits 2 naming the flag', () => {
    const a = fm('train', '--data', 'train.arrow', '--out', 'm2', '--epochs', 'zero');
    expect(a.code).toBe(2);
    expect(a.err).toMatch(/--epochs expects an integer/);
    const b = fm('train', '--data', 'train.arrow', '--out', 'm2', '--epoch', '3');
    expect(b.code).toBe(2);
    expect(b.err).toMatch(/unknown flag --epoch/);
    const c = fm('eval', '--data', 'test.arrow');
    expect(c.code).toBe(2);
    expect(c.err).toMatch(/missing required flag --model/);
    expect(existsSync(join(dir, 'm2'))).toBe(false);
  });

  it('fm --help lists every command; commands have --help', () => {
    const all = fm('--help');
    expect(all.code).toBe(0);
    for (const cmd of ['demo', 'generate', 'encode', 'split', 'train', 'eval', 'recommend', 'similar', 'bench']) expect(all.out).toContain(`  ${cmd} `);
    for (const cmd of ['train', 'eval']) {
      const r = fm(cmd, '--help');
      expect(r.code, cmd).toBe(0);
      expect(r.out).toContain(`Usage: fm ${cmd}`);
    }
  });
});
