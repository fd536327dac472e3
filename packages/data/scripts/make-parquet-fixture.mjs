// Writes the Parquet test fixture and the same rows as CSV (run from packages/data:
// `node scripts/make-parquet-fixture.mjs`). The output is committed; rerun only to change it.
//
// fixtures/parquet/clicks/            a Spark-style folder: part-00000.parquet, part-00001.parquet
//                                     (row groups of 7 rows, snappy) and an empty _SUCCESS marker
// fixtures/parquet/clicks.csv         the same 30 rows as CSV, for the Parquet-vs-CSV encoding test
//
// Columns: label INT32 (0/1), user STRING (one null → an empty CSV field), item INT64 (bigint),
// price DOUBLE, tags STRING ("a|b", a multi column), ts INT64 (skipped by the spec).
// hyparquet-writer is a devDependency of @fm/data, used only here.
import { mkdirSync, writeFileSync } from 'node:fs';
import { parquetWriteFile } from 'hyparquet-writer';

const rows = Array.from({ length: 30 }, (_, i) => ({
  label: (i * 7) % 3 === 0 ? 1 : 0,
  user: i === 11 ? null : `u${(i * 5) % 9}`,
  item: BigInt(1000 + ((i * 13) % 17)),
  price: [0.1, 1.25, 3, 99.5, 0.333][i % 5],
  tags: ['a', 'a|b', '', 'c|a|c', 'b'][i % 5],
  ts: BigInt(1_700_000_000 + i * 60),
}));

const dir = 'fixtures/parquet/clicks';
mkdirSync(dir, { recursive: true });
for (const [part, slice] of [
  [0, rows.slice(0, 18)],
  [1, rows.slice(18)],
]) {
  await parquetWriteFile({
    filename: `${dir}/part-0000${part}.parquet`,
    rowGroupSize: 7,
    columnData: [
      { name: 'label', data: slice.map((r) => r.label), type: 'INT32' },
      { name: 'user', data: slice.map((r) => r.user), type: 'STRING' },
      { name: 'item', data: slice.map((r) => r.item), type: 'INT64' },
      { name: 'price', data: slice.map((r) => r.price), type: 'DOUBLE' },
      { name: 'tags', data: slice.map((r) => r.tags), type: 'STRING' },
      { name: 'ts', data: slice.map((r) => r.ts), type: 'INT64' },
    ],
  });
}
writeFileSync(`${dir}/_SUCCESS`, '');
const csv = ['label,user,item,price,tags,ts', ...rows.map((r) => [r.label, r.user ?? '', r.item, r.price, r.tags, r.ts].join(','))];
writeFileSync('fixtures/parquet/clicks.csv', `${csv.join('\n')}\n`);
console.log(`wrote ${dir}/part-00000.parquet, part-00001.parquet, _SUCCESS and fixtures/parquet/clicks.csv (${rows.length} rows)`);
