import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import {
  INTERACTION_FEATURES,
  INTERACTION_FEATURE_SIDE,
  joinSideFeatures,
  parseInteractionFeatures,
  parseSideFeatureSpec,
  sideFeatureFields,
  sideFeatureRow,
  sideFeaturesFromJSON,
  sideFeaturesToJSON,
  type EncodeInteractionsOptions,
  type FieldConfig,
  type Frame,
  type InteractionFeature,
  type Interactions,
  type ItemInfo,
  type MovieLensRatingsFormat,
  type SideFeatures,
  type UserInfo,
} from '@fm/data';
import { loadSideFeatures } from '@fm/data/node';
import { CliError, UsageError } from './errors.js';
import { checkInputPath } from './inputs.js';

/** The side-feature flags of `fm train`. */
export const SIDE_FEATURE_OPTIONS = {
  features: {
    type: 'list',
    choices: INTERACTION_FEATURES,
    placeholder: 'LIST',
    description: `MovieLens data: extra fields, any of ${INTERACTION_FEATURES.join(',')} (read from u.item/u.user or movies.dat/users.dat beside --data; rated = every item the user rated, weights summing to 1)`,
  },
  'implicit-norm': {
    type: 'enum',
    choices: ['sum', 'l2'],
    description: 'weights of the rated/raters bags: sum (1/count, summing to 1, the FM paper; default) or l2 (1/√count, as SVD++)',
  },
  'user-features': { type: 'string', placeholder: 'FILE', description: 'CSV of user attributes joined on the user id, typed by --user-columns' },
  'user-columns': { type: 'string', placeholder: 'SPEC', description: '--user-features columns in the --columns grammar with key=ID, e.g. "key=user,age:num,gender:cat,zip:skip"' },
  'item-features': { type: 'string', placeholder: 'FILE', description: 'CSV of item attributes joined on the item id, typed by --item-columns' },
  'item-columns': { type: 'string', placeholder: 'SPEC', description: '--item-features columns, e.g. "key=item,genres:multi|,year:num"' },
} as const;

/** A side-feature file as read at training time (its bytes' hash, to tell it later). */
export interface SideSource {
  flag: string;
  path: string;
  sha256: string;
  rows: number;
}

/**
 * Everything a model's encoder needs to add the same side features to any rows later: the
 * MovieLens extras (`--features`) with the item and user tables and the training log they come
 * from, and the user/item attribute tables (`--user-features`, `--item-features`). Saved whole in
 * the model directory (`side-features.json`), so eval and recommend do not depend on the files.
 */
export interface SideBundle {
  features: InteractionFeature[];
  /** Weights of the implicit bags at training time (`--implicit-norm`; the saved encoder keeps them). */
  implicitNorm?: 'sum' | 'l2';
  /** Items' genres by raw id (feature `genres`). */
  items?: Map<number, ItemInfo>;
  /** Users' demographics by raw id (features `age`, `gender`, `occupation`). */
  users?: Map<number, UserInfo>;
  /** The training log whose per-user items fill `rated` (and per-item users fill `raters`). */
  implicit?: Interactions;
  userTable?: SideFeatures;
  itemTable?: SideFeatures;
  sources: SideSource[];
}

/** Rows (and distinct ids) of a data set whose id a side table lacks: they get empty attributes. */
export interface SideMissing {
  user?: { rows: number; ids: number };
  item?: { rows: number; ids: number };
}

/** Name of the bundle's file in a model directory. */
export const SIDE_FILE = 'side-features.json';

const needsItems = (f: readonly InteractionFeature[]) => f.includes('genres');
const needsUsers = (f: readonly InteractionFeature[]) => f.some((x) => x === 'age' || x === 'gender' || x === 'occupation');
const needsLog = (f: readonly InteractionFeature[]) => f.some((x) => x === 'rated' || x === 'raters');

/** The values of the side-feature flags (undefined = not given). */
export interface SideFlagValues {
  features?: string[];
  'implicit-norm'?: 'sum' | 'l2';
  'user-features'?: string;
  'user-columns'?: string;
  'item-features'?: string;
  'item-columns'?: string;
}

