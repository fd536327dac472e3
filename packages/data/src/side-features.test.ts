import { describe, expect, it } from 'vitest';
import {
  encodeInteractions,
  joinSideFeatures,
  parseInteractionFeatures,
  parseSideFeatureSpec,
  parseSideFeatures,
  sideFeatureRow,
  sideFeaturesFromJSON,
  sideFeaturesToJSON,
  type Interactions,
  type MultiHotColumn,
} from './index.js';

const userLines = ['user,age,job,tags,zip', '1,24,writer,a|b,111', '005,40,artist,,222', '9,17,writer,c,333'];
const userSpec = 'key=user,age:num,job:cat,tags:multi|,zip:skip';

describe('parseSideFeatureSpec', () => {
  it('is the --columns grammar with key= in place of label=', () => {
    expect(parseSideFeatureSpec('key=movieId, year:num, genres:multi|, title:skip')).toEqual({
      key: 'movieId',
      columns: [
        { name: 'year', kind: 'num' },
        { name: 'genres', kind: 'multi', separator: '|' },
        { name: 'title', kind: 'skip' },
      ],
    });
    expect(() => parseSideFeatureSpec('age:num')).toThrow('parseSideFeatureSpec: no key column (add key=NAME)');
    expect(() => parseSideFeatureSpec('label=y,age:num')).toThrow('unknown option "label", expected key=, header=, delim= or scale=');
    expect(() => parseSideFeatureSpec('key=user,user:cat')).toThrow('column "user" is listed twice (or is also the key)');
  });
});

describe('parseSideFeatures', () => {
  it('reads one typed row per id, the key column apart', async () => {
    const { features } = await parseSideFeatures(userLines, userSpec);
    expect(features.key).toBe('user');
    expect(features.ids).toEqual(['1', '005', '9']);
    expect(features.columns.map((c) => c.name)).toEqual(['age', 'job', 'tags']);
    expect(Array.from(features.frame.columns.age as Float64Array)).toEqual([24, 40, 17]);
    expect(features.frame.columns.job).toEqual(['writer', 'artist', 'writer']);
    expect((features.frame.columns.tags as MultiHotColumn).tokens).toEqual(['a', 'b', 'c']);
  });

  it('names the file and line of an empty id, and rejects an id listed twice', async () => {
    await expect(parseSideFeatures(['user,age', ',3'], 'key=user,age:num', { file: 'u.csv' })).rejects.toThrow(
      'u.csv:2: expected a non-empty id in key column "user", got ""',
    );
    await expect(parseSideFeatures(['user,age', '7,3', '07,4'], 'key=user,age:num', { file: 'u.csv' })).rejects.toThrow(
      'id "07" of data row 2 repeats the id "7" of data row 1',
    );
  });
});

describe('joinSideFeatures', () => {
  it('looks every row up by id (numeric ids in any form) and copies its attributes', async () => {
    const { features } = await parseSideFeatures(userLines, userSpec);
    const frame = { length: 4, columns: { user: Int32Array.from([9, 5, 1, 5]), item: ['x', 'y', 'x', 'z'] } };
    const out = joinSideFeatures(frame, 'user', features);
    expect(Array.from(out.columns.age as Float64Array)).toEqual([17, 40, 24, 40]);
    expect(out.columns.job).toEqual(['writer', 'artist', 'writer', 'artist']);
    const tags = out.columns.tags as MultiHotColumn;
    expect(Array.from(tags.offsets)).toEqual([0, 1, 1, 3, 3]);
    expect(tags.tokens).toEqual(['c', 'a', 'b']);
    expect(out.columns.item).toBe(frame.columns.item);
  });

  it('an id the side file lacks is an error naming it, or empty attributes when asked', async () => {
    const { features } = await parseSideFeatures(userLines, userSpec);
    const frame = { length: 2, columns: { user: ['1', '42'] } };
    expect(() => joinSideFeatures(frame, 'user', features)).toThrow('row 1 has user "42", which the side features (key "user") do not list');
    const out = joinSideFeatures(frame, 'user', features, { missing: 'empty' });
    // a missing number is NaN: the encoder stores the feature as 0 (absent) and leaves it out of the scaling
    expect(Array.from(out.columns.age as Float64Array)).toEqual([24, NaN]);
    expect(out.columns.job).toEqual(['writer', '']);
    expect(Array.from((out.columns.tags as MultiHotColumn).offsets)).toEqual([0, 2, 2]);
    expect(() => joinSideFeatures(frame, 'nope', features)).toThrow('the frame has no column "nope"');
    expect(() => joinSideFeatures({ length: 1, columns: { user: ['1'], age: ['x'] } }, 'user', features)).toThrow('side column "age" clashes');
  });

  it('sideFeatureRow finds the row of an id in any numeric form, undefined when absent', async () => {
    const { features } = await parseSideFeatures(userLines, userSpec);
    for (const [i, id] of features.ids.entries()) {
      expect(sideFeatureRow(features, id)).toBe(i);
      expect(sideFeatureRow(features, Number(id))).toBe(i);
      expect(sideFeatureRow(features, `00${id}`)).toBe(i);
    }
    expect(sideFeatureRow(features, 42)).toBeUndefined();
    expect(sideFeatureRow(features, 'x')).toBeUndefined();
  });

  it('round-trips through JSON', async () => {
    const { features } = await parseSideFeatures(userLines, userSpec);
    const back = sideFeaturesFromJSON(JSON.parse(JSON.stringify(sideFeaturesToJSON(features))));
    const frame = { length: 3, columns: { user: Int32Array.from([1, 5, 9]) } };
    expect(joinSideFeatures(frame, 'user', back)).toEqual(joinSideFeatures(frame, 'user', features));
    expect(() => sideFeaturesFromJSON({ format: 'other' })).toThrow('expected format "fm-side-features/1"');
  });
});

