import { FieldSchema, Rng } from '@fm/data';
import { ArrayReader, packArrays } from '../../checkpoint.js';
import type { BayesSettings } from './bayesian-fm-options.js';
import type { ChainState, SavedCaches, SavedTrack } from './chain-state.js';
import { resolveFeatureGroups } from './feature-groups.js';
import { SampleStore } from './sample-store.js';

/** First bytes of a saved chain. */
const MAGIC = 'FMBAYES\n';
/** Format name and version in the header. */
export const BAYES_FORMAT = 'fm-bayes';
export const BAYES_FORMAT_VERSION = 1;

type Dtype = 'float64' | 'float32' | 'int32';
type Typed = Float64Array | Float32Array | Int32Array;

interface Header {
  format: typeof BAYES_FORMAT;
  version: number;
  settings: BayesSettings;
  schema: ReturnType<FieldSchema['toJSON']>;
  grouping: ChainState['grouping'];
  iteration: number;
  rngState: number;
  alpha: number;
  posteriorCount: number;
  noiseVarianceSum: number;
  store: { capacity: number; count: number; thin: number; offered: number };
  tracks: { rows: number; count: number }[];
  arrays: { name: string; dtype: Dtype; length: number }[];
}

const dtypeOf = (a: Typed): Dtype => (a instanceof Float64Array ? 'float64' : a instanceof Float32Array ? 'float32' : 'int32');
const bytesOf = (a: Typed) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

/**
 * Layout: the 8 bytes `FMBAYES\n`, a little-endian uint32 header length, the header as UTF-8 JSON
 * (format, version, settings, schema, scalars, and the list of arrays that follow), then the arrays'
 * raw bytes in that order (platform byte order: little-endian on every platform tfjs supports).
 */
export function encodeChainState(s: ChainState, tracks: readonly SavedTrack[], caches: SavedCaches | undefined): Uint8Array {
  const store = s.store;
  const named: [string, Typed][] = [
    ['bias', s.bias],
    ['linear', s.linear],
    ['factors', s.factors],
    ['lambdaW', s.lambdaW],
    ['muW', s.muW],
    ['lambdaV', s.lambdaV],
    ['muV', s.muV],
    ['sumBias', s.sumBias],
    ['sumLinear', s.sumLinear],
    ['sumFactors', s.sumFactors],
    ['samples', store.data.subarray(0, store.count * store.sampleSize)],
    ['sampleAlpha', store.alpha.subarray(0, store.count)],
  ];
  if (s.grouping === 'custom') named.push(['groupOf', s.groups.groupOf]);
  if (caches) named.push(['cache.targets', caches.targets], ['cache.residual', caches.residual], ['cache.q', caches.q]);
  tracks.forEach((t, i) => {
    named.push([`track${i}.mean`, t.mean], [`track${i}.m2`, t.m2]);
  });
  const header: Header = {
    format: BAYES_FORMAT,
    version: BAYES_FORMAT_VERSION,
    settings: s.settings,
    schema: s.schema.toJSON(),
    grouping: s.grouping,
    iteration: s.iteration,
    rngState: s.rng.getState(),
    alpha: s.alpha,
    posteriorCount: s.posteriorCount,
    noiseVarianceSum: s.noiseVarianceSum,
    store: { capacity: store.capacity, count: store.count, thin: store.thin, offered: store.offered },
    tracks: tracks.map((t) => ({ rows: t.rows, count: t.count })),
    arrays: named.map(([name, a]) => ({ name, dtype: dtypeOf(a), length: a.length })),
  };
  const json = new TextEncoder().encode(JSON.stringify(header));
  const head = new Uint8Array(MAGIC.length + 4);
  head.set(new TextEncoder().encode(MAGIC));
  new DataView(head.buffer).setUint32(MAGIC.length, json.length, true);
  return packArrays([head, json, ...named.map(([, a]) => bytesOf(a))]);
}

