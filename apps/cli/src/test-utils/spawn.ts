// The built binary in a child process, for tests that send it signals.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { BIN } from './build.js';

export interface Child {
  output: () => string;
  waitFor: (re: RegExp, ms: number) => Promise<void>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  kill: (sig: NodeJS.Signals) => number;
}

export function spawnFm(args: string[]): Child {
  const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let text = '';
  child.stdout.on('data', (b: Buffer) => (text += b.toString()));
  child.stderr.on('data', (b: Buffer) => (text += b.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  return {
    output: () => text,
    async waitFor(re, ms) {
      const t0 = Date.now();
      while (!re.test(text)) {
        if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${re} in:\n${text}`);
        if (child.exitCode !== null) throw new Error(`fm exited (${child.exitCode}) before ${re}:\n${text}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    exited,
    kill: (sig) => {
      child.kill(sig);
      return performance.now();
    },
  };
}

/** Relative path → sha256 of every file under `dir` (the state of an output). */
export function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out[relative(dir, p)] = createHash('sha256').update(readFileSync(p)).digest('hex');
    }
  };
  if (existsSync(dir)) walk(dir);
  return out;
}

/** Temporaries and commit journals left in `d` (recursively). */
export const leftovers = (d: string): string[] =>
  readdirSync(d, { recursive: true }).map(String).filter((f) => f.includes('.fm-tmp-') || f.includes('.fm-commit-'));
