import * as tf from '@tensorflow/tfjs';
import { withRowFeeds, type RowFeed } from '@fm/layers';
import { BatchRows, type BatchRowIndex } from './batch-rows.js';
import { fieldOfFeatureTable } from './engines/native/params.js';
import { readView, wasmHeap, withSharedIdentity, writeView, type WasmHeap } from './heap-view.js';
import { copyRows } from './row-gather.js';
import { bprLoss, logLoss, mseLoss } from './losses.js';
import type { ModelInfo, TrainableParam } from './model-info.js';
import { AdamOptimizer, type ParamSlot, type RowOptimizer } from './optimizers.js';
import { resolveL2, type L2Option, type ParameterGroup } from './regularization.js';
import { gatherTableRows, sparseRowKernels, type SparseRowKernels } from './sparse-rows-wasm.js';

/** The update unit of a sparse table: `[rows, rowSize]`, or `[n·F, k]` blocks for a field-aware table. */
function unitShape(p: TrainableParam): [number, number] {
  const size = p.shape.reduce((a, b) => a * b, 1);
  const unit = p.fieldBlocks ? p.rowSize / p.fieldBlocks : p.rowSize;
  return [size / unit, unit];
}

/** How the scored rows of a step form the loss. */
export type StepLoss = 'mse' | 'logloss' | 'bpr';

/** The rows of one step: `[rows, width]` row-major ids/values and, for mse/logloss, `[rows]` labels. */
export interface StepBatch {
  rows: number;
  width: number;
  ids: Int32Array;
  values: Float32Array;
  /** Targets (mse/logloss); for bpr the first half of the rows are positives and the second half their negatives. */
  labels?: Float32Array;
}

/** Options of a {@link TrainStep}. */
export interface TrainStepOptions {
  /**
   * On the wasm backend, gather, sum and update Adam-trained sparse tables with WebAssembly kernels in the heap
   * (default true); false keeps the TypeScript loops (the same results to float32 rounding; for comparisons).
   */
  wasmKernels?: boolean;
}

/** One sparse table in a step. */
interface TableStep {
  param: TrainableParam;
  /** Index in `info.params` (and in `slots`). */
  index: number;
  variable: tf.Variable;
  /** `[rows, width, …rowShape]` the batch's rows, fed to the lookups; the gradient is taken with respect to them. */
  fed: tf.Tensor;
  /** Gradient of `fed` (null when the loss does not reach it). */
  dFed?: tf.Tensor | null;
  /** `[u, rowSize]` gradient rows of the whole table (lookups that matched no feed), gathered at the touched ids. */
  dTable?: tf.Tensor;
  /** `[u, rowSize]` the touched rows' weights (read off the heap instead on wasm). */
  weights?: tf.Tensor;
  /** The wasm kernels that gather, sum and update this table's rows (Adam on wasm), if they do. */
  kernels?: SparseRowKernels;
}

/**
 * Reads tensors back: on wasm a view of the heap (no copy; valid until the next allocation), elsewhere the
 * values of `data()` fetched ahead by {@link settle}.
 */
class Readback {
  private readonly pending: tf.Tensor[] = [];
  private readonly fetched = new Map<tf.Tensor, Float32Array>();
  constructor(private readonly heap: WasmHeap | undefined) {}

  request(t: tf.Tensor): void {
    if (!this.heap) this.pending.push(t);
  }

  async settle(): Promise<void> {
    const values = await Promise.all(this.pending.map((t) => t.data() as Promise<Float32Array>));
    this.pending.forEach((t, i) => this.fetched.set(t, values[i] as Float32Array));
  }

  get(t: tf.Tensor): Float32Array {
    if (this.heap) return readView(this.heap, t);
    const v = this.fetched.get(t);
    if (!v) throw new Error('TrainStep: a tensor was read back without being requested');
    return v;
  }
}

