import type { FieldSchema } from '../field-schema.js';
import { Rng } from '../rng.js';
import { SparseDataset } from '../sparse-dataset.js';
import {
  calibrateCtr,
  ctrOptions,
  drawCtrLabels,
  drawCtrRow,
  fixedWidthCsr,
  plantCtr,
  rowTerms,
  type CtrSampler,
  type GenerateCtrOptions,
  type PlantedCtrModel,
} from './ctr.js';

/** Options of {@link ctrStream}: those of `generateCtr`, plus the calibration sample. */
export interface CtrStreamOptions extends GenerateCtrOptions {
  /**
   * Rows drawn (and not emitted) to set the logit scales and the bias (default 262,144): with
   * iid rows, a sample this size pins them within about 0.3 %.
   */
  calibrationRows?: number;
}

/** One chunk of a {@link CtrStream}. */
export interface CtrChunk {
  /** `[rows]` rows, laid out as `generateCtr`'s dataset. */
  dataset: SparseDataset;
  /** `[rows]` true click probability per row. */
  probability: Float32Array;
}

/** A synthetic click log generated chunk by chunk (see {@link ctrStream}). */
export interface CtrStream {
  readonly schema: FieldSchema;
  readonly planted: PlantedCtrModel;
  /** Total rows the stream yields. */
  readonly rows: number;
  /** The rows, in chunks of at most `chunkRows` (default 65,536); each call starts again at row 0. */
  chunks(chunkRows?: number): Generator<CtrChunk>;
  /** Over the rows yielded so far by the last walk: the best achievable mean log loss and the click rate. */
  stats(): { rows: number; bestLogLoss: number; baseRate: number };
}

/** Seed of the row stream, apart from the model's and the calibration's. */
const ROWS_SALT = 0x2545f491;

/**
 * The click log of `generateCtr` (same planted model for a seed: the same field rankings, linear
 * weights and factors; same Zipf fields; labels ~ Bernoulli(sigmoid(logit))) generated chunk by
 * chunk, so memory is the planted model plus one chunk, for any number of rows (20M × 39 fields:
 * a few hundred MB of model and chunk instead of 6 GB). The only difference: the logit scales and
 * the bias are set on a calibration sample of iid rows instead of on the emitted rows. Rows come
 * from their own seeded stream, so the first N rows are the same whatever `rows` is: a 20M-row
 * set starts with the 1M-row set of the same seed.
 */
export function ctrStream(opts: CtrStreamOptions = {}): CtrStream {
  const o = ctrOptions(opts, 'ctrStream');
  const calib = opts.calibrationRows ?? 262_144;
  if (!Number.isInteger(calib) || calib < 2) throw new Error(`ctrStream: calibrationRows must be an integer ≥ 2, got ${calib}`);
  const rng = new Rng(o.seed);
  const s: CtrSampler = plantCtr(o, rng);
  const { F } = o;
  const scratch = new Float64Array(4 * o.k);
  // Calibration: draw rows after the model (as generateCtr's first rows), scale and solve the bias.
  const cIds = new Int32Array(calib * F);
  const lin = new Float64Array(calib);
  const pair = new Float64Array(calib);
  for (let i = 0; i < calib; i++) {
    drawCtrRow(s, rng, cIds, i * F);
    rowTerms(s.planted, s.packed, cIds, i * F, F, scratch, pair, i, lin);
  }
  calibrateCtr(s.planted, lin, pair, o.signal, o.share, o.rate);
  let seen = 0;
  let loss = 0;
  let positives = 0;
  return {
    schema: s.schema,
    planted: s.planted,
    rows: o.rows,
    *chunks(chunkRows = 65_536): Generator<CtrChunk> {
      if (!Number.isInteger(chunkRows) || chunkRows < 1) throw new Error(`ctrStream: chunkRows must be an integer ≥ 1, got ${chunkRows}`);
      const rowRng = new Rng((o.seed ^ ROWS_SALT) >>> 0);
      seen = 0;
      loss = 0;
      positives = 0;
      const p = s.planted;
      for (let start = 0; start < o.rows; start += chunkRows) {
        const m = Math.min(chunkRows, o.rows - start);
        const ids = new Int32Array(m * F);
        const l = new Float64Array(m);
        const q = new Float64Array(m);
        const labels = new Float32Array(m);
        const probability = new Float32Array(m);
        const z = new Float64Array(m);
        for (let i = 0; i < m; i++) {
          // Each row draws its ids, then its label: row i is the same whatever the chunking.
          drawCtrRow(s, rowRng, ids, i * F);
          rowTerms(p, s.packed, ids, i * F, F, scratch, q, i, l);
          z[i] = p.linearScale * (l[i] as number) + p.pairScale * (q[i] as number);
          const r = drawCtrLabels(p.bias, z, rowRng, labels, probability, i, i + 1);
          loss += r.loss;
          positives += r.positives;
        }
        seen += m;
        const { offsets, fields, values } = fixedWidthCsr(m, F);
        yield { dataset: new SparseDataset({ schema: s.schema, labels, offsets, ids, values, fields }, { validate: false }), probability };
      }
    },
    stats() {
      return { rows: seen, bestLogLoss: seen > 0 ? loss / seen : NaN, baseRate: seen > 0 ? positives / seen : NaN };
    },
  };
}
