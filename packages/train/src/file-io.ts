import { randomBytes } from 'node:crypto';
import { mkdir, open, readdir, readFile, rm, stat } from 'node:fs/promises';
import { isAbsolute, join, normalize, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { cleanLeftovers, isProcessAlive, ownerPid, trackTemp, untrackTemp, writeFileAtomic, writeFileDurable } from '@fm/data/node';
import { bytesStream, FM_METADATA_KEY, weightSpans, weightSpecBytes, type ModelMeta, type WeightStream } from './model-io.js';

/*
 * A model directory (format version 2):
 *
 *   model.json         the tfjs layers model JSON: topology, weights manifest, and the fm metadata under
 *                      userDefinedMetadata.fm = { commit, meta, files }. It is the one file fm reads first
 *                      and the commit point: replacing it (one atomic rename) switches to a new version.
 *   fm.json            a readable copy of that fm metadata; checked against model.json on load.
 *   v-<id>-<pid>/      the version's payload: weights.bin, encoder.json and any extra files (training
 *                      interactions, a solver's samples, a checkpoint's trainer state).
 *
 * A save writes a new version folder, then model.json, then fm.json, then removes the folders of older
 * versions: at every moment the directory holds one complete model, the old or the new. A killed save
 * leaves an unreferenced version folder, removed by the next save. Version 1 directories (model.json,
 * weights.bin, fm.json holding the metadata and encoder; the `fm` command's `fm-model/1` fm.json) still load.
 */

/** A `file://` URL or a plain path → an absolute path. */
export function toPath(urlOrPath: string): string {
  return urlOrPath.startsWith('file://') ? fileURLToPath(urlOrPath) : resolve(urlOrPath);
}

/** What `userDefinedMetadata.fm` holds in a version 2 model.json (and fm.json, its copy). */
interface FmRecord {
  /** The version folder this model.json belongs to. */
  commit?: string;
  meta?: ModelMeta;
  /** Payload files (weights excluded) by logical name → path relative to the directory. */
  files?: Record<string, string>;
  /** The encoder, inline (browser artifacts); in a directory it is the file `encoder.json`. */
  encoder?: unknown;
}

const VERSION_DIR = /^v-[0-9a-f]+-\d+$/;
/** Files of the version 1 layout, removed once a version 2 model.json no longer needs them. */
const LEGACY_FILES = ['weights.bin', 'trainer.json', 'trainer.bin'];

function checkFileName(name: string): void {
  if (!/^[\w][\w.-]*$/.test(name) || name === 'weights.bin') {
    throw new Error(`model directory: extra file name "${name}" must be a plain file name (letters, digits, . _ -), not weights.bin`);
  }
}

/**
 * The version folder the directory's model.json commits to, if it is a version 2 model directory: the one folder a
 * new save must leave until its own commit (a save that fails keeps the model that was there).
 */
async function committedVersion(dir: string): Promise<string | undefined> {
  try {
    const json = JSON.parse(await readFile(join(dir, 'model.json'), 'utf8')) as { userDefinedMetadata?: Record<string, { commit?: unknown } | undefined> };
    const commit = json.userDefinedMetadata?.[FM_METADATA_KEY]?.commit;
    return typeof commit === 'string' && VERSION_DIR.test(commit) ? commit : undefined;
  } catch {
    return undefined;
  }
}

/** Removes version folders and legacy files that `keep` (the committed version) does not use. */
async function removeUnused(dir: string, keep: string | undefined): Promise<void> {
  for (const name of await readdir(dir).catch(() => [] as string[])) {
    if (name === keep) continue;
    if (VERSION_DIR.test(name)) {
      const pid = ownerPid(name);
      // A folder of a live process other than this one is a save in progress: leave it.
      if (pid !== undefined && pid !== process.pid && isProcessAlive(pid)) continue;
      await rm(join(dir, name), { recursive: true, force: true });
    } else if (keep !== undefined && LEGACY_FILES.includes(name)) {
      await rm(join(dir, name), { force: true });
    }
  }
}

/**
 * Writes a model directory: the model (artifacts, with the fm metadata and encoder under
 * `userDefinedMetadata.fm`) and `extra` files, replacing any model already there as one unit (see
 * the layout above). Leftovers of killed saves, in the directory and next to it, are removed.
 * Refuses a path that is a file. `weights` are the weight bytes (default: the artifacts' `weightData`); the
 * stream of `streamedArtifacts` writes a big model's weights.bin slice by slice, never joined in memory. An extra
 * file given as a list of byte arrays is their concatenation.
 */
export async function writeModelDir(
  dir: string,
  artifacts: tf.io.ModelArtifacts,
  extra: Record<string, Uint8Array | string | readonly Uint8Array[]> = {},
  weights: WeightStream = bytesStream(artifacts.weightData),
): Promise<void> {
  const need = weightSpecBytes(artifacts.weightSpecs ?? []);
  if (weights.byteLength !== need) {
    throw new Error(`${dir}: cannot save: the weights have ${weights.byteLength} bytes but their manifest describes ${need}`);
  }
  const abs = resolve(dir);
  const st = await stat(abs).catch(() => undefined);
  if (st && !st.isDirectory()) throw new Error(`${dir}: is a file, expected a model directory`);
  await cleanLeftovers(join(abs, '..'));
  await mkdir(abs, { recursive: true });
  // version folders of killed saves; the committed one stays until this save commits (a failing save keeps it)
  const committed = await committedVersion(abs);
  await removeUnused(abs, committed);
  const { [FM_METADATA_KEY]: fmIn, ...userRest } = (artifacts.userDefinedMetadata ?? {}) as Record<string, unknown>;
  const fm = (fmIn ?? {}) as FmRecord;
  const commit = `v-${randomBytes(4).toString('hex')}-${process.pid}`;
  const vdir = join(abs, commit);
  const payload: Record<string, Uint8Array | string | readonly Uint8Array[]> = { ...extra };
  for (const name of Object.keys(extra)) checkFileName(name);
  if (fm.encoder !== undefined) payload['encoder.json'] = JSON.stringify(fm.encoder);
  const files: Record<string, string> = {};
  trackTemp(vdir);
  try {
    await mkdir(vdir);
    await writeFileDurable(join(vdir, 'weights.bin'), weights.slices());
    for (const [name, data] of Object.entries(payload)) {
      await writeFileDurable(join(vdir, name), data);
      files[name] = `${commit}/${name}`;
    }
    const record: FmRecord = { commit, ...(fm.meta ? { meta: fm.meta } : {}), files };
    const modelJson: Record<string, unknown> = {
      modelTopology: artifacts.modelTopology,
      format: artifacts.format ?? 'layers-model',
      generatedBy: artifacts.generatedBy,
      convertedBy: artifacts.convertedBy ?? null,
      weightsManifest: [{ paths: [`${commit}/weights.bin`], weights: artifacts.weightSpecs ?? [] }],
      userDefinedMetadata: { ...userRest, [FM_METADATA_KEY]: record },
    };
    if (artifacts.trainingConfig) modelJson['trainingConfig'] = artifacts.trainingConfig;
    await writeFileAtomic(join(abs, 'model.json'), JSON.stringify(modelJson)); // the commit
  } catch (e) {
    await rm(vdir, { recursive: true, force: true });
    throw e;
  } finally {
    untrackTemp(vdir);
  }
  const record: FmRecord = { commit, ...(fm.meta ? { meta: fm.meta } : {}), files };
  await writeFileAtomic(join(abs, 'fm.json'), JSON.stringify(record, null, 2));
  await removeUnused(abs, commit);
}

async function readJson(path: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    throw new Error(`${path}: cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new Error(`${path}: invalid JSON (${(e as Error).message})`);
  }
}

/** `dir/rel`, refusing paths that leave the directory. */
function inside(dir: string, rel: string, where: string): string {
  const n = normalize(rel);
  if (isAbsolute(n) || n === '..' || n.startsWith(`..${sep}`)) throw new Error(`${where}: file path "${rel}" leaves the model directory`);
  return join(dir, n);
}

/** Bytes read per call: Node's `readFile` refuses files over 2 GiB, and a 1M-feature FFM at k = 16 has 2.5 GB of weights. */
const READ_CHUNK = 64 * 1024 * 1024;

/**
 * The bytes of a file, in a buffer of their own (exactly their size), read `chunk` bytes at a time. Errors
 * name the file and `what` it holds.
 * @internal
 */
export async function readBytes(path: string, what: string, chunk = READ_CHUNK): Promise<Uint8Array> {
  try {
    const fh = await open(path, 'r');
    try {
      const out = new Uint8Array((await fh.stat()).size);
      for (let at = 0; at < out.length; ) {
        const { bytesRead } = await fh.read(out, at, Math.min(chunk, out.length - at), at);
        if (bytesRead === 0) throw new Error(`ended after ${at} of ${out.length} bytes`);
        at += bytesRead;
      }
      return out;
    } finally {
      await fh.close();
    }
  } catch (e) {
    throw new Error(`${path}: cannot read ${what} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
}

/** The first key at which two JSON values differ (`a.b[2]`), or undefined when they are equal. */
function firstDifference(a: unknown, b: unknown, path = ''): string | undefined {
  if (a === b) return undefined;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null || Array.isArray(a) !== Array.isArray(b)) return path || '(top level)';
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  for (const k of keys) {
    const d = firstDifference((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], Array.isArray(a) ? `${path}[${k}]` : path ? `${path}.${k}` : k);
    if (d !== undefined) return d;
  }
  return undefined;
}

const at = (o: unknown, key: string): unknown =>
  key.split(/\.|\[|\]\.?/).filter((k) => k !== '').reduce<unknown>((v, k) => (v !== null && typeof v === 'object' ? (v as Record<string, unknown>)[k] : undefined), o);

/** The `fm` command's first model directories: fm.json `{ format: 'fm-model/1', kind, task, … }`. */
function fromCliV1(json: Record<string, unknown>): FmRecord {
  const { format: _f, labelRange, encoder, ...rest } = json;
  const meta = { ...rest, format: 'fm-model', version: 1 } as ModelMeta;
  if (Array.isArray(labelRange)) meta.ratingRange = labelRange as [number, number];
  return { meta, ...(encoder !== undefined ? { encoder } : {}) };
}

/** A model directory read back: tfjs artifacts (fm metadata and encoder under `userDefinedMetadata.fm`) and its extra files. */
export interface ModelDirContents {
  artifacts: tf.io.ModelArtifacts;
  files: Record<string, Uint8Array>;
  /** The weight files in manifest order with their sizes (their concatenation is the weight data). */
  weightFiles: { path: string; bytes: number }[];
}

/**
 * Reads `out.byteLength` bytes at byte `offset` of the concatenation of `files` into `out`, 64 MiB at a time.
 * @internal
 */
export async function readWeightRange(files: readonly { path: string; bytes: number }[], offset: number, out: Uint8Array): Promise<void> {
  for (const { part, from, at, n } of weightSpans(files.map((f) => f.bytes), offset, out.byteLength)) {
    const f = files[part] as { path: string; bytes: number };
    const fh = await open(f.path, 'r');
    try {
      for (let done = 0; done < n; ) {
        const { bytesRead } = await fh.read(out, at + done, Math.min(READ_CHUNK, n - done), from + done);
        if (bytesRead === 0) throw new Error(`${f.path}: ended at byte ${from + done} of ${f.bytes}`);
        done += bytesRead;
      }
    } finally {
      await fh.close();
    }
  }
}

/**
 * Reads a model directory (version 2, or version 1 of the library or of the `fm` command). Checks
 * the weight sizes against the manifest and fm.json against model.json; errors name the file. With
 * `weights: false` the weight files are only measured (no `weightData`): read them with {@link readWeightRange}.
 */
export async function readModelDir(dir: string, options: { weights?: boolean } = {}): Promise<ModelDirContents> {
  const modelPath = join(dir, 'model.json');
  const json = (await readJson(modelPath)) as {
    modelTopology?: object;
    format?: string;
    generatedBy?: string;
    convertedBy?: string | null;
    trainingConfig?: tf.io.TrainingConfig;
    userDefinedMetadata?: Record<string, unknown>;
    weightsManifest?: tf.io.WeightsManifestConfig;
  };
  if (!json || !json.modelTopology || !Array.isArray(json.weightsManifest)) {
    throw new Error(`${modelPath}: expected a tfjs layers model.json with modelTopology and weightsManifest`);
  }
  const specs: tf.io.WeightsManifestEntry[] = [];
  const buffers: Uint8Array[] = [];
  const weightFiles: { path: string; bytes: number }[] = [];
  for (const group of json.weightsManifest) {
    specs.push(...group.weights);
    for (const p of group.paths) {
      const path = inside(dir, p, modelPath);
      if (options.weights === false) {
        const st = await stat(path).catch((e: NodeJS.ErrnoException) => {
          throw new Error(`${path}: cannot read weights (${e.code ?? e.message})`);
        });
        weightFiles.push({ path, bytes: st.size });
      } else {
        buffers.push(await readBytes(path, 'weights'));
        weightFiles.push({ path, bytes: (buffers[buffers.length - 1] as Uint8Array).byteLength });
      }
    }
  }
  const have = weightFiles.reduce((s, f) => s + f.bytes, 0);
  const need = weightSpecBytes(specs);
  if (have !== need) {
    const names = json.weightsManifest.flatMap((g) => g.paths).join(', ');
    throw new Error(`${dir}: ${names} has ${have} bytes but model.json's weightsManifest describes ${need} bytes (${specs.length} weights)`);
  }
  // each read has a buffer of its own (readBytes): no copy, and no join (a multi-file model stays a list, as tfjs allows)
  const own = buffers.map((b) => b.buffer as ArrayBuffer);
  const weightData: tf.io.WeightData | undefined = options.weights === false ? undefined : own.length === 1 ? (own[0] as ArrayBuffer) : own;
  const { [FM_METADATA_KEY]: inModel, ...userRest } = json.userDefinedMetadata ?? {};
  const fmPath = join(dir, 'fm.json');
  const copy = await stat(fmPath).then(
    () => readJson(fmPath) as Promise<Record<string, unknown> | null>,
    () => undefined,
  );
  let fm: FmRecord | undefined;
  const files: Record<string, Uint8Array> = {};
  if (inModel !== undefined) {
    fm = inModel as FmRecord;
    // fm.json is the readable copy of the same record; an edit there is an error, not silently ignored.
    // A copy of another version is a save killed between its two renames: model.json holds.
    if (copy && typeof copy === 'object' && copy['commit'] === fm.commit) {
      const diff = firstDifference(copy, fm);
      if (diff !== undefined) {
        throw new Error(
          `${fmPath}: "${diff}" is ${JSON.stringify(at(copy, diff))}, but model.json (which fm reads) has ${JSON.stringify(at(fm, diff))}; ` +
            'fm.json is a copy for reading: restore it or delete it',
        );
      }
    }
    for (const [name, rel] of Object.entries(fm.files ?? {})) files[name] = await readBytes(inside(dir, rel, modelPath), `"${name}"`);
    const enc = files['encoder.json'];
    if (enc) {
      try {
        fm = { ...fm, encoder: JSON.parse(new TextDecoder().decode(enc)) };
      } catch (e) {
        throw new Error(`${join(dir, fm.files?.['encoder.json'] ?? 'encoder.json')}: invalid JSON (${(e as Error).message})`);
      }
      delete files['encoder.json'];
    }
  } else if (copy !== undefined && copy !== null && typeof copy === 'object') {
    fm = copy['format'] === 'fm-model/1' ? fromCliV1(copy) : (copy as FmRecord);
  }
  const artifacts: tf.io.ModelArtifacts = {
    modelTopology: json.modelTopology,
    format: json.format,
    generatedBy: json.generatedBy,
    convertedBy: json.convertedBy ?? null,
    weightSpecs: specs,
    ...(weightData !== undefined ? { weightData } : {}),
    userDefinedMetadata: { ...userRest, ...(fm ? { [FM_METADATA_KEY]: { ...(fm.meta ? { meta: fm.meta } : {}), ...(fm.encoder !== undefined ? { encoder: fm.encoder } : {}) } } : {}) },
  };
  if (json.trainingConfig) artifacts.trainingConfig = json.trainingConfig;
  return { artifacts, files, weightFiles };
}

/**
 * True when `dir` holds a model directory written by fm (any version): a model.json carrying fm
 * metadata, or an fm.json beside a model.json.
 */
export async function isModelDir(dir: string): Promise<boolean> {
  try {
    const json = JSON.parse(await readFile(join(dir, 'model.json'), 'utf8')) as { userDefinedMetadata?: Record<string, unknown> };
    if (json?.userDefinedMetadata?.[FM_METADATA_KEY] !== undefined) return true;
    return (await stat(join(dir, 'fm.json')).catch(() => undefined))?.isFile() === true;
  } catch {
    return false;
  }
}

/** A tfjs IO handler for a model directory ({@link writeModelDir} / {@link readModelDir}), with optional extra files. */
export function fileModelHandler(urlOrPath: string, options: { files?: Record<string, Uint8Array | string> } = {}): tf.io.IOHandler {
  const dir = toPath(urlOrPath);
  return {
    async save(artifacts) {
      await writeModelDir(dir, artifacts, options.files);
      return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) };
    },
    async load() {
      return (await readModelDir(dir)).artifacts;
    },
  };
}