/**
 * One optimisation step on a `@fm/layers` model: forward + loss + gradients through tfjs, then the update in
 * plain TypeScript on the {@link RowOptimizer}.
 *
 * Sparse tables never get an `[n, k]` gradient: the step gathers the batch's rows itself (`[B, W, k]`, copied
 * straight out of the wasm heap on wasm, a `tf.gather` elsewhere), feeds them to the layers' `gatherRows`
 * lookups through `withRowFeeds` (`@fm/layers`) and takes the gradient with respect to those rows. The per-slot
 * gradient is summed per distinct id ({@link BatchRows}), the L2 term's gradient is added in closed form (as
 * {@link l2Penalty} defines it: λ·count/B·w per touched row, λ·w for dense weights) and only the touched rows are
 * updated: in place in the wasm heap, or with one `tf.tensorScatterUpdate` elsewhere. A field-aware table (FFM,
 * `fieldBlocks`) is updated per `(feature, field)` block of k: only the blocks some pair of the batch uses, with
 * row-wise optimizer state per block (as the native engine). Regression minimises ½·MSE (gradient ŷ − y, as libFM
 * and the native engine) and reports the MSE. Dense weights are updated
 * whole and written as new tensors. On wasm, gradients are read straight from the heap and the step's
 * TypeScript buffers are reused from step to step; with Adam, a sparse table's rows are gathered, their gradients
 * summed and Adam's update applied by WebAssembly kernels in the wasm heap (sparse-rows-wasm.ts; the moments
 * live there too; the results agree with the TypeScript path to float32 rounding), and dense weights take the same
 * update kernel. Call {@link dispose} when done with a step on wasm.
 */
export class TrainStep {
  readonly slots: ParamSlot[];
  /**
   * Wall-clock milliseconds of the last {@link run}: `gradients` — forward and backward through tfjs (the rows fed,
   * the loss, the gradient tape); `update` — the rest (gradients read back, L2, the optimizer, the weights written).
   * For benchmarks that say where a model's time goes.
   */
  readonly lastPhases = { gradientsMs: 0, updateMs: 0 };
  private readonly lambda: Record<ParameterGroup, number>;
  private readonly batchRows: BatchRows;
  private readonly buffers = new Map<string, Float32Array>();
  /** `[moments…]` per param index whose optimizer state lives in the wasm heap (see {@link heapState}). */
  private readonly heapMoments = new Map<number, tf.Tensor[]>();
  /** Heap scratch of the kernel path: `[u·rowSize]` gradient rows, then `[B·W]` local, `[u]` unique, `[u]` counts. */
  private arena: tf.Tensor | undefined;

  constructor(
    private readonly model: tf.LayersModel,
    private readonly info: ModelInfo,
    readonly optimizer: RowOptimizer,
    l2: L2Option | undefined,
    private readonly loss: StepLoss,
    private readonly options: TrainStepOptions = {},
  ) {
    this.lambda = resolveL2(l2);
    // FFM blocks keep row-wise Adagrad state, as the native engine does
    this.slots = info.params.map((p) => optimizer.newSlot(p.shape.reduce((a, b) => a * b, 1), unitShape(p)[1], p.fieldBlocks !== undefined));
    this.batchRows = new BatchRows(info.numFeatures);
  }

  private fieldOfTable: Int32Array | undefined;
  /** `[n]` field of every feature id (for field-aware tables). */
  private fieldOf(): Int32Array {
    return (this.fieldOfTable ??= fieldOfFeatureTable(this.info.fieldDims));
  }

