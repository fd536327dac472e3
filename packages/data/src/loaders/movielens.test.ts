import { describe, expect, it } from 'vitest';
import { ParseError, parseMovieLensItems, parseMovieLensRatings, parseMovieLensUsers, splitLines } from '../index.js';

async function* asyncLines(lines: string[]): AsyncGenerator<string> {
  for (const l of lines) yield l;
}

describe('parseMovieLensRatings', () => {
  it('parses u.data (tabs), ratings.dat (::) and ratings.csv (header, CRLF, blank lines)', async () => {
    const a = await parseMovieLensRatings(['196\t242\t3\t881250949', '186\t302\t3.5\t891717742', ''], 'u.data');
    expect(Array.from(a.interactions.user)).toEqual([196, 186]);
    expect(Array.from(a.interactions.item)).toEqual([242, 302]);
    expect(Array.from(a.interactions.rating)).toEqual([3, 3.5]);
    expect(Array.from(a.interactions.timestamp)).toEqual([881250949, 891717742]);
    expect(a.interactions.length).toBe(2);

    const b = await parseMovieLensRatings(asyncLines(['1::1193::5::978300760', '1::661::3::978302109']), 'ratings.dat');
    expect(Array.from(b.interactions.item)).toEqual([1193, 661]);

    const c = await parseMovieLensRatings(splitLines('userId,movieId,rating,timestamp\r\n1,1,4.0,964982703\r\n2,3,0.5,9\r\n'), 'ratings.csv');
    expect(Array.from(c.interactions.user)).toEqual([1, 2]);
    expect(Array.from(c.interactions.rating)).toEqual([4, 0.5]);
    // lines that keep their \r are handled too
    const d = await parseMovieLensRatings(['userId,movieId,rating,timestamp\r', '1,1,4.0,964982703\r'], 'ratings.csv');
    expect(Array.from(d.interactions.timestamp)).toEqual([964982703]);
  });

  it('names file:line and what was expected for malformed lines', async () => {
    const cases: [string, string][] = [
      ['1\t2\t3', 'u.data:2: expected 4 tab-separated fields (user, item, rating, timestamp) but found 3, got "1\t2\t3"'],
      ['1\t2\tgood\t5', 'u.data:2: expected a finite numeric rating, got "good"'],
      ['1\t2\tNaN\t5', 'u.data:2: expected a finite numeric rating, got "NaN"'],
      ['1\t2\t\t5', 'u.data:2: expected a finite numeric rating, got ""'],
      ['x\t2\t3\t5', 'u.data:2: expected an integer user id, got "x"'],
      ['1\t2.5\t3\t5', 'u.data:2: expected an integer item id, got "2.5"'],
      ['1\t2\t3\tlater', 'u.data:2: expected a numeric timestamp, got "later"'],
    ];
    for (const [bad, msg] of cases) {
      const p = parseMovieLensRatings(['1\t1\t1\t1', bad], 'u.data');
      await expect(p).rejects.toThrow(msg);
      await expect(p).rejects.toBeInstanceOf(ParseError);
    }
    const e = await parseMovieLensRatings(['1::2::3'], 'ratings.dat', { file: 'ml-1m/ratings.dat' }).then(
      () => undefined,
      (x: unknown) => x as ParseError,
    );
    if (!e) throw new Error('expected a ParseError');
    expect(e.message).toBe('ml-1m/ratings.dat:1: expected 4 ::-separated fields (user, item, rating, timestamp) but found 3, got "1::2::3"');
    expect(e.file).toBe('ml-1m/ratings.dat');
    expect(e.line).toBe(1);
  });

  it('counts and reports bad lines in skip mode, keeping the good ones', async () => {
    const seen: number[] = [];
    const r = await parseMovieLensRatings(['1\t1\t5\t1', '', '1\t2\tbad\t1', '2\t2', '2\t3\t4\t1'], 'u.data', {
      skipBadLines: true,
      file: 'f',
      onSkip: (e) => seen.push(e.line),
    });
    expect(r.skipped).toBe(2);
    expect(seen).toEqual([3, 4]);
    expect(r.errors).toEqual([
      'f:3: expected a finite numeric rating, got "bad"',
      'f:4: expected 4 tab-separated fields (user, item, rating, timestamp) but found 2, got "2\t2"',
    ]);
    expect(Array.from(r.interactions.item)).toEqual([1, 3]);
  });
});