/**
 * Reads the side-feature flags of `fm train`: checks them, and reads the user/item attribute CSV
 * files. MovieLens tables are read with the ratings file ({@link movieLensSideOptions}). Returns
 * undefined when no side feature is asked for.
 */
export async function readSideFlags(v: SideFlagValues, command: string): Promise<SideBundle | undefined> {
  let features: InteractionFeature[] = [];
  if (v.features !== undefined) {
    try {
      features = parseInteractionFeatures(v.features.join(','));
    } catch (e) {
      throw new UsageError(`fm ${command}: --features: ${(e as Error).message}`, command);
    }
  }
  const bundle: SideBundle = { features, sources: [] };
  const norm = v['implicit-norm'];
  if (norm !== undefined) {
    if (!needsLog(features)) throw new UsageError(`fm ${command}: --implicit-norm ${norm} weights the rated/raters bags; add rated or raters to --features`, command);
    bundle.implicitNorm = norm;
  }
  for (const side of ['user', 'item'] as const) {
    const file = v[`${side}-features`];
    const spec = v[`${side}-columns`];
    if (file === undefined && spec === undefined) continue;
    if (file === undefined) throw new UsageError(`fm ${command}: --${side}-columns needs --${side}-features FILE`, command);
    if (spec === undefined) {
      throw new UsageError(`fm ${command}: --${side}-features ${file} needs --${side}-columns SPEC naming its id column and typing the others (e.g. "key=${side},age:num,gender:cat")`, command);
    }
    let parsed;
    try {
      parsed = parseSideFeatureSpec(spec);
    } catch (e) {
      throw new UsageError(`fm ${command}: --${side}-columns: ${(e as Error).message.replace(/^parseSideFeatureSpec: /, '')}`, command);
    }
    await checkInputPath(file, `--${side}-features`);
    let table: SideFeatures;
    try {
      table = (await loadSideFeatures(file, parsed)).features;
    } catch (e) {
      if ((e as Error).name === 'ParseError') throw e;
      throw new CliError(`--${side}-features ${(e as Error).message.replace(/^parseSideFeatures: /, '')}`);
    }
    if (table.ids.length === 0) throw new CliError(`--${side}-features ${file}: no data rows`);
    const sha256 = createHash('sha256').update(await readFile(file)).digest('hex');
    bundle.sources.push({ flag: `--${side}-features`, path: file, sha256, rows: table.ids.length });
    if (side === 'user') bundle.userTable = table;
    else bundle.itemTable = table;
  }
  return features.length > 0 || bundle.userTable || bundle.itemTable ? bundle : undefined;
}

/**
 * Sampled negatives (`--task ranking`, `--negatives`) copy a positive row and swap its item id only, so
 * item-side features (genres, raters, --item-features) would describe the positive item: refused.
 */
export function checkSideWithNegatives(bundle: SideBundle | undefined, task: string, negatives: number | undefined): void {
  if (!bundle || (task !== 'ranking' && negatives === undefined)) return;
  const itemSide = [...bundle.features.filter((f) => INTERACTION_FEATURE_SIDE[f] === 'item'), ...(bundle.itemTable ? ['--item-features'] : [])];
  if (itemSide.length === 0) return;
  const why = task === 'ranking' ? '--task ranking' : '--negatives';
  throw new UsageError(
    `fm train: ${why} draws negative rows by swapping the item id of a positive row, which would keep the positive item's ${itemSide.join(', ')}; use user-side features only (age, gender, occupation, rated, --user-features)`,
    'train',
  );
}

const ML_SIDE_FILES: Record<MovieLensRatingsFormat, { items: string; users?: string }> = {
  'u.data': { items: 'u.item', users: 'u.user' },
  'ratings.dat': { items: 'movies.dat', users: 'users.dat' },
  'ratings.csv': { items: 'movies.csv' },
};

/**
 * The `encodeInteractions` options that add a bundle's side features to a MovieLens log. At training
 * time the bundle has no item/user tables yet: they are taken from the files read beside the ratings
 * (`ml.items`, `ml.users`) and kept in the bundle; a missing file is an error naming it. Ids absent
 * from a side CSV get empty attributes (counted by {@link countSideMissing}).
 */