  /** Runs one step; resolves to the batch's mean data loss (before regularisation). */
  async run(batch: StepBatch): Promise<number> {
    const started = performance.now();
    const { rows, width } = batch;
    const ids = batch.ids.subarray(0, rows * width);
    const values = batch.values.subarray(0, rows * width);
    if (this.loss !== 'bpr' && !batch.labels) throw new Error('TrainStep: labels are required for mse/logloss');
    const params = this.info.params;
    const vars = params.map((p) => p.weight.read() as tf.Variable);
    const touched = params.some((p) => p.sparse) ? this.batchRows.index(ids, values) : undefined;
    const heap = wasmHeap();
    const owned: tf.Tensor[] = [];
    const own = <T extends tf.Tensor>(t: T): T => {
      owned.push(t);
      return t;
    };
    try {
      const idsT = own(tf.tensor2d(ids, [rows, width], 'int32'));
      const valsT = own(tf.tensor2d(values, [rows, width], 'float32'));
      const labelsT = batch.labels ? own(tf.tensor1d(batch.labels.subarray(0, rows), 'float32')) : undefined;
      const tables: TableStep[] = [];
      params.forEach((p, index) => {
        if (!p.sparse) return;
        const variable = vars[index] as tf.Variable;
        const kernels = heap ? this.kernelsFor(heap, variable, p, index) : undefined;
        if (kernels) {
          tables.push({ param: p, index, variable, fed: own(gatherTableRows(variable, idsT)), kernels });
        } else tables.push({ param: p, index, variable, fed: own(this.batchRowsOf(heap, variable, p, index, touched as BatchRowIndex, idsT, rows, width)) });
      });
      // dense weights take the same Adam kernel, as one row each (their moments move into the heap too)
      const denseKernels = heap ? params.map((p, i) => (p.sparse ? undefined : this.kernelsFor(heap, vars[i] as tf.Variable, p, i))) : [];
      if (heap && (tables.some((t) => t.kernels) || denseKernels.some((k) => k))) {
        const t = touched;
        const maxRow = Math.max(0, ...tables.map((x) => (x.kernels ? x.param.rowSize : 0)));
        const maxDense = Math.max(0, ...params.map((p, i) => (denseKernels[i] ? p.weight.read().size : 0)));
        this.ensureArena(Math.max(t ? t.unique.length * (maxRow + 2) + t.local.length : 0, maxDense + 2));
      }
      const feeds: RowFeed[] = tables.map((t) => ({ table: t.variable, ids: idsT, rows: t.fed }));
      const tape = performance.now();
      // the tape's clones of saved tensors share storage instead of copying it (withSharedIdentity)
      const { value, grads } = withSharedIdentity(() =>
        tf.engine().gradients(
          () =>
            withRowFeeds(feeds, () => {
              const out = tf.reshape(this.model.apply([idsT, valsT], { training: true }) as tf.Tensor, [-1]);
              if (this.loss === 'bpr') {
                const half = rows / 2;
                return bprLoss(tf.slice(out, 0, half), tf.slice(out, half, half));
              }
              // regression follows ½·MSE (gradient ŷ − y, as libFM and the native engine); MSE is reported
              return this.loss === 'mse' ? tf.mul(0.5, mseLoss(out, labelsT as tf.Tensor)) : logLoss(out, labelsT as tf.Tensor);
            }),
          [...tables.map((t) => t.fed), ...vars],
          undefined,
          true,
        ),
      );
      owned.push(value, ...grads.filter((g): g is tf.Tensor => g !== undefined && g !== null));
      const taped = performance.now();
      this.lastPhases.gradientsMs = taped - tape;
      const varGrad = (i: number): tf.Tensor | undefined => grads[tables.length + i] ?? undefined;

      const readback = new Readback(heap);
      readback.request(value);
      let uniqueT: tf.Tensor | undefined;
      const unique = () => (uniqueT ??= own(tf.tensor1d((touched as BatchRowIndex).unique, 'int32')));
      tables.forEach((t, ti) => {
        t.dFed = grads[ti] ?? null;
        if (t.dFed) readback.request(t.dFed);
        const dTable = varGrad(t.index);
        if (dTable) readback.request((t.dTable = own(tf.gather(dTable, unique()))));
        if (!heap) readback.request((t.weights = own(tf.gather(t.variable, unique()))));
      });
      params.forEach((p, i) => {
        const g = varGrad(i);
        if (p.sparse || !g) return;
        readback.request(g);
        readback.request(vars[i] as tf.Variable);
      });
      await readback.settle();
      // synchronous from here on: heap views stay valid until the next tensor allocation
      const lossValue = (readback.get(value)[0] as number) * (this.loss === 'mse' ? 2 : 1);
      this.optimizer.beginStep();
      for (const t of tables) this.updateTable(t, readback, heap, touched as BatchRowIndex, batch, uniqueT);
      params.forEach((p, i) => {
        const g = varGrad(i);
        if (p.sparse || !g) return;
        // dense weights get a new tensor every step, never an in-place write: the wasm backend caches
        // XNNPACK operators (with packed weights) by the tensor of a matMul's right operand
        const size = p.shape.reduce((a, b) => a * b, 1);
        const kernels = denseKernels[i];
        if (kernels && heap) {
          const w = this.buffer(heap, `w${i}`, size);
          w.set(this.kernelDenseUpdate(kernels, heap, i, readView(heap, vars[i] as tf.Variable).subarray(0, size), readback.get(g), batch.rows));
          tf.tidy(() => {
            p.weight.write(tf.tensor(w, p.shape, 'float32'));
          });
          return;
        }
        const grad = this.buffer(heap, `g${i}`, size);
        grad.set(readback.get(g).subarray(0, size));
        const w = this.buffer(heap, `w${i}`, size);
        w.set(readback.get(vars[i] as tf.Variable).subarray(0, size));
        const lambda = this.lambda[p.group];
        if (lambda > 0) for (let j = 0; j < size; j++) grad[j] = (grad[j] as number) + lambda * (w[j] as number);
        this.optimizer.update(this.slots[i] as ParamSlot, null, w, grad);
        tf.tidy(() => {
          p.weight.write(tf.tensor(w, p.shape, 'float32'));
        });
      });
      this.lastPhases.updateMs = performance.now() - started - this.lastPhases.gradientsMs;
      return lossValue;
    } finally {
      tf.dispose(owned);
    }
  }

