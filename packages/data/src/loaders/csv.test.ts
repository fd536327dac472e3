import { describe, expect, it } from 'vitest';
import { Encoder, parseCsv, parseCsvSpec, type MultiHotColumn } from '../index.js';

describe('parseCsvSpec', () => {
  it('parses the compact CLI form', () => {
    expect(parseCsvSpec('label=rating,user:cat,item:cat,age:num,genres:multi|,ts:skip')).toEqual({
      label: 'rating',
      columns: [
        { name: 'user', kind: 'cat' },
        { name: 'item', kind: 'cat' },
        { name: 'age', kind: 'num' },
        { name: 'genres', kind: 'multi', separator: '|' },
        { name: 'ts', kind: 'skip' },
      ],
    });
    expect(parseCsvSpec('header=no, delim=tab, label=0, 1:cat, 2:multi')).toEqual({
      label: '0',
      header: false,
      delimiter: '\t',
      columns: [
        { name: '1', kind: 'cat' },
        { name: '2', kind: 'multi' },
      ],
    });
  });

  it('rejects bad specs naming the entry', () => {
    expect(() => parseCsvSpec('user:cat')).toThrow('parseCsvSpec: no label column (add label=NAME)');
    expect(() => parseCsvSpec('label=y,user:text')).toThrow('parseCsvSpec: "user:text": unknown kind "text", expected cat | num | multi[SEP] | skip');
    expect(() => parseCsvSpec('label=y,user')).toThrow('parseCsvSpec: "user": expected NAME:cat|num|multi|skip');
    expect(() => parseCsvSpec('label=y,y:num')).toThrow('column "y" is listed twice (or is also the label)');
    expect(() => parseCsvSpec('label=y,colour=red')).toThrow('unknown option "colour"');
    expect(() => parseCsvSpec('header=no,label=0,2:cat')).toThrow('column 1 is not in the spec; list it (use 1:skip to ignore it)');
  });
});

describe('parseCsv', () => {
  const spec = 'label=rating,user:cat,item:cat,age:num,genres:multi|,ts:skip';
  const lines = ['rating,user,item,age,genres,ts', '5,u1,i10,24,Comedy|Drama,100', '3,u2,"i,20",53,,101', '', '4,u1,i20,24,Action,102'];

  it('builds a frame the encoder can fit', async () => {
    const { frame, labels, skipped } = await parseCsv(lines, spec);
    expect(skipped).toBe(0);
    expect(frame.length).toBe(3);
    expect(Array.from(labels)).toEqual([5, 3, 4]);
    expect(frame.columns.user).toEqual(['u1', 'u2', 'u1']);
    expect(frame.columns.item).toEqual(['i10', 'i,20', 'i20']);
    expect(Array.from(frame.columns.age as Float64Array)).toEqual([24, 53, 24]);
    const g = frame.columns.genres as MultiHotColumn;
    expect(Array.from(g.offsets)).toEqual([0, 2, 2, 3]);
    expect(g.tokens).toEqual(['Comedy', 'Drama', 'Action']);
    expect(frame.columns.ts).toBeUndefined();
    const enc = Encoder.fit(frame, [
      { name: 'user', kind: 'categorical' },
      { name: 'genres', kind: 'multi-hot' },
    ]);
    const ds = enc.transform(frame, labels);
    expect(ds.nnz).toBe(3 + 3);
  });

  it('reads headerless files by position, with another delimiter', async () => {
    const { frame, labels } = await parseCsv(['1;a;2.5', '0;b;-1'], 'header=no,delim=semicolon,label=0,1:cat,2:num');
    expect(Array.from(labels)).toEqual([1, 0]);
    expect(frame.columns['1']).toEqual(['a', 'b']);
    expect(Array.from(frame.columns['2'] as Float64Array)).toEqual([2.5, -1]);
  });

  it('names file:line and column for malformed lines', async () => {
    const o = { file: 'x.csv' };
    const head = 'rating,user,item,age,genres,ts';
    await expect(parseCsv([head, '5,u1,i1,,A,1'], spec, o)).rejects.toThrow('x.csv:2: expected a number in column "age", got ""');
    await expect(parseCsv([head, ',u1,i1,3,A,1'], spec, o)).rejects.toThrow('x.csv:2: expected a numeric label in column "rating", got ""');
    await expect(parseCsv([head, 'five,u1,i1,3,A,1'], spec, o)).rejects.toThrow('x.csv:2: expected a numeric label in column "rating", got "five"');
    await expect(parseCsv([head, '5,u1,i1,3'], spec, o)).rejects.toThrow('x.csv:2: expected 6 ,-separated fields but found 4, got "5,u1,i1,3"');
    await expect(parseCsv([head, '5,u1,i1,3,A||B,1'], spec, o)).rejects.toThrow('x.csv:2: expected non-empty "|"-separated tokens in column "genres", got "A||B"');
    await expect(parseCsv(['rating,user,item,age,genres,ts,extra'], spec, o)).rejects.toThrow(
      'x.csv:1: expected only columns named in the spec (add "extra:skip" to ignore "extra")',
    );
    await expect(parseCsv(['rating,user,item,age,genres'], spec, o)).rejects.toThrow('x.csv:1: expected a header naming column "ts" from the spec');
    await expect(parseCsv([], spec, o)).rejects.toThrow('x.csv:1: expected a header line, got ""');
  });

  it('skip mode counts bad lines and leaves no partial rows', async () => {
    const r = await parseCsv(['rating,user,item,age,genres,ts', '5,u1,i1,x,A,1', '4,u2,i2,7,B,1'], spec, { skipBadLines: true });
    expect(r.skipped).toBe(1);
    expect(r.frame.length).toBe(1);
    expect(r.frame.columns.user).toEqual(['u2']);
    expect((r.frame.columns.genres as MultiHotColumn).tokens).toEqual(['B']);
    expect(r.errors[0]).toBe('<input>:2: expected a number in column "age", got "x"');
  });
});
