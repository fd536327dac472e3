// `fm recommend --all-users --out FILE.csv`: every user's list, as `fm recommend --user` gives it one at a time.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ratingLines, removeTempDirs, runFm, tempDir, writeFiles } from './test-utils/run.js';

let dir = '';
beforeAll(() => {
  dir = tempDir();
  const lines = ratingLines(12, 30, 8, 4);
  writeFiles(dir, {
    'u.data': `${lines.join('\n')}\n`,
    'users.csv': `user,age\n${Array.from({ length: 12 }, (_, u) => `${u + 1},${(0.2 + ((u * 7) % 40) / 100).toFixed(2)}`).join('\n')}\n`,
  });
});
afterAll(removeTempDirs);

/** The CSV's rows as { user, item, rank, score, std? }, keyed by user. */
function readCsv(path: string): Map<string, { item: string; rank: number; score: number; std?: number }[]> {
  const [header, ...rows] = readFileSync(path, 'utf8').trim().split('\n');
  const cols = (header as string).split(',');
  const out = new Map<string, { item: string; rank: number; score: number; std?: number }[]>();
  for (const row of rows) {
    const c = row.split(',');
    const at = (name: string) => c[cols.indexOf(name)] as string;
    const list = out.get(at('user')) ?? [];
    list.push({ item: at('item'), rank: Number(at('rank')), score: Number(at('score')), ...(cols.includes('std') ? { std: Number(at('std')) } : {}) });
    out.set(at('user'), list);
  }
  return out;
}

/** The single-user command's list for every user, compared with the file's. */
async function expectSameAsOneByOne(model: string, csv: string, extra: string[]): Promise<void> {
  const all = readCsv(csv);
  expect([...all.keys()].sort((a, b) => Number(a) - Number(b))).toEqual(Array.from({ length: 12 }, (_, u) => String(u + 1)));
  for (const user of all.keys()) {
    const one = await runFm(['recommend', '--model', model, '--user', user, '--k', '4', ...extra, '--json']);
    expect(one.code, one.err).toBe(0);
    const recs = one.json().recommendations as { item: number; rank: number; score: number; std?: number }[];
    const got = all.get(user) ?? [];
    expect(got.map((r) => [r.item, r.rank])).toEqual(recs.map((r) => [String(r.item), r.rank]));
    got.forEach((r, j) => {
      expect(r.score).toBeCloseTo(recs[j]!.score, 5);
      if (r.std !== undefined) expect(r.std).toBeCloseTo(recs[j]!.std as number, 5);
    });
  }
}

describe('fm recommend --all-users', () => {
  it('fm: every user, each list as --user gives it (seen items excluded); the file reads back with fm encode', async () => {
    const m = join(dir, 'fm');
    expect((await runFm(['train', '--data', join(dir, 'u.data'), '--epochs', '3', '--dim', '3', '--out', m, '--backend', 'cpu'])).code).toBe(0);
    const out = join(dir, 'recs.csv');
    const r = await runFm(['recommend', '--model', m, '--all-users', '--k', '4', '--exclude-seen', join(dir, 'u.data'), '--out', out, '--backend', 'cpu', '--json']);
    expect(r.code, r.err).toBe(0);
    expect(r.json().users).toBe(12);
    await expectSameAsOneByOne(m, out, ['--exclude-seen', join(dir, 'u.data'), '--backend', 'cpu']);
    // no seen item comes back
    const seen = new Set(readFileSync(join(dir, 'u.data'), 'utf8').trim().split('\n').map((l) => l.split('\t').slice(0, 2).join(',')));
    for (const [user, list] of readCsv(out)) for (const x of list) expect(seen.has(`${user},${x.item}`)).toBe(false);
    const back = await runFm(['encode', '--input', out, '--columns', 'label=score,user:cat,item:cat,rank:skip', '--out', join(dir, 'recs.arrow'), '--json']);
    expect(back.code, back.err).toBe(0);
    expect(back.json().summary.rows).toBe(48);
  });

  it('a model with user features, and an MCMC model with --std: one user at a time, the same lists', async () => {
    const side = join(dir, 'side');
    const t = await runFm(['train', '--data', join(dir, 'u.data'), '--user-features', join(dir, 'users.csv'), '--user-columns', 'key=user,age:num', '--epochs', '3', '--dim', '3', '--out', side, '--backend', 'cpu']);
    expect(t.code, t.err).toBe(0);
    const out = join(dir, 'side.csv');
    expect((await runFm(['recommend', '--model', side, '--all-users', '--k', '4', '--out', out, '--backend', 'cpu'])).code).toBe(0);
    await expectSameAsOneByOne(side, out, ['--backend', 'cpu']);
    const mc = join(dir, 'mcmc');
    expect((await runFm(['train', '--data', join(dir, 'u.data'), '--solver', 'mcmc', '--iterations', '12', '--burn-in', '4', '--dim', '2', '--out', mc, '--backend', 'cpu'])).code).toBe(0);
    const out2 = join(dir, 'mcmc.csv');
    const r = await runFm(['recommend', '--model', mc, '--all-users', '--k', '4', '--std', '--out', out2, '--backend', 'cpu']);
    expect(r.code, r.err).toBe(0);
    expect(readFileSync(out2, 'utf8').split('\n')[0]).toBe('user,item,rank,score,std');
    await expectSameAsOneByOne(mc, out2, ['--std', '--backend', 'cpu']);
  });

  it('usage: one of --user and --all-users; --all-users needs --out; --out is never an input', async () => {
    const m = join(dir, 'fm');
    for (const [args, msg] of [
      [[], /give --user ID or --all-users/],
      [['--user', '1', '--all-users', '--out', join(dir, 'x.csv')], /give --user ID or --all-users/],
      [['--all-users'], /--all-users writes its lists to --out FILE\.csv/],
      [['--user', '1', '--exclude-seen', join(dir, 'u.data'), '--out', join(dir, 'u.data')], /--out .*u\.data is also an input \(--exclude-seen\)/],
    ] as const) {
      const r = await runFm(['recommend', '--model', m, ...args]);
      expect(r.code, r.err).toBe(2);
      expect(r.err).toMatch(msg);
    }
  });
});