  /**
   * A scratch buffer of exactly `size` floats. On wasm it is reused from step to step (tensors made from it are
   * copies into the heap); other backends may keep the array a tensor is made from, so they get a new one.
   */
  private buffer(heap: WasmHeap | undefined, key: string, size: number): Float32Array {
    if (!heap) return new Float32Array(size);
    let b = this.buffers.get(key);
    if (!b || b.length < size) this.buffers.set(key, (b = new Float32Array(Math.max(size, Math.ceil((b?.length ?? 0) * 1.5)))));
    return b.subarray(0, size);
  }

  /**
   * The wasm kernels for param `index` (a sparse table or a dense weight) when they apply (Adam, not field-aware,
   * WebAssembly SIMD on the wasm backend's memory), with its moments moved into the heap on first use; else undefined.
   */
  private kernelsFor(heap: WasmHeap, table: tf.Variable, p: TrainableParam, index: number): SparseRowKernels | undefined {
    if (this.options.wasmKernels === false || !(this.optimizer instanceof AdamOptimizer) || p.fieldBlocks) return undefined;
    const kernels = sparseRowKernels(readView(heap, table).buffer);
    if (kernels === null) return undefined;
    this.heapState(heap, index);
    return kernels;
  }

  /**
   * Moves param `index`'s optimizer state into the wasm heap (once; tensors this step owns), so the kernels update it
   * in place: the slot's `state` then reads as fresh views of it. {@link dispose} moves it back out.
   */
  private heapState(heap: WasmHeap, index: number): void {
    if (this.heapMoments.has(index)) return;
    const slot = this.slots[index] as ParamSlot;
    const moments = slot.state.map((a) => tf.tensor1d(a, 'float32'));
    this.heapMoments.set(index, moments);
    const { size, rowSize } = slot;
    this.slots[index] = {
      size,
      rowSize,
      inHeap: true,
      get state() {
        return moments.map((m) => readView(heap, m));
      },
    };
  }