export function movieLensSideOptions(
  bundle: SideBundle,
  ml?: { items?: Map<number, ItemInfo>; users?: Map<number, UserInfo>; ratingsFile: string; format: MovieLensRatingsFormat },
): EncodeInteractionsOptions {
  const need = (what: string, file: string | undefined): never => {
    if (!ml) throw new CliError(`the side features lack the tables ${what} needs`);
    const where = file ? join(dirname(ml.ratingsFile), file) : undefined;
    throw new CliError(
      `--features ${bundle.features.join(',')}: ${what} needs ${where ? `${where} (not found beside ${basename(ml.ratingsFile)})` : `a users file, which ${ml.format} releases do not have`}`,
    );
  };
  const names = ml ? ML_SIDE_FILES[ml.format] : undefined;
  if (needsItems(bundle.features) && !bundle.items) bundle.items = ml?.items ?? need('genres', names?.items);
  if (needsUsers(bundle.features) && !bundle.users) {
    const which = bundle.features.filter((f) => f === 'age' || f === 'gender' || f === 'occupation').join(', ');
    bundle.users = ml?.users ?? need(which, names?.users);
  }
  return {
    features: bundle.features,
    ...(bundle.items ? { items: bundle.items } : {}),
    ...(bundle.users ? { users: bundle.users } : {}),
    ...(bundle.implicit ? { implicitFrom: bundle.implicit } : {}),
    ...(bundle.implicitNorm ? { implicitNorm: bundle.implicitNorm } : {}),
    ...(bundle.userTable ? { userFeatures: bundle.userTable } : {}),
    ...(bundle.itemTable ? { itemFeatures: bundle.itemTable } : {}),
    missingSideFeatures: 'empty',
  };
}

/**
 * Joins a bundle's user/item tables onto a CSV data frame, each on the data column named like the
 * table's key (`key=user` joins on column `user`), and adds their fields after the data's. The
 * MovieLens `--features` need MovieLens data.
 */
export function joinCsvSide(frame: Frame, configs: FieldConfig[], bundle: SideBundle, path: string): { frame: Frame; configs: FieldConfig[] } {
  if (bundle.features.length > 0) throw new CliError(`--features ${bundle.features.join(',')} needs MovieLens data (u.data, ratings.dat, …); ${path} is CSV: use --user-features/--item-features`);
  let out = frame;
  const all = [...configs];
  for (const [flag, table] of [['--user-features', bundle.userTable], ['--item-features', bundle.itemTable]] as const) {
    if (!table) continue;
    if (!(table.key in out.columns)) {
      throw new CliError(`${flag}: its id column "${table.key}" is not a column of ${path} (columns: ${Object.keys(frame.columns).join(', ')}); name the key like the data's id column`);
    }
    for (const c of sideFeatureFields(table)) {
      if (all.some((f) => f.name === c.name)) throw new CliError(`${flag}: column "${c.name}" clashes with a field of that name in ${path}`);
      all.push(c);
    }
    out = joinSideFeatures(out, table.key, table, { missing: 'empty' });
  }
  return { frame: out, configs: all };
}

/** Counts the rows (and distinct ids) whose id a side table lacks, per side. */
export function countSideMissing(bundle: SideBundle, ids: { user?: ArrayLike<string | number>; item?: ArrayLike<string | number> }): SideMissing {
  const out: SideMissing = {};
  for (const [side, table] of [['user', bundle.userTable], ['item', bundle.itemTable]] as const) {
    const col = ids[side];
    if (!table || !col) continue;
    const missing = new Set<string>();
    let rows = 0;
    for (let r = 0; r < col.length; r++) {
      const id = col[r] as string | number;
      if (sideFeatureRow(table, id) === undefined) {
        rows++;
        missing.add(String(id));
      }
    }
    out[side] = { rows, ids: missing.size };
  }
  return out;
}