describe('encodeInteractions with side-feature files', () => {
  const x: Interactions = {
    user: Int32Array.from([5, 1, 9]),
    item: Int32Array.from([10, 20, 10]),
    rating: Float32Array.from([4, 3, 5]),
    timestamp: new Float64Array(3),
    length: 3,
  };

  it('adds one field per user and item column, joined on the raw ids', async () => {
    const { features: users } = await parseSideFeatures(userLines, userSpec);
    const { features: items } = await parseSideFeatures(['movie,year', '10,1995', '20,1977'], 'key=movie,year:num');
    const { encoder, dataset } = encodeInteractions(x, { userFeatures: users, itemFeatures: items });
    expect(encoder.schema.fields.map((f) => `${f.name}:${f.kind}`)).toEqual(['user:categorical', 'item:categorical', 'age:numeric', 'job:categorical', 'tags:multi-hot', 'year:numeric']);
    // Row 0: user 5 (age 40, artist, no tags), item 10 (1995).
    const valueOf = (r: number, field: string) => {
      const f = encoder.schema.fieldIndex(field);
      const j = Array.from(dataset.fields.subarray(dataset.offsets[r], dataset.offsets[r + 1])).indexOf(f);
      return j < 0 ? undefined : (dataset.values[(dataset.offsets[r] as number) + j] as number);
    };
    // numeric columns are min-max scaled over the rows encoded: ages 40, 24, 17 and years 1995, 1977, 1995
    expect(valueOf(0, 'age')).toBe(1);
    expect(valueOf(1, 'age')).toBe(Math.fround((24 - 17) / (40 - 17)));
    expect(valueOf(2, 'age')).toBe(0);
    expect(valueOf(0, 'year')).toBe(1);
    expect(valueOf(1, 'year')).toBe(0);
    expect(valueOf(0, 'tags')).toBeUndefined();
    expect(valueOf(2, 'year')).toBe(1);
    expect(dataset.ids[(dataset.offsets[0] as number) + 3]).toBe(encoder.encode('job', 'artist'));
    // The same encoder re-applies the features to a test log.
    const again = encodeInteractions(x, { encoder, userFeatures: users, itemFeatures: items });
    expect(Array.from(again.dataset.ids)).toEqual(Array.from(dataset.ids));
    expect(Array.from(again.dataset.values)).toEqual(Array.from(dataset.values));
    // scale=none keeps the raw numbers
    const { features: rawItems } = await parseSideFeatures(['movie,year', '10,1995', '20,1977'], 'key=movie,year:num,scale=none');
    const raw = encodeInteractions(x, { userFeatures: users, itemFeatures: rawItems });
    const f = raw.encoder.schema.fieldIndex('year');
    const years = Array.from(raw.dataset.values).filter((_, j) => raw.dataset.fields[j] === f);
    expect(years).toEqual([1995, 1977, 1995]);
  });

  it('rejects an unknown user unless missing side features are allowed', async () => {
    const { features: users } = await parseSideFeatures(['user,age', '5,40', '1,24'], 'key=user,age:num');
    expect(() => encodeInteractions(x, { userFeatures: users })).toThrow('row 2 has user "9"');
    const { dataset } = encodeInteractions(x, { userFeatures: users, missingSideFeatures: 'empty' });
    // user 9 is absent (value 0); the min-max scaling is over the ages present, 40 and 24
    expect(dataset.values[(dataset.offsets[2] as number) + 2]).toBe(0);
    expect(dataset.values[(dataset.offsets[0] as number) + 2]).toBe(1);
    expect(dataset.values[(dataset.offsets[1] as number) + 2]).toBe(0);
  });
});

describe('parseInteractionFeatures', () => {
  it('parses the --features list and names bad entries', () => {
    expect(parseInteractionFeatures('genres, age,gender,occupation,rated')).toEqual(['genres', 'age', 'gender', 'occupation', 'rated']);
    expect(parseInteractionFeatures('')).toEqual([]);
    expect(() => parseInteractionFeatures('genres,colour')).toThrow('unknown feature "colour", expected a comma-separated list of genres, age, gender, occupation, rated, raters');
    expect(() => parseInteractionFeatures('age,age')).toThrow('feature "age" is listed twice');
  });
});
