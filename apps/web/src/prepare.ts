import {
  encodeInteractions,
  fmPaperToyTable,
  generateRatings,
  randomSplit,
  resolveUserItemFields,
  type Interactions,
  type UserItemFields,
  type ItemInfo,
  type SparseDataset,
} from '@fm/data';

/** Where the session's data comes from. */
export type DataSource =
  /** The 7-row example table of Rendle, "Factorization Machines" (ICDM 2010), fig. 1. */
  | { kind: 'toy' }
  /** A seeded planted-factor rating set from `generateRatings` (@fm/data). */
  | { kind: 'synthetic'; users: number; items: number; density: number; rank: number; noise: number; seed: number }
  /** A parsed rating log (MovieLens files), raw ids; `items` gives titles when known. */
  | { kind: 'interactions'; name: string; interactions: Interactions; items?: Map<number, ItemInfo> }
  /** An already-encoded sparse dataset (libsvm/libFM files): no user/item structure. */
  | { kind: 'dataset'; name: string; dataset: SparseDataset };

/**
 * The user/item structure of a dataset, when it has one: dense user indices `0..numUsers-1` and item
 * indices `0..numItems-1` (the order of the fields' vocabularies), their global feature ids, display
 * names, and every known (user, item, rating) with the row's split.
 */
export interface Catalog {
  userField: number;
  itemField: number;
  numUsers: number;
  numItems: number;
  /** `[numUsers]` global feature id of each dense user. */
  userIds: Int32Array;
  /** `[numItems]` global feature id of each dense item. */
  itemIds: Int32Array;
  userNames: string[];
  itemNames: string[];
  /** `[rows]` dense user of each dataset row (-1 when the row has none, e.g. an OOV id). */
  rowUser: Int32Array;
  /** `[rows]` dense item of each dataset row (-1 when none). */
  rowItem: Int32Array;
  /** Rated items per dense user (train and test rows), sorted ascending, deduplicated. */
  seen: Int32Array[];
}

/** A dataset ready to train on: the split, the task, and the user/item catalog when there is one. */
export interface PreparedData {
  name: string;
  dataset: SparseDataset;
  train: SparseDataset;
  test: SparseDataset;
  /** Row indices of the test rows in `dataset` (sorted). */
  testRows: Int32Array;
  /** 1 for rows of `dataset` held out of training (none for the toy table, which trains on all rows). */
  isTest: Uint8Array;
  task: 'regression' | 'binary';
  catalog?: Catalog;
  /** Known best RMSE of the planted model (synthetic data only). */
  bestRmse?: number;
  /** Labels at or above this are "relevant" for ranking metrics (regression). */
  relevanceThreshold: number;
}

/** Rows whose labels are all 0/1 (or -1/1) are a binary task; anything else is regression. */
export function inferTask(labels: Float32Array): 'regression' | 'binary' {
  if (labels.length === 0) return 'regression';
  for (let i = 0; i < labels.length; i++) {
    const y = labels[i] as number;
    if (y !== 0 && y !== 1 && y !== -1) return 'regression';
  }
  return 'binary';
}

/**
 * Builds the dataset of a source, splits it (seeded random split, `testFraction` of the rows to test;
 * the 7-row toy table is both train and test, as the paper's example is about fitting it), and derives
 * the user/item catalog from the fields named user/item (or movie).
 */