  /** Makes the heap scratch at least `floats` long (allocates: call before taking any heap view). */
  private ensureArena(floats: number): void {
    if (this.arena && this.arena.size >= floats) return;
    const size = Math.max(floats, Math.ceil((this.arena?.size ?? 0) * 1.5));
    this.arena?.dispose();
    this.arena = tf.zeros([size], 'float32');
  }

  /**
   * The kernel path of {@link updateTable}: the per-slot gradient `dFed` summed per touched row into the heap
   * scratch (`dTable`'s rows first when there are any), then Adam with L2 on those rows of `table` in place.
   */
  private kernelUpdate(t: TableStep, kernels: SparseRowKernels, heap: WasmHeap, table: Float32Array, readback: Readback, touched: BatchRowIndex, rows: number): void {
    const { unique, counts, local } = touched;
    const r = t.param.rowSize;
    const u = unique.length;
    const arena = readView(heap, this.arena as tf.Tensor);
    const g = arena.subarray(0, u * r);
    const at = arena.byteOffset + u * r * 4;
    const index = new Int32Array(arena.buffer, at, local.length + 2 * u);
    index.set(local, 0);
    index.set(unique, local.length);
    index.set(counts, local.length + u);
    const [localAt, uniqueAt, countsAt] = [at, at + local.length * 4, at + (local.length + u) * 4];
    if (t.dTable) g.set(readback.get(t.dTable).subarray(0, u * r));
    else g.fill(0);
    if (t.dFed) (r % 4 === 0 ? kernels.scatterAdd16 : kernels.scatterAdd4)(g.byteOffset, localAt, local.length, r * 4, readback.get(t.dFed).byteOffset);
    this.adamKernel(kernels, t.index, table, g, uniqueAt, countsAt, u, r, rows);
  }

  /**
   * Adam with L2 on `u` rows of `r` floats of param `index` (weights `w`, gradients `g`, both heap views; moments from
   * its heap slot; rows and counts as int32 at byte addresses): `adamRows16` when r is a multiple of 4, else `adamRows`.
   */
  private adamKernel(kernels: SparseRowKernels, index: number, w: Float32Array, g: Float32Array, uniqueAt: number, countsAt: number, u: number, r: number, rows: number): void {
    const [m, v] = (this.slots[index] as ParamSlot).state as [Float32Array, Float32Array];
    const { lr, b1, b2, eps, c1, c2 } = (this.optimizer as AdamOptimizer).stepRule();
    const lambda = this.lambda[(this.info.params[index] as TrainableParam).group];
    const args = [w.byteOffset, m.byteOffset, v.byteOffset, g.byteOffset, uniqueAt, countsAt, u, r * 4, lambda, rows] as const;
    if (r % 4 === 0) kernels.adamRows16(...args, lr / c1, b1, 1 - b1, b2, 1 - b2, eps, 1 / c2);
    else kernels.adamRows(...args, lr, b1, 1 - b1, b2, 1 - b2, eps, c1, c2);
  }

  /**
   * Adam with L2 (λ·w) on dense param `index` by the row kernels: its weights `w` are copied into the heap scratch
   * and updated there as one row, with gradient `g` (a heap view); returns the scratch's new weights (a heap view:
   * copy it before the next allocation).
   */
  private kernelDenseUpdate(kernels: SparseRowKernels, heap: WasmHeap, index: number, w: Float32Array, g: Float32Array, rows: number): Float32Array {
    const size = w.length;
    const arena = readView(heap, this.arena as tf.Tensor);
    const out = arena.subarray(0, size);
    out.set(w);
    // one row: unique [0], count = rows, so the L2 term (λ·count/rows)·w is λ·w
    const idx = new Int32Array(arena.buffer, arena.byteOffset + size * 4, 2);
    idx[0] = 0;
    idx[1] = rows;
    this.adamKernel(kernels, index, out, g, idx.byteOffset, idx.byteOffset + 4, 1, size, rows);
    return out;
  }

