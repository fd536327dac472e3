import { describe, expect, it } from 'vitest';
import { defineCommand, type Command } from './command.js';
import { CliError, InterruptedError } from './errors.js';
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
const slow = defineCommand({
  name: 'slow',
  summary: 'never ends by itself',
  usage: 'slow',
  readOnly: true,
  options: {},
  async run() {
    return new Promise(() => undefined);
  },
});
/** `writer` stops at its next check; `evil` prints text from data with control characters. */
const [writer, evil] = ['writer', 'evil'].map((name) =>
  defineCommand({
    name,
    summary: name,
    usage: name,
    options: {},
    async run(_args, ctx) {
      if (name === 'evil') {
        ctx.print('title \u001b]0;owned\u0007 \u202etxt.exe\tx');
        throw new CliError('u.data:1: expected an integer, got "\u001b[2J"');
      }
      ctx.kept = 'out.arrow left as it was';
      await new Promise((r) => setTimeout(r, 20));
      ctx.signal.throwIfAborted();
      return {};
    },
  }),
);
const table = [echo, slow, writer, evil] as unknown as Command[];

async function run(argv: string[], signal?: AbortSignal) {
  const stdout = new Sink();
  const stderr = new Sink();
  const code = await main(argv, table, { stdout, stderr, ...(signal ? { signal } : {}) });
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

  it('Ctrl-C: exit 130 saying what was kept; a read-only command ends at once', async () => {
    const c = new AbortController();
    setTimeout(() => c.abort(new Error('ctrl-c')), 5);
    expect(await run(['writer'], c.signal)).toEqual({ code: 130, out: '', err: 'interrupted: out.arrow left as it was\n' });
    const d = new AbortController();
    setTimeout(() => d.abort(), 5);
    expect(await run(['slow'], d.signal)).toEqual({ code: 130, out: '', err: 'interrupted: nothing was written\n' });
    expect(new InterruptedError('x').name).toBe('InterruptedError');
  });

  it('control characters from data never reach the terminal raw', async () => {
    const r = await run(['echo', '--n', '1', '--fail']);
    expect(r.err).toContain('got "x"');
    expect(await run(['evil'])).toEqual({
      code: 1,
      out: 'title \\x1b]0;owned\\x07 \\u202etxt.exe\\tx\n',
      err: 'error: u.data:1: expected an integer, got "\\x1b[2J"\n',
    });
  });
});
