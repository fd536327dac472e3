/**
 * A multi-hot (bag-of-tokens) column in CSR layout: row `r` holds
 * `tokens[offsets[r] .. offsets[r+1])`, with optional per-token `weights` (default 1 each).
 */
export interface MultiHotColumn {
  kind: 'multi-hot';
  /** `[length + 1]` offsets into `tokens`, starting at 0. */
  offsets: Int32Array;
  /** `[offsets[length]]` raw tokens. */
  tokens: (string | number)[];
  /** `[offsets[length]]` optional token weights. */
  weights?: Float32Array;
}

/** One column of a {@link Frame}: numbers, raw keys, or a multi-hot bag per row. */
export type Column = Int32Array | Float32Array | Float64Array | (string | number)[] | MultiHotColumn;

/** A columnar raw table, the input of the encoder: every column has `length` rows. */
export interface Frame {
  length: number;
  columns: Record<string, Column>;
}

/** True when a column is a {@link MultiHotColumn}. */
export function isMultiHot(c: Column): c is MultiHotColumn {
  return !Array.isArray(c) && !ArrayBuffer.isView(c) && (c as MultiHotColumn).kind === 'multi-hot';
}

/** Number of rows a column holds. */
export function columnLength(c: Column): number {
  return isMultiHot(c) ? c.offsets.length - 1 : c.length;
}

/**
 * Checks that every column of a frame has `frame.length` rows and every multi-hot column is
 * well-formed; throws naming the column.
 */
export function validateFrame(frame: Frame): void {
  if (!Number.isInteger(frame.length) || frame.length < 0) {
    throw new Error(`Frame: length ${frame.length} is not a non-negative integer`);
  }
  for (const [name, c] of Object.entries(frame.columns)) {
    if (isMultiHot(c)) {
      if (c.offsets.length !== frame.length + 1) {
        throw new Error(`Frame: multi-hot column "${name}" has ${c.offsets.length} offsets, expected length + 1 = ${frame.length + 1}`);
      }
      if (c.offsets[0] !== 0) throw new Error(`Frame: multi-hot column "${name}" offsets must start at 0`);
      const nnz = c.offsets[frame.length] as number;
      if (c.tokens.length !== nnz) {
        throw new Error(`Frame: multi-hot column "${name}" has ${c.tokens.length} tokens, expected offsets[length] = ${nnz}`);
      }
      if (c.weights && c.weights.length !== nnz) {
        throw new Error(`Frame: multi-hot column "${name}" has ${c.weights.length} weights, expected ${nnz}`);
      }
      for (let r = 0; r < frame.length; r++) {
        if ((c.offsets[r + 1] as number) < (c.offsets[r] as number)) {
          throw new Error(`Frame: multi-hot column "${name}" offsets decrease at row ${r}`);
        }
      }
    } else if (c.length !== frame.length) {
      throw new Error(`Frame: column "${name}" has ${c.length} rows, expected ${frame.length}`);
    }
  }
}

/** The rows of `frames` one after another (copies); every frame must have the same columns of the same kinds. */
export function concatFrames(frames: readonly Frame[]): Frame {
  const first = frames[0];
  if (!first) return { length: 0, columns: {} };
  const length = frames.reduce((s, f) => s + f.length, 0);
  const columns: Record<string, Column> = {};
  for (const [name, c0] of Object.entries(first.columns)) {
    const parts = frames.map((f, i) => {
      const c = f.columns[name];
      if (c === undefined || isMultiHot(c) !== isMultiHot(c0) || Array.isArray(c) !== Array.isArray(c0)) {
        throw new Error(`concatFrames: frame ${i} lacks column "${name}" or holds it in another form`);
      }
      return c;
    });
    if (isMultiHot(c0)) {
      const bags = parts as MultiHotColumn[];
      const offsets = new Int32Array(length + 1);
      const tokens: (string | number)[] = [];
      const weighted = bags.some((b) => b.weights !== undefined);
      const weights: number[] = [];
      let r = 0;
      for (const b of bags) {
        for (let i = 0; i < b.offsets.length - 1; i++) {
          for (let j = b.offsets[i] as number; j < (b.offsets[i + 1] as number); j++) {
            tokens.push(b.tokens[j] as string | number);
            if (weighted) weights.push(b.weights ? (b.weights[j] as number) : 1);
          }
          offsets[++r] = tokens.length;
        }
      }
      columns[name] = weighted ? { kind: 'multi-hot', offsets, tokens, weights: Float32Array.from(weights) } : { kind: 'multi-hot', offsets, tokens };
    } else if (Array.isArray(c0)) {
      columns[name] = (parts as (string | number)[][]).flat();
    } else {
      const out = new (c0.constructor as new (n: number) => Int32Array | Float32Array | Float64Array)(length);
      let o = 0;
      for (const p of parts as (Int32Array | Float32Array | Float64Array)[]) {
        out.set(p, o);
        o += p.length;
      }
      columns[name] = out;
    }
  }
  return { length, columns };
}
