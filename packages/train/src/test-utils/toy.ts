import { FieldSchema, SparseDataset } from '@fm/data';

/**
 * The rating table of Rendle's FM paper (2010, fig. 1): users A, B, C × movies TI, NH, SW, ST,
 * as two categorical fields (user, item).
 */
export function toyRatings(): SparseDataset {
  const schema = new FieldSchema([
    { name: 'user', kind: 'categorical', cardinality: 3 },
    { name: 'item', kind: 'categorical', cardinality: 4 },
  ]);
  const rows: [number, number, number][] = [
    [0, 0, 5],
    [0, 1, 3],
    [0, 2, 1],
    [1, 2, 4],
    [1, 3, 5],
    [2, 0, 1],
    [2, 2, 5],
  ];
  return fromPairs(schema, rows);
}

/** A dataset of (user, item, label) rows over a user/item schema. */
export function fromPairs(schema: FieldSchema, rows: readonly [number, number, number][]): SparseDataset {
  const ids = new Int32Array(rows.length * 2);
  rows.forEach(([u, i], r) => {
    ids[2 * r] = schema.globalId('user', u);
    ids[2 * r + 1] = schema.globalId('item', i);
  });
  return new SparseDataset({
    schema,
    labels: Float32Array.from(rows, (r) => r[2]),
    offsets: Int32Array.from({ length: rows.length + 1 }, (_, r) => 2 * r),
    ids,
    values: new Float32Array(rows.length * 2).fill(1),
  });
}

/** A seeded synthetic rating set: `users × items` schema, ratings from hidden rank-2 factors plus noise. */
export function syntheticRatings(users: number, items: number, rows: number, seed: number): SparseDataset {
  const schema = new FieldSchema([
    { name: 'user', kind: 'categorical', cardinality: users },
    { name: 'item', kind: 'categorical', cardinality: items },
  ]);
  let s = seed >>> 0;
  const rnd = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296);
  const pu = Array.from({ length: users }, () => [rnd() * 2 - 1, rnd() * 2 - 1]);
  const qi = Array.from({ length: items }, () => [rnd() * 2 - 1, rnd() * 2 - 1]);
  const out: [number, number, number][] = [];
  for (let r = 0; r < rows; r++) {
    const u = Math.floor(rnd() * users);
    const i = Math.floor(rnd() * items);
    const a = pu[u] as number[];
    const b = qi[i] as number[];
    out.push([u, i, 3 + 1.5 * ((a[0] as number) * (b[0] as number) + (a[1] as number) * (b[1] as number)) + 0.1 * (rnd() - 0.5)]);
  }
  return fromPairs(schema, out);
}
