import type * as tf from '@tensorflow/tfjs';
import { modelInit } from '@fm/layers';
import { byteViews } from '../../checkpoint.js';
import { inspectModel } from '../../model-info.js';
import { bytesStream, FM_METADATA_KEY, modelFromTopology, weightSpans, streamedArtifacts, variablesByName, weightSpecBytes, type ModelMeta, type SaveModelOptions, type WeightStream } from '../../model-io.js';
import { nativeLayout } from './binding.js';
import { isNativeModel, layersEquivalent, layersWidth, type NativeInit, type NativeModel } from './native-model.js';
import { allocFactors, allocFloat32, allocLinear, fieldOfFeatureTable } from './params.js';
import type { NativeParams } from './types.js';

/** Reads `out.byteLength` bytes of the saved weight data, from byte `offset`, into `out`. */
export type WeightReader = (offset: number, out: Uint8Array) => Promise<void>;

/** A {@link WeightReader} over weight data in memory (one buffer or several). */
export function memoryWeightReader(data: tf.io.WeightData | undefined): WeightReader {
  const parts = data === undefined ? [] : (Array.isArray(data) ? data : [data]).map((b) => new Uint8Array(b));
  const sizes = parts.map((b) => b.byteLength);
  return async (offset, out) => {
    for (const { part, from, at, n } of weightSpans(sizes, offset, out.byteLength)) out.set((parts[part] as Uint8Array).subarray(from, from + n), at);
  };
}

type LayerJson = { config?: { field_dims?: unknown } };

/** The layers of a functional model topology (`config.layers`), or []. */
function layersOf(topology: unknown): LayerJson[] {
  const layers = (topology as { config?: { layers?: unknown } } | undefined)?.config?.layers;
  return Array.isArray(layers) ? (layers as LayerJson[]) : [];
}

/**
 * The native parameters of a saved LR, FM, FFM or MF model, each weight read straight into its native array
 * (`read`) — no tfjs tensor holds the tables — with the field sizes; undefined when the native kernels cannot run
 * the model (another kind, dense layers, MF with a rating range, weights other than plain float32). The layout is
 * taken from a stand-in built from the same topology with one id per field (its tables a few values), checked by
 * {@link nativeLayout} like any model, whose weights must differ from the saved ones only in their first dimension.
 */
export async function savedNativeParams(
  artifacts: tf.io.ModelArtifacts,
  read: WeightReader,
  shared: boolean,
  into?: { params: NativeParams; fieldDims: readonly number[] },
): Promise<{ params: NativeParams; fieldDims: number[]; init: NativeInit; width: number } | undefined> {
  const specs = artifacts.weightSpecs ?? [];
  const withDims = layersOf(artifacts.modelTopology).filter((l) => Array.isArray(l.config?.field_dims));
  const dims = withDims[0]?.config?.field_dims as unknown[] | undefined;
  if (!dims || dims.length === 0 || !dims.every((d) => Number.isInteger(d) && (d as number) > 0)) return undefined;
  const fieldDims = dims as number[];
  if (withDims.some((l) => JSON.stringify(l.config?.field_dims) !== JSON.stringify(fieldDims))) return undefined;
  if (specs.some((s) => s.dtype !== 'float32' || s.quantization !== undefined || s.group === 'optimizer')) return undefined;
  const topology = structuredClone(artifacts.modelTopology) as unknown;
  for (const l of layersOf(topology)) if (l.config?.field_dims !== undefined) l.config.field_dims = fieldDims.map(() => 1);
  let standIn: tf.LayersModel;
  try {
    standIn = await modelFromTopology({ modelTopology: topology as object });
  } catch {
    return undefined; // tfjs reports it when the model is loaded the usual way
  }
  try {
    const layout = nativeLayout(standIn, inspectModel(standIn));
    if (typeof layout === 'string') return undefined;
    let vars: (tf.LayerVariable | undefined)[];
    try {
      vars = variablesByName(standIn, specs);
    } catch {
      return undefined;
    }
    const F = fieldDims.length;
    const n = fieldDims.reduce((a, b) => a + b, 0);
    // each weight's byte offset in the data; the tables must be the stand-in's with n rows instead of F
    const at = new Map<tf.LayerVariable, number>();
    let offset = 0;
    for (const [i, spec] of specs.entries()) {
      const v = vars[i] as tf.LayerVariable;
      const want = [v === layout.bias.weight ? v.shape[0] : v.shape[0] === F ? n : -1, ...v.shape.slice(1)];
      if (spec.shape.length !== want.length || spec.shape.some((d, j) => d !== want[j])) return undefined;
      at.set(v, offset);
      offset += weightSpecBytes([spec]);
    }
    const fill = async (p: { weight: tf.LayerVariable } | undefined, out: Float32Array) => {
      const where = p ? at.get(p.weight) : undefined;
      if (where !== undefined) await read(where, new Uint8Array(out.buffer, out.byteOffset, out.byteLength));
      return out;
    };
    if (into) {
      // read into a model's own arrays (resuming it from a checkpoint), checked first
      const q = into.params;
      if (q.kind !== layout.kind || into.fieldDims.join(',') !== fieldDims.join(',') || q.k !== layout.k || q.normalize !== layout.normalize) {
        throw new Error(
          `the saved ${layout.kind} model (fields [${fieldDims.join(', ')}], k = ${layout.k}${layout.kind === 'ffm' ? `, normalize ${layout.normalize}` : ''}) ` +
            `does not match this ${q.kind} model (fields [${into.fieldDims.join(', ')}], k = ${q.k}${q.kind === 'ffm' ? `, normalize ${q.normalize}` : ''})`,
        );
      }
      await fill(layout.bias, q.bias);
      await fill(layout.linear, q.linear);
      await fill(layout.factors, q.factors);
      return { params: q, fieldDims: [...fieldDims], init: modelInit(standIn), width: layersWidth(standIn, fieldDims.length) };
    }
    // FFM's table (and its linear weights) where its WebAssembly step can score it
    const factors = await fill(layout.factors, allocFactors(layout.kind, n, F, layout.k, shared));
    const params: NativeParams = {
      kind: layout.kind,
      numFeatures: n,
      k: layout.k,
      numFields: F,
      fieldOfFeature: fieldOfFeatureTable(fieldDims, shared),
      normalize: layout.normalize,
      bias: await fill(layout.bias, allocFloat32(1, shared)),
      linear: await fill(layout.linear, allocLinear(factors, n, shared)),
      factors,
    };
    return { params, fieldDims: [...fieldDims], init: modelInit(standIn), width: layersWidth(standIn, fieldDims.length) };
  } finally {
    standIn.dispose();
  }
}

