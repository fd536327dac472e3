import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { Interactions } from '@fm/data';
import { commands } from '../commands/index.js';
import { main } from '../main.js';

class Sink {
  text = '';
  write(s: string) {
    this.text += s;
  }
}

/** What a run of the CLI gave. */
export interface RunResult {
  code: number;
  out: string;
  err: string;
  /** stdout parsed as JSON (for --json runs). */
  json: () => Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
}

/** Runs `fm <args>` in this process (no child process: fast), capturing its output. */
export async function runFm(args: string[], signal?: AbortSignal): Promise<RunResult> {
  const stdout = new Sink();
  const stderr = new Sink();
  const code = await main(args, commands, { stdout, stderr, ...(signal ? { signal } : {}) });
  return {
    code,
    out: stdout.text,
    err: stderr.text,
    json: () => {
      try {
        return JSON.parse(stdout.text) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
      } catch {
        throw new Error(`stdout is not JSON:\n${stdout.text}\nstderr:\n${stderr.text}`);
      }
    },
  };
}

/** A fresh temporary folder, removed by {@link removeTempDirs}. */
const made: string[] = [];
export function tempDir(tag = 'fm-cli-'): string {
  const d = mkdtempSync(join(tmpdir(), tag));
  made.push(d);
  return d;
}
export function removeTempDirs(): void {
  for (const d of made.splice(0)) rmSync(d, { recursive: true, force: true });
}

/** Writes `files` (relative path → text or bytes) under `dir`, creating folders. */
export function writeFiles(dir: string, files: Record<string, string | Uint8Array>): void {
  for (const [rel, data] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, rel)), { recursive: true });
    writeFileSync(join(dir, rel), data);
  }
}

/**
 * A small MovieLens-style rating log (`user\titem\trating\ttimestamp` lines): `users` users each
 * rating `perUser` items, the ratings drawn from a planted user/item preference so a model can
 * learn something; deterministic.
 */
export function ratingLines(users: number, items: number, perUser: number, seed = 1): string[] {
  let s = seed >>> 0;
  const rand = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
  const lines: string[] = [];
  for (let u = 1; u <= users; u++) {
    const taste = rand();
    const chosen = new Set<number>();
    while (chosen.size < Math.min(perUser, items)) chosen.add(1 + Math.floor(rand() ** 1.5 * items));
    let t = 880000000 + u * 1000;
    for (const i of chosen) {
      const affinity = 1 - Math.abs(taste - i / items);
      const r = Math.max(1, Math.min(5, Math.round(1 + 4 * affinity + (rand() - 0.5))));
      lines.push(`${u}\t${i}\t${r}\t${t++}`);
    }
  }
  return lines;
}

/** Interactions as a MovieLens `u.data` text (`user\titem\tlabel\ttimestamp` lines); `label` defaults to the rating. */
export function uDataText(x: Interactions, label: (r: number) => number = (r) => x.rating[r] as number): string {
  const lines: string[] = [];
  for (let r = 0; r < x.length; r++) lines.push(`${x.user[r]}\t${x.item[r]}\t${label(r)}\t${x.timestamp[r]}`);
  return lines.join('\n') + '\n';
}
