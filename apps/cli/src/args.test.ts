import { describe, expect, it } from 'vitest';
import { convertOption, parseCommandArgs } from './args.js';
import { EXIT_USAGE, exitCodeOf, UsageError } from './errors.js';

const OPTS = {
  epochs: { type: 'int', min: 1, description: 'epochs' },
  lr: { type: 'number', min: 0, exclusiveMin: true, description: 'learning rate' },
  frac: { type: 'number', min: 0, max: 1, exclusiveMin: true, exclusiveMax: true, default: 0.1, description: 'fraction' },
  model: { type: 'enum', choices: ['fm', 'ffm'], default: 'fm', description: 'kind' },
  metrics: { type: 'list', choices: ['rmse', 'mae'], description: 'metrics' },
  out: { type: 'string', required: true, description: 'output' },
  dry: { type: 'boolean', description: 'dry run' },
} as const;

function usageMessage(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(UsageError);
    expect(exitCodeOf(e)).toBe(EXIT_USAGE);
    return (e as Error).message;
  }
  throw new Error('expected a UsageError');
}

describe('parseCommandArgs', () => {
  it('converts values, applies defaults and records what was given', () => {
    const r = parseCommandArgs('train', OPTS, ['--epochs', '5', '--lr=0.01', '--out', 'm', '--metrics', 'RMSE, mae', '--dry']);
    expect(r.values.epochs).toBe(5);
    expect(r.values.lr).toBeCloseTo(0.01, 12);
    expect(r.values.frac).toBe(0.1);
    expect(r.values.model).toBe('fm');
    expect(r.values.metrics).toEqual(['rmse', 'mae']);
    expect(r.values.dry).toBe(true);
    expect(r.values.json).toBe(false);
    expect([...r.given].sort()).toEqual(['dry', 'epochs', 'lr', 'metrics', 'out']);
  });

  it('the last occurrence of a repeated flag wins', () => {
    expect(parseCommandArgs('train', OPTS, ['--out', 'a', '--out', 'b']).values.out).toBe('b');
  });

  it('rejects an unknown flag, naming it', () => {
    expect(usageMessage(() => parseCommandArgs('train', OPTS, ['--out', 'm', '--epoch', '3']))).toBe('fm train: unknown flag --epoch');
  });

  it('rejects a missing required flag, naming it', () => {
    expect(usageMessage(() => parseCommandArgs('train', OPTS, ['--epochs', '3']))).toBe('fm train: missing required flag --out');
  });

  it('--help skips the required check', () => {
    expect(parseCommandArgs('train', OPTS, ['--help']).values.help).toBe(true);
  });

  it('rejects a flag without its value', () => {
    expect(usageMessage(() => parseCommandArgs('train', OPTS, ['--out']))).toMatch(/^fm train: flag --out expects a value/);
  });

  it('rejects bad numbers with the flag, the expectation and the text', () => {
    expect(usageMessage(() => parseCommandArgs('train', OPTS, ['--out', 'm', '--epochs', 'abc']))).toBe(
      'fm train: --epochs expects an integer ≥ 1, got "abc"',
    );
    expect(usageMessage(() => parseCommandArgs('train', OPTS, ['--out', 'm', '--epochs', '2.5']))).toMatch(/--epochs expects an integer/);
    expect(usageMessage(() => parseCommandArgs('train', OPTS, ['--out', 'm', '--epochs', '0']))).toMatch(/--epochs expects an integer ≥ 1, got "0"/);
    expect(usageMessage(() => parseCommandArgs('train', OPTS, ['--out', 'm', '--lr', '0']))).toBe('fm train: --lr expects a number > 0, got "0"');
    expect(usageMessage(() => parseCommandArgs('train', OPTS, ['--out', 'm', '--frac', '1']))).toBe(
      'fm train: --frac expects a number > 0 and < 1, got "1"',
    );
    expect(usageMessage(() => parseCommandArgs('train', OPTS, ['--out', 'm', '--lr', '1e-3x']))).toMatch(/--lr expects a number/);
  });

  it('accepts scientific notation and signs where allowed', () => {
    expect(parseCommandArgs('train', OPTS, ['--out', 'm', '--lr', '1e-3']).values.lr).toBeCloseTo(0.001, 12);
    expect(parseCommandArgs('train', OPTS, ['--out', 'm', '--lr', '.5']).values.lr).toBe(0.5);
  });

  it('rejects values outside an enum or list, listing the choices', () => {
    expect(usageMessage(() => parseCommandArgs('train', OPTS, ['--out', 'm', '--model', 'svm']))).toBe(
      'fm train: --model expects one of fm|ffm, got "svm"',
    );
    expect(usageMessage(() => parseCommandArgs('train', OPTS, ['--out', 'm', '--metrics', 'rmse,auc']))).toMatch(
      /--metrics got unknown value "auc"/,
    );
  });

  it('rejects a value given to a boolean flag and unexpected positionals', () => {
    expect(usageMessage(() => parseCommandArgs('train', OPTS, ['--out', 'm', '--dry=yes']))).toMatch(/--dry does not take a value/);
    expect(usageMessage(() => parseCommandArgs('train', OPTS, ['--out', 'm', 'extra']))).toBe('fm train: unexpected argument "extra"');
    expect(parseCommandArgs('generate', OPTS, ['ratings', '--out', 'm'], { maxPositionals: 1 }).positionals).toEqual(['ratings']);
  });
});

describe('convertOption', () => {
  it('rejects empty strings and non-finite numbers', () => {
    expect(() => convertOption('x', 'out', { type: 'string', description: '' }, '')).toThrow(/--out expects a non-empty value/);
    expect(() => convertOption('x', 'n', { type: 'number', description: '' }, 'Infinity')).toThrow(/--n expects a number/);
    expect(() => convertOption('x', 'n', { type: 'int', description: '' }, '99999999999999999999')).toThrow(/--n expects an integer/);
  });
});

describe('negative numbers as flag values (Why: "--seed -1" gave "argument is ambiguous")', () => {
  it('joins a negative number to the flag before it, long or short, and leaves other dashes alone', () => {
    const o = { seed: { type: 'int', short: 's', description: 'seed' }, lr: { type: 'number', description: 'lr' }, dry: { type: 'boolean', description: 'dry' } } as const;
    expect(parseCommandArgs('x', o, ['--seed', '-1', '--lr', '-.5']).values).toMatchObject({ seed: -1, lr: -0.5 });
    expect(parseCommandArgs('x', o, ['-s', '-42']).values.seed).toBe(-42);
    expect(() => parseCommandArgs('x', o, ['--dry', '-1'])).toThrow(/unexpected argument|unknown flag/);
    expect(() => parseCommandArgs('x', o, ['--seed', '--dry'])).toThrow(UsageError);
  });
});
