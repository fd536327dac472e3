import { describe, expect, it } from 'vitest';
import { sniffTextFormat } from '../index.js';

describe('sniffTextFormat', () => {
  it('tells every text format fm reads from its first lines', () => {
    expect(sniffTextFormat(['196\t242\t3\t881250949', '186\t302\t3\t891717742'])).toEqual({ format: 'movielens', layout: 'u.data' });
    expect(sniffTextFormat(['\uFEFF196\t242\t3\t881250949\r'])).toEqual({ format: 'movielens', layout: 'u.data' });
    expect(sniffTextFormat(['ï»¿196\t242\t3\t881250949'])).toEqual({ format: 'movielens', layout: 'u.data' });
    expect(sniffTextFormat(['1::1193::5::978300760'])).toEqual({ format: 'movielens', layout: 'ratings.dat' });
    expect(sniffTextFormat(['userId,movieId,rating,timestamp', '1,1,4.0,964982703'])).toEqual({ format: 'movielens', layout: 'ratings.csv' });
    expect(sniffTextFormat(['', '1 0:1 5:0.5', '0', '-1 3:1'])).toEqual({ format: 'libfm' });
    expect(sniffTextFormat(['1 0:3:1 1:9:1', '0 0:2:1'])).toEqual({ format: 'libffm' });
    expect(sniffTextFormat(['label,site,ad', '1,a,b'])).toEqual({ format: 'csv' });
  });

  it('says nothing when the lines fit no format or disagree', () => {
    expect(sniffTextFormat([])).toBeUndefined();
    expect(sniffTextFormat(['hello world'])).toBeUndefined();
    expect(sniffTextFormat(['1 0:1', '1\t2\t3\t4'])).toBeUndefined();
    expect(sniffTextFormat(['1 0:1', '0 0:1:1'])).toBeUndefined();
  });
});