describe('parseMovieLensItems', () => {
  it('reads u.item genre flags and years', async () => {
    const flags = (on: number[]) => Array.from({ length: 19 }, (_, i) => (on.includes(i) ? '1' : '0')).join('|');
    const items = await parseMovieLensItems(
      [`1|Toy Tale (1995)|01-Jan-1995||http://x|${flags([3, 4, 5])}`, `2|Caf\u00e9|05-Mar-1997||http://y|${flags([0])}`],
      'u.item',
    );
    expect(items.get(1)).toEqual({ id: 1, title: 'Toy Tale (1995)', genres: ['Animation', "Children's", 'Comedy'], year: 1995 });
    expect(items.get(2)).toEqual({ id: 2, title: 'Caf\u00e9', genres: ['unknown'], year: 1997 });
    await expect(parseMovieLensItems([`3|T|||u|${flags([]).replace(/^0/, '2')}`], 'u.item')).rejects.toThrow(
      'u.item:1: expected genre flag 0 or 1 for "unknown", got "2"',
    );
    await expect(parseMovieLensItems(['3|T|x'], 'u.item')).rejects.toThrow(
      'u.item:1: expected 24 |-separated fields (id, title, dates, url and 19 genre flags) but found 3',
    );
  });

  it('reads movies.dat and movies.csv with quoted titles holding commas and quotes', async () => {
    const dat = await parseMovieLensItems(['1::Toy Tale (1995)::Animation|Comedy'], 'movies.dat');
    expect(dat.get(1)).toEqual({ id: 1, title: 'Toy Tale (1995)', genres: ['Animation', 'Comedy'], year: 1995 });
    const csv = await parseMovieLensItems(
      ['movieId,title,genres', '11,"American President, The (1995)",Comedy|Drama|Romance', '12,"Say ""Hi"" (2003)",(no genres listed)'],
      'movies.csv',
    );
    expect(csv.get(11)).toEqual({ id: 11, title: 'American President, The (1995)', genres: ['Comedy', 'Drama', 'Romance'], year: 1995 });
    expect(csv.get(12)).toEqual({ id: 12, title: 'Say "Hi" (2003)', genres: [], year: 2003 });
    await expect(parseMovieLensItems(['movieId,title,genres', '13,"Open title,Drama'], 'movies.csv')).rejects.toThrow(
      'movies.csv:2: expected a closing quote for the field opened at column 4, got "13,"Open title,Drama"',
    );
    await expect(parseMovieLensItems(['1::A::x', '1::B::y'], 'movies.dat')).rejects.toThrow(
      'movies.dat:2: expected a movie id not seen before (1 is a duplicate)',
    );
  });
});

describe('parseMovieLensUsers', () => {
  it('reads u.user and users.dat (occupation codes named)', async () => {
    const a = await parseMovieLensUsers(['1|24|M|technician|85711'], 'u.user');
    expect(a.get(1)).toEqual({ id: 1, age: 24, gender: 'M', occupation: 'technician', zip: '85711' });
    const b = await parseMovieLensUsers(['1::F::1::10::48067', '2::M::56::16::70072'], 'users.dat');
    expect(b.get(1)).toEqual({ id: 1, age: 1, gender: 'F', occupation: 'K-12 student', zip: '48067' });
    expect(b.get(2)?.occupation).toBe('self-employed');
    await expect(parseMovieLensUsers(['1::F::1::21::4'], 'users.dat')).rejects.toThrow('users.dat:1: expected an occupation code 0..20, got "21"');
    await expect(parseMovieLensUsers(['1|x|M|a|1'], 'u.user')).rejects.toThrow('u.user:1: expected a non-negative integer age, got "x"');
    await expect(parseMovieLensUsers(['1|3|Q|a|1'], 'u.user')).rejects.toThrow('u.user:1: expected gender M or F, got "Q"');
  });

  it('rejects an unknown format', async () => {
    await expect(parseMovieLensUsers([], 'users.csv' as 'u.user')).rejects.toThrow('unknown format "users.csv", expected u.user | users.dat');
  });
});
