import type * as tf from '@tensorflow/tfjs';
import { inspectModel } from '../../model-info.js';
import { modelFromTopology, variablesByName, weightSpecBytes } from '../../model-io.js';
import { nativeLayout } from './binding.js';
import { allocFactors, allocFloat32, fieldOfFeatureTable } from './params.js';
import type { NativeParams } from './types.js';

/** Reads `out.byteLength` bytes of the saved weight data, from byte `offset`, into `out`. */
export type WeightReader = (offset: number, out: Uint8Array) => Promise<void>;

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
): Promise<{ params: NativeParams; fieldDims: number[] } | undefined> {
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
    // each spec's byte offset, and the one of the bias, linear table and factor table
    const at = new Map<tf.LayerVariable, { offset: number; shape: number[] }>();
    let offset = 0;
    for (const [i, spec] of specs.entries()) {
      const v = vars[i] as tf.LayerVariable;
      const rows = v === layout.bias.weight ? 1 : n;
      const want = [v === layout.bias.weight ? v.shape[0] : v.shape[0] === F ? rows : -1, ...v.shape.slice(1)];
      if (spec.shape.length !== want.length || spec.shape.some((d, j) => d !== want[j])) return undefined;
      at.set(v, { offset, shape: spec.shape });
      offset += weightSpecBytes([spec]);
    }
    const fill = async (p: { weight: tf.LayerVariable } | undefined, out: Float32Array) => {
      const where = p ? at.get(p.weight) : undefined;
      if (where) await read(where.offset, new Uint8Array(out.buffer, out.byteOffset, out.byteLength));
      return out;
    };
    const params: NativeParams = {
      kind: layout.kind,
      numFeatures: n,
      k: layout.k,
      numFields: F,
      fieldOfFeature: fieldOfFeatureTable(fieldDims, shared),
      normalize: layout.normalize,
      bias: await fill(layout.bias, allocFloat32(1, shared)),
      linear: await fill(layout.linear, allocFloat32(n, shared)),
      // FFM's table where its WebAssembly step can score it
      factors: await fill(layout.factors, allocFactors(layout.kind, n, F, layout.k, shared)),
    };
    return { params, fieldDims: [...fieldDims] };
  } finally {
    standIn.dispose();
  }
}