/** One line per side with missing ids, or none. */
export function describeSideMissing(path: string, m: SideMissing, rows: number): string[] {
  const lines: string[] = [];
  for (const side of ['user', 'item'] as const) {
    const s = m[side];
    if (s && s.rows > 0) {
      lines.push(
        `${path}: ${s.rows.toLocaleString('en-US')} of ${rows.toLocaleString('en-US')} rows (${s.ids} distinct ${side}s) have ${side === 'item' ? 'an' : 'a'} ${side} id that --${side}-features does not list; they get no ${side} attributes (categorical "", number 0, empty bag)`,
      );
    }
  }
  return lines;
}

/** A short description: `genres, rated; user attributes age, gender (users.csv)`. */
export function describeSide(bundle: SideBundle): string {
  const parts: string[] = [];
  if (bundle.features.length) parts.push(bundle.features.join(', '));
  for (const [side, table] of [['user', bundle.userTable], ['item', bundle.itemTable]] as const) {
    if (table) parts.push(`${side} attributes ${table.columns.map((c) => c.name).join(', ')} (${table.ids.length} ${side}s)`);
  }
  return parts.join('; ');
}

interface SideBundleJSON {
  format: 'fm-cli-side-features/1';
  features: InteractionFeature[];
  /** [raw item id, genres] */
  items?: [number, string[]][];
  /** [raw user id, age, gender, occupation] */
  users?: [number, number | null, string | null, string | null][];
  implicit?: { user: number[]; item: number[] };
  userTable?: unknown;
  itemTable?: unknown;
  sources: SideSource[];
}

/** The bundle as saved in a model directory ({@link SIDE_FILE}): only what the features use. */
export function sideBundleToBytes(b: SideBundle): Uint8Array {
  const json: SideBundleJSON = {
    format: 'fm-cli-side-features/1',
    features: b.features,
    ...(b.items && needsItems(b.features) ? { items: [...b.items].map(([id, info]) => [id, info.genres] as [number, string[]]) } : {}),
    ...(b.users && needsUsers(b.features)
      ? { users: [...b.users].map(([id, u]) => [id, u.age ?? null, u.gender ?? null, u.occupation ?? null] as [number, number | null, string | null, string | null]) }
      : {}),
    ...(b.implicit && needsLog(b.features) ? { implicit: { user: Array.from(b.implicit.user), item: Array.from(b.implicit.item) } } : {}),
    ...(b.userTable ? { userTable: sideFeaturesToJSON(b.userTable) } : {}),
    ...(b.itemTable ? { itemTable: sideFeaturesToJSON(b.itemTable) } : {}),
    sources: b.sources,
  };
  return new TextEncoder().encode(JSON.stringify(json));
}

/** Reads {@link sideBundleToBytes}' output; errors name `where`. */
export function sideBundleFromBytes(bytes: Uint8Array, where: string): SideBundle {
  let j: SideBundleJSON;
  try {
    j = JSON.parse(new TextDecoder().decode(bytes)) as SideBundleJSON;
  } catch (e) {
    throw new CliError(`${where}: not valid JSON (${(e as Error).message})`);
  }
  if (j?.format !== 'fm-cli-side-features/1' || !Array.isArray(j.features)) throw new CliError(`${where}: expected format "fm-cli-side-features/1"`);
  try {
    const b: SideBundle = { features: j.features, sources: j.sources ?? [] };
    if (j.items) b.items = new Map(j.items.map(([id, genres]) => [id, { id, title: '', genres }]));
    if (j.users) {
      b.users = new Map(
        j.users.map(([id, age, gender, occupation]) => [id, { id, ...(age !== null ? { age } : {}), ...(gender !== null ? { gender } : {}), ...(occupation !== null ? { occupation } : {}) }]),
      );
    }
    if (j.implicit) {
      const n = j.implicit.user.length;
      b.implicit = { user: Int32Array.from(j.implicit.user), item: Int32Array.from(j.implicit.item), rating: new Float32Array(n), timestamp: new Float64Array(n), length: n };
    }
    if (j.userTable) b.userTable = sideFeaturesFromJSON(j.userTable);
    if (j.itemTable) b.itemTable = sideFeaturesFromJSON(j.itemTable);
    return b;
  } catch (e) {
    throw new CliError(`${where}: ${(e as Error).message}`);
  }
}