  /**
   * Releases what the step keeps in the wasm heap (Adam's moments move back into the slots as plain arrays, so
   * the step can still report or continue its state; a later {@link run} moves them in again).
   */
  dispose(): void {
    for (const [index, moments] of this.heapMoments) {
      const slot = this.slots[index] as ParamSlot;
      const state = slot.state.map((a) => Float32Array.from(a));
      this.slots[index] = { size: slot.size, rowSize: slot.rowSize, state };
      tf.dispose(moments);
    }
    this.heapMoments.clear();
    this.arena?.dispose();
    this.arena = undefined;
  }

  /**
   * `[rows, width, …rowShape]`: the table's rows at the batch ids, gathered outside the gradient tape. On wasm the
   * touched rows are first copied once out of the heap into the `[u, rowSize]` buffer that {@link updateTable}
   * updates (each distinct row read from the big table once per step), then spread to the batch's slots.
   */
  private batchRowsOf(
    heap: WasmHeap | undefined,
    table: tf.Variable,
    p: TrainableParam,
    index: number,
    touched: BatchRowIndex,
    idsT: tf.Tensor,
    rows: number,
    width: number,
  ): tf.Tensor {
    if (!heap) return tf.gather(table, idsT);
    const r = p.rowSize;
    const { unique, local } = touched;
    const packed = this.buffer(heap, `wt${index}`, unique.length * r);
    copyRows(readView(heap, table), unique, r, packed, false);
    const out = this.buffer(heap, `fed${p.weight.name}`, local.length * r);
    for (let s = 0, o = 0; s < local.length; s++) {
      const from = (local[s] as number) * r;
      for (let j = 0; j < r; j++) out[o++] = packed[from + j] as number;
    }
    return tf.tensor(out, [rows, width, ...p.shape.slice(1)], 'float32');
  }

  /** Sums the gradient per touched row, adds L2, runs the optimizer and writes the rows back. */
  private updateTable(t: TableStep, readback: Readback, heap: WasmHeap | undefined, touched: BatchRowIndex, batch: StepBatch, uniqueT: tf.Tensor | undefined): void {
    const rows = batch.rows;
    const { unique, counts, local } = touched;
    const r = t.param.rowSize;
    const size = unique.length * r;
    if (t.kernels && heap) {
      const table = writeView(heap, t.variable);
      if (table) {
        this.kernelUpdate(t, t.kernels, heap, table, readback, touched, rows);
        return;
      }
    }
    const g = this.buffer(heap, `gt${t.index}`, size);
    if (t.dTable) g.set(readback.get(t.dTable).subarray(0, size));
    else g.fill(0);
    if (t.dFed) {
      const d = readback.get(t.dFed);
      for (let s = 0, o = 0; s < local.length; s++) {
        const row = (local[s] as number) * r;
        for (let j = 0; j < r; j++) g[row + j] = (g[row + j] as number) + (d[o++] as number);
      }
    }
    // on wasm, batchRowsOf has left the touched rows' weights in this buffer (the kernels' gather has not)
    const w = this.buffer(heap, `wt${t.index}`, size);
    if (t.weights) w.set(readback.get(t.weights).subarray(0, size));
    else if (t.kernels && heap) copyRows(readView(heap, t.variable), unique, r, w, false);
    if (t.param.fieldBlocks) {
      this.updateBlocks(t, heap, touched, batch, g, w);
      return;
    }
    const lambda = this.lambda[t.param.group];
    if (lambda > 0) {
      for (let u = 0; u < unique.length; u++) {
        const c = (lambda * (counts[u] as number)) / rows;
        for (let j = u * r; j < (u + 1) * r; j++) g[j] = (g[j] as number) + c * (w[j] as number);
      }
    }
    this.optimizer.update(this.slots[t.index] as ParamSlot, unique, w, g);
    const view = heap ? writeView(heap, t.variable) : undefined;
    if (view) {
      copyRows(view, unique, r, w, true);
      return;
    }
    tf.tidy(() => {
      const idx = uniqueT ?? tf.tensor1d(unique, 'int32');
      const rowsT = tf.tensor(w, [unique.length, ...t.param.shape.slice(1)], 'float32');
      t.param.weight.write(tf.tensorScatterUpdate(t.variable, tf.reshape(idx, [-1, 1]), rowsT));
    });
  }

