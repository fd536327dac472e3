/**
 * `pnpm bench --only cli`: the `fm` command's own time and peak memory on big tables, each command in its own
 * process (wall seconds; peak RSS from /proc/PID/status VmHWM, polled). Two models: a 1M-feature, 39-field FFM at
 * k = 16 (`fm generate ctr --rows 20000`: a 2.5 GB table) and a 300k-user × 100k-item MF at k = 128 (205 MB);
 * `--quick` shrinks both. Besides, 3,000 users × 1,500 items with user and item attribute tables (an FM and an
 * MCMC model) for `fm recommend --all-users` on side features. `--baseline DIR` (a built checkout of an earlier commit) runs the same commands with its
 * `fm` right after ours, on the same files, so the two can be compared side by side.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** One command's figures. */
export interface CliBenchRow {
  step: string;
  build: string;
  seconds: number;
  peakRssMiB: number;
  exit: number;
  note?: string;
}

/** VmHWM (peak resident set) of a live process in MiB, or 0 once it is gone. */
function peakOf(pid: number): number {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : 0;
  } catch {
    return 0;
  }
}

/** Runs `node bin args` in `cwd`; wall time, the highest VmHWM seen (polled every 100 ms), exit code, its error line. */
function runFm(bin: string, args: string[], cwd: string): Promise<{ seconds: number; peakRssMiB: number; exit: number; last: string }> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, [bin, ...args], { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    let peak = 0;
    const poll = setInterval(() => (peak = Math.max(peak, peakOf(child.pid ?? -1))), 100);
    child.stderr.on('data', (b: Buffer) => (err = (err + b.toString()).slice(-2000)));
    child.on('error', reject);
    child.on('exit', (code) => {
      clearInterval(poll);
      const lines = err.trim().split('\n');
      const last = lines.filter((l) => l.startsWith('error:')).pop() ?? lines.pop() ?? '';
      resolve({ seconds: (performance.now() - t0) / 1000, peakRssMiB: Math.round(peak), exit: code ?? -1, last });
    });
  });
}

/**
 * `side.csv` (user,item,rating: `perUser` seeded ratings per user, from a planted age × kind effect), `users.csv`
 * (user,age,job) and `items.csv` (item,kind) for `users` × `items`.
 */
function sideFeatureFiles(users: number, items: number, perUser: number): Record<string, string> {
  let s = 12345;
  const rnd = () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296;
  const age = Array.from({ length: users }, () => 18 + Math.floor(rnd() * 50));
  const kind = Array.from({ length: items }, () => Math.floor(rnd() * 6));
  const lines = ['user,item,rating'];
  for (let u = 0; u < users; u++) {
    const seen = new Set<number>();
    while (seen.size < Math.min(perUser, items)) seen.add(Math.floor(rnd() * items));
    for (const i of seen) {
      const y = 3 + (age[u]! > 40 ? 1 : -1) * (kind[i]! % 2 ? 0.8 : -0.8) + (rnd() - 0.5) * 2;
      lines.push(`u${u},i${i},${Math.min(5, Math.max(1, Math.round(y)))}`);
    }
  }
  return {
    'side.csv': `${lines.join('\n')}\n`,
    'users.csv': `user,age,job\n${age.map((a, u) => `u${u},${a},j${u % 7}`).join('\n')}\n`,
    'items.csv': `item,kind\n${kind.map((k, i) => `i${i},k${k}`).join('\n')}\n`,
  };
}