/** Reads {@link encodeChainState}'s bytes back; throws naming what is wrong. */
export function decodeChainState(bytes: Uint8Array): ChainState {
  const where = 'BayesianFm.fromBytes';
  const magic = new TextDecoder().decode(bytes.subarray(0, MAGIC.length));
  if (bytes.length < MAGIC.length + 4 || magic !== MAGIC) throw new Error(`${where}: not a saved Bayesian FM (bad magic bytes)`);
  const reader = new ArrayReader(bytes, where);
  reader.uint8(MAGIC.length);
  const len = new DataView(reader.uint8(4).buffer).getUint32(0, true);
  let header: Header;
  try {
    header = JSON.parse(new TextDecoder().decode(reader.uint8(len))) as Header;
  } catch (e) {
    throw new Error(`${where}: the header is not valid JSON (${(e as Error).message})`);
  }
  if (header.format !== BAYES_FORMAT) throw new Error(`${where}: format "${String(header.format)}", expected "${BAYES_FORMAT}"`);
  if (header.version !== BAYES_FORMAT_VERSION) {
    throw new Error(`${where}: format version ${header.version}, this build reads version ${BAYES_FORMAT_VERSION}`);
  }
  const arrays = new Map<string, Typed>();
  for (const a of header.arrays) {
    const size = a.dtype === 'float64' ? 8 : 4;
    const raw = reader.uint8(a.length * size).buffer as ArrayBuffer;
    arrays.set(a.name, a.dtype === 'float64' ? new Float64Array(raw) : a.dtype === 'float32' ? new Float32Array(raw) : new Int32Array(raw));
  }
  reader.end();
  const get = <T extends Typed>(name: string, ctor: new (n: number) => T, length: number): T => {
    const a = arrays.get(name);
    if (!(a instanceof ctor) || a.length !== length) throw new Error(`${where}: array "${name}" is missing or has the wrong type or length`);
    return a;
  };
  const settings = header.settings;
  const schema = FieldSchema.fromJSON(header.schema);
  const n = schema.numFeatures;
  const k = settings.k;
  const grouping = header.grouping === 'custom' ? get('groupOf', Int32Array, n) : header.grouping;
  const groups = resolveFeatureGroups(schema, grouping);
  const G = groups.count;
  const store = new SampleStore(n, k, header.store.capacity);
  store.restore(header.store.count, header.store.thin, header.store.offered);
  store.data.set(get('samples', Float32Array, store.count * store.sampleSize));
  store.alpha.set(get('sampleAlpha', Float64Array, store.count));
  return {
    settings,
    schema,
    groups,
    grouping: header.grouping,
    iteration: header.iteration,
    rng: Rng.fromState(header.rngState),
    bias: get('bias', Float64Array, 1),
    linear: get('linear', Float64Array, n),
    factors: get('factors', Float64Array, n * k),
    alpha: header.alpha,
    lambdaW: get('lambdaW', Float64Array, G),
    muW: get('muW', Float64Array, G),
    lambdaV: get('lambdaV', Float64Array, G * k),
    muV: get('muV', Float64Array, G * k),
    posteriorCount: header.posteriorCount,
    sumBias: get('sumBias', Float64Array, 1),
    sumLinear: get('sumLinear', Float64Array, n),
    sumFactors: get('sumFactors', Float64Array, n * k),
    noiseVarianceSum: header.noiseVarianceSum,
    store,
    savedCaches: arrays.has('cache.residual')
      ? {
          targets: get('cache.targets', Float64Array, (arrays.get('cache.residual') as Typed).length),
          residual: get('cache.residual', Float64Array, (arrays.get('cache.residual') as Typed).length),
          q: get('cache.q', Float64Array, (arrays.get('cache.residual') as Typed).length * k),
        }
      : undefined,
    pendingTracks: header.tracks.map((t, i) => ({
      rows: t.rows,
      count: t.count,
      mean: get(`track${i}.mean`, Float64Array, t.rows),
      m2: get(`track${i}.m2`, Float64Array, t.rows),
    })),
  };
}