/**
 * The artifacts (less the weight data) and weight stream a save or checkpoint writes for either kind of model: a
 * NativeModel's from its arrays ({@link nativeStreamedArtifacts}), a tfjs model's from its variables.
 */
export function streamedArtifactsOf(model: tf.LayersModel | NativeModel, options: SaveModelOptions): Promise<{ artifacts: tf.io.ModelArtifacts; weights: WeightStream }> {
  return isNativeModel(model) ? nativeStreamedArtifacts(model, options) : streamedArtifacts(model, options);
}

/**
 * What `saveModel` writes for a {@link NativeModel}: the artifacts of its `@fm/layers` equivalent (the topology and
 * weight specs `toLayersModel()` would save) less the weight data, and its arrays as a {@link WeightStream} (views,
 * no copy). The topology comes from a stand-in with one id per field, its `field_dims` set back to the model's: no
 * tfjs tensor the size of the tables is made.
 */
export async function nativeStreamedArtifacts(model: NativeModel, options: SaveModelOptions): Promise<{ artifacts: tf.io.ModelArtifacts; weights: WeightStream }> {
  const p = model.params;
  const standIn = layersEquivalent(p, model.fieldDims.map(() => 1), model.init, model.width);
  try {
    const layout = nativeLayout(standIn, inspectModel(standIn));
    if (typeof layout === 'string') throw new Error(`saveModel: ${layout}`);
    const { artifacts, weights: _tiny } = await streamedArtifacts(standIn, options);
    for (const l of layersOf(artifacts.modelTopology)) if (l.config?.field_dims !== undefined) l.config.field_dims = [...model.fieldDims];
    const arrays = standIn.weights.map((w) => (w === layout.bias.weight ? p.bias : w === layout.linear?.weight ? p.linear : w === layout.factors?.weight ? p.factors : undefined));
    if (arrays.some((a) => a === undefined)) throw new Error(`saveModel: the ${p.kind} layers have a weight the native model does not`);
    const specs = (artifacts.weightSpecs ?? []).map((spec, i) => ({ ...spec, shape: spec.shape.map((d, j) => (j === 0 && arrays[i] !== p.bias ? p.numFeatures : d)) }));
    const fm = artifacts.userDefinedMetadata?.[FM_METADATA_KEY] as { meta: ModelMeta } | undefined;
    if (fm) fm.meta = { ...fm.meta, fieldDims: [...model.fieldDims] };
    // writeModelDir checks the bytes against the specs
    const weights = bytesStream(byteViews(arrays as Float32Array[]));
    return { artifacts: { ...artifacts, weightSpecs: specs }, weights };
  } finally {
    standIn.dispose();
  }
}
