import { describe, expect, it } from 'vitest';
import { defineCommand, type Command } from './command.js';
import { CliError } from './errors.js';
import { main } from './main.js';

class Sink {
  text = '';
  write(s: string) {
    this.text += s;
  }
}

const echo = defineCommand({
  name: 'echo',
  summary: 'echo a number',
  usage: 'echo --n N',
  options: { n: { type: 'int', min: 0, required: true, description: 'a number' }, fail: { type: 'boolean', description: 'fail' } },
  async run({ values }, ctx) {
    if (values.fail) throw new CliError('data.csv:3: expected a number, got "x"');
    ctx.print(`n is ${values.n}`);
    return { n: values.n, arr: new Float32Array([0.5]), inf: Infinity };
  },
});
const table = [echo] as unknown as Command[];

async function run(argv: string[]) {
  const stdout = new Sink();
  const stderr = new Sink();
  const code = await main(argv, table, { stdout, stderr });
  return { code, out: stdout.text, err: stderr.text };
}

describe('main', () => {
  it('runs a command with human output', async () => {
    expect(await run(['echo', '--n', '3'])).toEqual({ code: 0, out: 'n is 3\n', err: '' });
  });

  it('--json prints one JSON object (typed arrays as arrays, non-finite as null) and no human lines', async () => {
    const r = await run(['echo', '--n', '3', '--json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out)).toEqual({ command: 'echo', n: 3, arr: [0.5], inf: null });
  });

  it('bad usage exits 2 naming the flag', async () => {
    const r = await run(['echo', '--n', 'x']);
    expect(r.code).toBe(2);
    expect(r.err).toContain('--n expects an integer ≥ 0, got "x"');
    expect(r.err).toContain('fm echo --help');
    expect((await run(['echo'])).code).toBe(2);
    expect((await run(['echo', '--n', '1', '--bogus'])).err).toContain('unknown flag --bogus');
  });

  it('runtime failures exit 1 with the message; --json also reports the error on stdout', async () => {
    const r = await run(['echo', '--n', '1', '--fail', '--json']);
    expect(r.code).toBe(1);
    expect(r.err).toContain('error: data.csv:3: expected a number, got "x"');
    expect(JSON.parse(r.out)).toMatchObject({ command: 'echo', exitCode: 1 });
  });

  it('help and unknown commands', async () => {
    const h = await run(['--help']);
    expect(h.code).toBe(0);
    expect(h.out).toContain('echo');
    const c = await run(['echo', '--help']);
    expect(c.code).toBe(0);
    expect(c.out).toContain('Usage: fm echo --n N');
    expect(c.out).toContain('--n N');
    expect((await run([])).code).toBe(2);
    const u = await run(['ehco']);
    expect(u.code).toBe(2);
    expect(u.err).toContain('unknown command "ehco"');
  });
});
