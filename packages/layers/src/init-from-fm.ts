import * as tf from '@tensorflow/tfjs';
import { modelFieldDims, parameterGroup, sparseTables } from './model-info.js';

/**
 * Copies a trained factorization machine's parameters into another model of the same `fieldDims` and k: the
 * FM-supported initialisation of FNN (Zhang, Du, Wang 2016, "Deep Learning over Multi-field Categorical Data",
 * ECIR), usable for any model of this package with a factor table (FNN, Wide & Deep, IPNN, OPNN, DeepFM, …).
 *
 * Copies the FM's factor table `[n, k]` into the target's first factor table (its order-2 table for HOFM),
 * and, when the target has them, the FM's linear weights `[n, 1]` and global bias. The target's other weights
 * (MLP, field-pair weights, ...) keep their values.
 *
 * @param target the model to initialise (changed in place).
 * @param fm a model with one factor table `[n, k]` (an 'fm' model; any model whose first factor table has the
 * target's shape works).
 * @returns the names of the target's weights that were written.
 * @throws when the fieldDims differ or the factor tables' shapes do not match.
 */
export function initFromFM(target: tf.LayersModel, fm: tf.LayersModel): string[] {
  const dims = modelFieldDims(target);
  const fmDims = modelFieldDims(fm);
  if (dims.length !== fmDims.length || dims.some((d, f) => d !== fmDims[f])) {
    throw new Error(`initFromFM: the FM was built for fieldDims [${fmDims.join(', ')}], the target for [${dims.join(', ')}]`);
  }
  const pick = (model: tf.LayersModel, group: 'factors' | 'linear') => sparseTables(model).find((w) => parameterGroup(w) === group);
  const pairs: [tf.LayerVariable, tf.LayerVariable][] = [];
  const to = pick(target, 'factors');
  const from = pick(fm, 'factors');
  if (to === undefined || from === undefined) {
    throw new Error(`initFromFM: ${to === undefined ? `the target '${target.name}'` : `the FM '${fm.name}'`} has no factor table [n, k]`);
  }
  if (to.shape.join() !== from.shape.join()) {
    throw new Error(`initFromFM: the FM's factor table is [${from.shape.join(', ')}], the target's [${to.shape.join(', ')}] (use the same embeddingDim)`);
  }
  pairs.push([to, from]);
  const linearTo = pick(target, 'linear');
  const linearFrom = pick(fm, 'linear');
  if (linearTo !== undefined && linearFrom !== undefined) pairs.push([linearTo, linearFrom]);
  const scalarBias = (model: tf.LayersModel) => model.trainableWeights.find((w) => parameterGroup(w) === 'bias' && w.shape.length === 1 && w.shape[0] === 1);
  const biasTo = scalarBias(target);
  const biasFrom = scalarBias(fm);
  if (biasTo !== undefined && biasFrom !== undefined) pairs.push([biasTo, biasFrom]);
  for (const [dst, src] of pairs) tf.tidy(() => void dst.write(tf.clone(src.read())));
  return pairs.map(([dst]) => dst.name);
}
