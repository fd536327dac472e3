/**
 * `pnpm bench --only cli`: the `fm` command's own time and peak memory on big tables, each command in its own
 * process (wall seconds; peak RSS from /proc/PID/status VmHWM, polled). Two models: a 1M-feature, 39-field FFM at
 * k = 16 (`fm generate ctr --rows 20000`: a 2.5 GB table) and a 300k-user × 100k-item MF at k = 128 (205 MB);
 * `--quick` shrinks both. `--baseline DIR` (a built checkout of an earlier commit) runs the same commands with its
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

export async function runCliBench(opts: { quick?: boolean; baseline?: string } = {}): Promise<CliBenchRow[]> {
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
    // the data and the two models, made by this build
    await prepare(['generate', 'ctr', '--out', 'ctr.arrow', '--rows', q ? '2000' : '20000', ...(q ? ['--hash-size', '20000'] : [])]);
    await prepare(['generate', 'ratings', '--out', 'ratings.arrow', '--users', q ? '3000' : '300000', '--items', q ? '1000' : '100000', '--density', q ? '0.02' : '0.0002']);
    await prepare(['train', '--data', 'ctr.arrow', '--model', 'ffm', '--task', 'binary', '--epochs', '1', '--threads', '1', '--out', 'ffm']);
    await prepare(['train', '--data', 'ratings.arrow', '--model', 'mf', '--dim', q ? '16' : '128', '--epochs', '1', '--out', 'mf']);
    writeFileSync(join(dir, 'two.data'), '17\t5\t3\t881250949\n18\t6\t4\t881250950\n');
    const steps: [string, (b: string) => string[]][] = [
      ['train ffm (1 epoch)', (b) => ['train', '--data', 'ctr.arrow', '--model', 'ffm', '--task', 'binary', '--epochs', '1', '--threads', '1', '--out', `ffm-${b}`]],
      ['eval ffm', () => ['eval', '--model', 'ffm', '--data', 'ctr.arrow']],
      ['predict ffm', (b) => ['predict', '--model', 'ffm', '--data', 'ctr.arrow', '--out', `ffm-${b}.pred`]],
      ['train --init-from ffm (1 epoch)', (b) => ['train', '--data', 'ctr.arrow', '--init-from', 'ffm', '--task', 'binary', '--epochs', '1', '--threads', '1', '--out', `ffm-init-${b}`]],
      ['info ffm', () => ['info', '--model', 'ffm']],
      ['recommend mf (one user)', () => ['recommend', '--model', 'mf', '--user', '17', '--k', '10']],
      ['similar mf', () => ['similar', '--model', 'mf', '--item', '17', '--k', '10']],
      ['encode --encoder mf', (b) => ['encode', '--input', 'two.data', '--format', 'movielens', '--encoder', 'mf', '--out', `two-${b}.arrow`]],
    ];
    for (const [step, args] of steps) {
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