  /**
   * The update of a field-aware table from its touched rows' `[u, F·k]` gradient `g` and weights `w`: the blocks
   * `(a, field(c))` and `(c, field(a))` of every non-padding pair (a, c) of a row, each counted once per pair for
   * L2 (as `touchedBlocks` in ./regularization.ts), updated with the block-wise optimizer state and written back.
   */
  private updateBlocks(t: TableStep, heap: WasmHeap | undefined, touched: BatchRowIndex, batch: StepBatch, g: Float32Array, w: Float32Array): void {
    const { rows, width, ids, values } = batch;
    const { unique, local } = touched;
    const F = t.param.fieldBlocks as number;
    const k = unitShape(t.param)[1];
    const fieldOf = this.fieldOf();
    const grid = this.counts(unique.length * F);
    for (let b = 0; b < rows; b++) {
      const o = b * width;
      for (let j = 0; j < width; j++) {
        const a = ids[o + j] as number;
        if (a === 0 && values[o + j] === 0) continue;
        const la = (local[o + j] as number) * F;
        for (let l = j + 1; l < width; l++) {
          const c = ids[o + l] as number;
          if (c === 0 && values[o + l] === 0) continue;
          const ua = la + (fieldOf[c] as number);
          const uc = (local[o + l] as number) * F + (fieldOf[a] as number);
          grid[ua] = (grid[ua] as number) + 1;
          grid[uc] = (grid[uc] as number) + 1;
        }
      }
    }
    let nb = 0;
    for (let i = 0; i < grid.length; i++) if ((grid[i] as number) > 0) nb++;
    const blocks = new Int32Array(nb);
    const bg = this.buffer(heap, `bg${t.index}`, nb * k);
    const bw = this.buffer(heap, `bw${t.index}`, nb * k);
    const lambda = this.lambda[t.param.group];
    for (let i = 0, q = 0; i < grid.length; i++) {
      const count = grid[i] as number;
      if (count === 0) continue;
      const u = (i / F) | 0;
      blocks[q] = (unique[u] as number) * F + (i - u * F);
      const c = (lambda * count) / rows;
      for (let j = 0, from = i * k, to = q * k; j < k; j++) {
        const wj = w[from + j] as number;
        bw[to + j] = wj;
        bg[to + j] = (g[from + j] as number) + c * wj;
      }
      q++;
    }
    this.optimizer.update(this.slots[t.index] as ParamSlot, blocks, bw, bg);
    const view = heap ? writeView(heap, t.variable) : undefined;
    if (view) {
      copyRows(view, blocks, k, bw, true);
      return;
    }
    tf.tidy(() => {
      const unit = unitShape(t.param);
      const upd = tf.tensor2d(bw, [nb, k], 'float32');
      const idx = tf.tensor2d(blocks, [nb, 1], 'int32');
      const table = tf.tensorScatterUpdate(tf.reshape(t.variable, unit), idx, upd);
      t.param.weight.write(tf.reshape(table, t.param.shape));
    });
  }

  private countBuffer = new Int32Array(0);
  /** A zeroed `[size]` counter buffer, reused from step to step. */
  private counts(size: number): Int32Array {
    if (this.countBuffer.length < size) this.countBuffer = new Int32Array(Math.max(size, Math.ceil(this.countBuffer.length * 1.5)));
    const c = this.countBuffer.subarray(0, size);
    c.fill(0);
    return c;
  }
}
