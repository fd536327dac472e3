// `fm train --init-from MODEL_DIR`: continue a saved model on new data (issue 13).
import type * as tf from '@tensorflow/tfjs';
import { schemaGrowthMap, type Encoder, type FieldSchema, type SparseDataset } from '@fm/data';
import { isNativeModel, nativeEngineRuns, NativeModel, warmStart } from '@fm/train';
import type { CommandContext } from './context.js';
import { CliError, UsageError } from './errors.js';
import { disposeModel, loadModelBundle, loadNativeBundle, type ModelBundle } from './model-store.js';
import { DRAWING_FACTORS, drawProgress } from './modeling.js';
import { fmtNum } from './text.js';

/** A model to continue: a tfjs model, or an LR/FM/FFM/MF model the native engine trains as a {@link NativeModel}. */
export type InitBundle = ModelBundle<tf.LayersModel | NativeModel>;

/**
 * The saved model to continue, checked for what a warm start needs. Where the native engine trains it (LR, FM,
 * FFM or MF; `trainsNatively`) it is read straight into native arrays: a big table is held once.
 */
export async function loadInitFrom(dir: string, flags: { model: string; dim?: number; solver?: string; engine: string; backend: string }): Promise<InitBundle> {
  // the saved kind is known once loaded: where the native engine runs, an LR/FM/FFM/MF model is read natively
  // (others come back as tfjs models)
  const bundle = nativeEngineRuns(flags.engine, flags.backend) ? await loadNativeBundle(dir, '--init-from') : await loadModelBundle(dir, '--init-from');
  const kind = bundle.meta.kind;
  // --model has a default: only a kind other than the default and the saved one is a contradiction
  if (flags.model !== 'fm' && flags.model !== kind) {
    disposeModel(bundle.model);
    throw new UsageError(`fm train: --init-from ${dir} is a ${kind} model; --model ${flags.model} cannot continue it (drop --model)`, 'train');
  }
  const savedDim = (bundle.meta.training?.['flags'] as { dim?: number } | undefined)?.dim;
  if (flags.dim !== undefined && savedDim !== undefined && flags.dim !== savedDim) {
    disposeModel(bundle.model);
    throw new UsageError(`fm train: --init-from ${dir} has k=${savedDim}; --dim ${flags.dim} cannot continue it (drop --dim)`, 'train');
  }
  return bundle;
}

/**
 * Checks that `schema` (and `encoder`, when the new data has one) grew from the saved model's: the
 * same fields, each vocabulary the saved one with new values appended. Errors name the data.
 */
export function checkGrowth(bundle: InitBundle, schema: FieldSchema, encoder: Encoder | undefined, where: string): void {
  try {
    schemaGrowthMap(bundle.schema, schema);
  } catch (e) {
    throw new CliError(`${where}: not a growth of the --init-from model's fields: ${(e as Error).message.replace(/^schemaGrowthMap: /, '')}; encode it with fm encode --shards --encoder ${bundle.dir} --grow`);
  }
  const old = bundle.encoder;
  if (!old || !encoder) return;
  for (const f of old.fields) {
    if (f.kind === 'numeric' || f.hashBits !== undefined) {
      const g = encoder.fields.find((x) => x.name === f.name);
      if (g?.hashBits !== f.hashBits || g?.hashSeed !== f.hashSeed) throw new CliError(`${where}: field "${f.name}" is hashed differently from the --init-from model's`);
      continue;
    }
    const a = old.vocabulary(f.name).keys;
    const b = encoder.vocabulary(f.name).keys;
    for (let i = 0; i < a.length; i++) {
      if (a[i] !== b[i]) {
        throw new CliError(`${where}: field "${f.name}" gives value ${JSON.stringify(a[i])} another id than the --init-from model does; encode it with fm encode --shards --encoder ${bundle.dir} --grow`);
      }
    }
  }
}

/**
 * The saved model grown to the data's schema (see `warmStart` of `@fm/train`); says what grew. `bundle.model` is used
 * up. A NativeModel's row width grows to the data's longest row, so the saved topology takes the rows it trained on.
 */
export async function warmStartModel(
  bundle: InitBundle,
  data: Pick<SparseDataset, 'schema' | 'maxRowLength'>,
  ctx: CommandContext,
): Promise<tf.LayersModel | NativeModel> {
  const schema = data.schema;
  let out;
  // a grown NativeModel draws its new table (~20 s for a 1M-feature FFM at k = 16): progress, and Ctrl-C
  const progress = drawProgress(ctx, DRAWING_FACTORS);
  try {
    // the saved model is not used again: a NativeModel whose ids did not grow (hashing) is trained as loaded
    out = await warmStart(bundle.model, bundle.schema, schema, { reuse: true, onProgress: progress.onProgress, signal: ctx.signal });
  } catch (e) {
    throw new CliError(`--init-from ${bundle.dir}: ${(e as Error).message.replace(/^warmStart: /, '')}`);
  } finally {
    progress.clear();
    disposeModel(bundle.model);
  }
  const grown = schema.fields.map((f, i) => [f.name, f.cardinality - (bundle.schema.fields[i]?.cardinality ?? 0)] as const).filter(([, d]) => d > 0);
  ctx.note(
    `init from ${bundle.dir} (${bundle.meta.kind}): ${grown.length ? `new ids ${grown.map(([n, d]) => `${n} +${fmtNum(d)}`).join(', ')} start as in a fresh model` : 'no new ids'}; every saved weight is kept; the optimizer state starts fresh`,
  );
  const m = out.model;
  return isNativeModel(m) && data.maxRowLength > m.width ? NativeModel.fromParams(m.params, m.fieldDims, m.init, data.maxRowLength) : m;
}