export function prepareData(source: DataSource, opts: { seed: number; testFraction: number }): PreparedData {
  let dataset: SparseDataset;
  let name: string;
  let itemTitle: (raw: string | number) => string = (raw) => `item ${String(raw)}`;
  let rawNames: ((gid: number) => string | undefined) | undefined;
  let bestRmse: number | undefined;
  let encoded: ReturnType<typeof encodeInteractions> | undefined;
  switch (source.kind) {
    case 'toy': {
      const toy = fmPaperToyTable();
      dataset = toy.dataset;
      name = 'FM paper toy table (Rendle 2010, fig. 1)';
      rawNames = (gid) => toy.featureNames[gid];
      break;
    }
    case 'synthetic': {
      const s = generateRatings({
        users: source.users,
        items: source.items,
        density: source.density,
        rank: source.rank,
        noise: source.noise,
        seed: source.seed,
        round: true,
        // MovieLens keeps users with ≥ 20 ratings; small demo catalogues cannot always afford that.
        minPerUser: Math.max(1, Math.min(20, Math.floor(source.density * source.items))),
      });
      encoded = encodeInteractions(s.interactions);
      dataset = encoded.dataset;
      bestRmse = s.bestRmse;
      name = `synthetic ratings (${source.users} users × ${source.items} items, rank ${source.rank}, seed ${source.seed})`;
      itemTitle = (raw) => s.items.get(Number(raw))?.title ?? `item ${String(raw)}`;
      break;
    }
    case 'interactions': {
      if (source.interactions.length === 0) throw new Error(`${source.name}: no ratings to train on`);
      encoded = encodeInteractions(source.interactions);
      dataset = encoded.dataset;
      name = source.name;
      const items = source.items;
      if (items) itemTitle = (raw) => items.get(Number(raw))?.title ?? `item ${String(raw)}`;
      break;
    }
    case 'dataset':
      dataset = source.dataset;
      name = source.name;
      break;
  }
  if (dataset.numRows < 2) throw new Error(`${name}: needs at least 2 rows, got ${dataset.numRows}`);

  let testRows: Int32Array;
  let train: SparseDataset;
  let test: SparseDataset;
  if (source.kind === 'toy') {
    testRows = Int32Array.from({ length: dataset.numRows }, (_, i) => i);
    train = dataset;
    test = dataset;
  } else {
    const split = randomSplit(dataset.numRows, { testFraction: opts.testFraction, seed: opts.seed });
    testRows = split.test;
    train = dataset.select(split.train);
    test = dataset.select(split.test);
  }
  const isTest = new Uint8Array(dataset.numRows);
  if (source.kind !== 'toy') for (const r of testRows) isTest[r] = 1;

  const task = inferTask(dataset.labels);
  const enc = encoded?.encoder;
  const nameOf = (field: 'user' | 'item', gid: number): string => {
    if (rawNames) return rawNames(gid) ?? `#${gid}`;
    const raw = enc?.decode(field, gid);
    if (raw === undefined) return `#${gid}`;
    return field === 'user' ? `user ${String(raw)}` : itemTitle(raw);
  };
  const catalog = buildCatalog(dataset, nameOf);
  let maxLabel = -Infinity;
  let sum = 0;
  for (const y of train.labels) {
    sum += y;
    if (y > maxLabel) maxLabel = y;
  }
  const relevanceThreshold = task === 'binary' ? 1 : maxLabel >= 4.5 && maxLabel <= 5 ? 4 : sum / Math.max(1, train.numRows);
  return { name, dataset, train, test, testRows, isTest, task, catalog, bestRmse, relevanceThreshold };
}

/**
 * Finds the user and item fields (`resolveUserItemFields`, the toolkit's one rule) and maps every row to its
 * dense user/item. In an encoder's fields local id 0 is the out-of-vocabulary bucket, which is not
 * a catalog entry; in a schema built by hand (the toy table) every local id is.
 */
export function buildCatalog(dataset: SparseDataset, nameOf: (field: 'user' | 'item', gid: number) => string): Catalog | undefined {
  const schema = dataset.schema;
  let layout: UserItemFields;
  try {
    layout = resolveUserItemFields(schema);
  } catch {
    return undefined; // no user/item fields (e.g. a libFM file): no catalog
  }
  const { userField, itemField } = layout;
  const range = (f: number): [number, number] => [schema.offsets[f] as number, schema.offsets[f + 1] as number];
  const [u0, u1] = range(userField);
  const [i0, i1] = range(itemField);
  // Which local ids ever occur decides whether slot 0 is an OOV bucket (never used) or a real entry.
  const used = (lo: number, hi: number): Int32Array => {
    const flags = new Uint8Array(hi - lo);
    for (const id of dataset.ids) if (id >= lo && id < hi) flags[id - lo] = 1;
    const out: number[] = [];
    flags.forEach((f, i) => {
      if (f) out.push(lo + i);
    });
    return Int32Array.from(out);
  };
  const userIds = used(u0, u1);
  const itemIds = used(i0, i1);
  const denseOf = (ids: Int32Array, lo: number, hi: number): Int32Array => {
    const t = new Int32Array(hi - lo).fill(-1);
    ids.forEach((gid, d) => {
      t[gid - lo] = d;
    });
    return t;
  };
  const userDense = denseOf(userIds, u0, u1);
  const itemDense = denseOf(itemIds, i0, i1);
  const rows = dataset.numRows;
  const rowUser = new Int32Array(rows).fill(-1);
  const rowItem = new Int32Array(rows).fill(-1);
  const seenSets: Set<number>[] = Array.from({ length: userIds.length }, () => new Set<number>());
  for (let r = 0; r < rows; r++) {
    const a = dataset.offsets[r] as number;
    const b = dataset.offsets[r + 1] as number;
    for (let j = a; j < b; j++) {
      const id = dataset.ids[j] as number;
      if (dataset.values[j] === 0) continue;
      if (id >= u0 && id < u1 && rowUser[r] === -1) rowUser[r] = userDense[id - u0] as number;
      else if (id >= i0 && id < i1 && rowItem[r] === -1) rowItem[r] = itemDense[id - i0] as number;
    }
    const u = rowUser[r] as number;
    const it = rowItem[r] as number;
    if (u >= 0 && it >= 0) seenSets[u]?.add(it);
  }
  return {
    userField,
    itemField,
    numUsers: userIds.length,
    numItems: itemIds.length,
    userIds,
    itemIds,
    userNames: Array.from(userIds, (g) => nameOf('user', g)),
    itemNames: Array.from(itemIds, (g) => nameOf('item', g)),
    rowUser,
    rowItem,
    seen: seenSets.map((s) => Int32Array.from(s).sort()),
  };
}
