import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/**
 * Runs a compiled bench entry in a fresh Node process (so its peak RSS is its own) and parses the
 * last line it prints as JSON; `what` names it in errors.
 */
export function runJsonChild<T>(entry: URL, args: string[], what: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [fileURLToPath(entry), ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      const last = out.trim().split('\n').pop() ?? '';
      if (code !== 0) return reject(new Error(`${what} exited with code ${code}`));
      try {
        resolve(JSON.parse(last) as T);
      } catch {
        reject(new Error(`${what} printed no result: ${last.slice(0, 200)}`));
      }
    });
  });
}