/** @param opts.steps only the steps whose name contains it (and only the data and models they need). */
export async function runCliBench(opts: { quick?: boolean; baseline?: string; steps?: string } = {}): Promise<CliBenchRow[]> {
  const ours = fileURLToPath(new URL('../../apps/cli/dist/bin.js', import.meta.url));
  if (!existsSync(ours)) throw new Error(`cli bench: ${ours} is missing (pnpm build first)`);
  const builds: [string, string][] = [['this', ours]];
  if (opts.baseline) {
    const base = join(opts.baseline, 'apps', 'cli', 'dist', 'bin.js');
    if (!existsSync(base)) throw new Error(`cli bench: --baseline ${opts.baseline} has no apps/cli/dist/bin.js (build it first)`);
    builds.push(['baseline', base]);
  }
  const dir = mkdtempSync(join(tmpdir(), 'fm-cli-bench-'));
  const rows: CliBenchRow[] = [];
  try {
    const q = opts.quick === true;
    const prepare = async (args: string[]) => {
      const r = await runFm(ours, args, dir);
      if (r.exit !== 0) throw new Error(`cli bench: fm ${args.join(' ')} failed: ${r.last}`);
    };
    // every step, and the data and models it needs (made by this build)
    type Step = [string, 'ctr' | 'mf' | 'side', (b: string) => string[]];
    const all: Step[] = [
      ['train ffm (1 epoch)', 'ctr', (b) => ['train', '--data', 'ctr.arrow', '--model', 'ffm', '--task', 'binary', '--epochs', '1', '--threads', '1', '--out', `ffm-${b}`]],
      ['eval ffm', 'ctr', () => ['eval', '--model', 'ffm', '--data', 'ctr.arrow']],
      ['predict ffm', 'ctr', (b) => ['predict', '--model', 'ffm', '--data', 'ctr.arrow', '--out', `ffm-${b}.pred`]],
      ['train --init-from ffm (1 epoch)', 'ctr', (b) => ['train', '--data', 'ctr.arrow', '--init-from', 'ffm', '--task', 'binary', '--epochs', '1', '--threads', '1', '--out', `ffm-init-${b}`]],
      ['info ffm', 'ctr', () => ['info', '--model', 'ffm']],
      ['recommend mf (one user)', 'mf', () => ['recommend', '--model', 'mf', '--user', '17', '--k', '10']],
      ['similar mf', 'mf', () => ['similar', '--model', 'mf', '--item', '17', '--k', '10']],
      ['encode --encoder mf', 'mf', (b) => ['encode', '--input', 'two.data', '--format', 'movielens', '--encoder', 'mf', '--out', `two-${b}.arrow`]],
      ['recommend --all-users, FM with user and item tables', 'side', (b) => ['recommend', '--model', 'side-fm', '--all-users', '--k', '10', '--out', `side-fm-${b}.csv`]],
      ['recommend --all-users, MCMC with user and item tables', 'side', (b) => ['recommend', '--model', 'side-mcmc', '--all-users', '--k', '10', '--out', `side-mcmc-${b}.csv`]],
    ];
    const steps = all.filter(([step]) => opts.steps === undefined || step.includes(opts.steps));
    const needs = new Set(steps.map(([, need]) => need));
    if (needs.has('ctr')) {
      await prepare(['generate', 'ctr', '--out', 'ctr.arrow', '--rows', q ? '2000' : '20000', ...(q ? ['--hash-size', '20000'] : [])]);
      await prepare(['train', '--data', 'ctr.arrow', '--model', 'ffm', '--task', 'binary', '--epochs', '1', '--threads', '1', '--out', 'ffm']);
    }
    if (needs.has('mf')) {
      await prepare(['generate', 'ratings', '--out', 'ratings.arrow', '--users', q ? '3000' : '300000', '--items', q ? '1000' : '100000', '--density', q ? '0.02' : '0.0002']);
      await prepare(['train', '--data', 'ratings.arrow', '--model', 'mf', '--dim', q ? '16' : '128', '--epochs', '1', '--out', 'mf']);
      writeFileSync(join(dir, 'two.data'), '17\t5\t3\t881250949\n18\t6\t4\t881250950\n');
    }
    if (needs.has('side')) {
      // ratings with user and item attribute tables (CSV), and an FM and an MCMC model trained with them
      for (const [name, text] of Object.entries(sideFeatureFiles(q ? 300 : 3000, q ? 150 : 1500, 30))) writeFileSync(join(dir, name), text);
      const sideFlags = ['--columns', 'label=rating,user:cat,item:cat', '--user-features', 'users.csv', '--user-columns', 'key=user,age:num,job:cat', '--item-features', 'items.csv', '--item-columns', 'key=item,kind:cat'];
      await prepare(['train', '--data', 'side.csv', ...sideFlags, '--epochs', '1', '--out', 'side-fm']);
      await prepare(['train', '--data', 'side.csv', ...sideFlags, '--solver', 'mcmc', '--iterations', '30', '--out', 'side-mcmc']);
    }
    for (const [step, , args] of steps) {
      for (const [build, bin] of builds) {
        const r = await runFm(bin, args(build), dir);
        rows.push({ step, build, seconds: Number(r.seconds.toFixed(2)), peakRssMiB: r.peakRssMiB, exit: r.exit, ...(r.exit !== 0 ? { note: r.last.slice(0, 120) } : {}) });
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return rows;
}
