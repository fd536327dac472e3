/**
 * Feature hashing ("the hashing trick": Weinberger et al., "Feature Hashing for Large Scale
 * Multitask Learning", ICML 2009; as Vowpal Wabbit, libffm's Criteo scripts and xLearn users do):
 * a raw token of field f goes to bucket `murmur3(token, murmur3(f, seed)) mod 2^bits` of that
 * field, so vocabularies never have to fit in memory. Collisions are counted by
 * {@link HashCollisionCounter}.
 */

const C1 = 0xcc9e2d51;
const C2 = 0x1b873593;

function mixK(k: number): number {
  k = Math.imul(k, C1);
  k = (k << 15) | (k >>> 17);
  return Math.imul(k, C2);
}

function mixH(h: number, k: number): number {
  h ^= mixK(k);
  h = (h << 13) | (h >>> 19);
  return (Math.imul(h, 5) + 0xe6546b64) | 0;
}

function finish(h: number, k: number, len: number): number {
  if ((len & 3) !== 0) h ^= mixK(k);
  h ^= len;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/**
 * MurmurHash3 (x86, 32-bit; Austin Appleby's public-domain algorithm) of the UTF-8 bytes of
 * `text`, as an unsigned 32-bit integer. Equals the reference implementation (`mmh3.hash(text,
 * seed, signed=False)` in Python) for every string.
 */
export function murmur3(text: string, seed = 0): number {
  let h = seed | 0;
  let k = 0;
  let shift = 0;
  let len = 0;
  const n = text.length;
  for (let i = 0; i < n; i++) {
    let c = text.charCodeAt(i);
    let bytes: number;
    let b0: number;
    let rest = 0;
    if (c < 0x80) {
      bytes = 1;
      b0 = c;
    } else if (c < 0x800) {
      bytes = 2;
      b0 = 0xc0 | (c >> 6);
      rest = 0x80 | (c & 63);
    } else {
      if (c >= 0xd800 && c < 0xdc00 && i + 1 < n) {
        const d = text.charCodeAt(i + 1);
        if (d >= 0xdc00 && d < 0xe000) {
          c = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
          i++;
        }
      }
      if (c >= 0xd800 && c < 0xe000) c = 0xfffd; // a lone surrogate encodes as U+FFFD, as TextEncoder does
      if (c < 0x10000) {
        bytes = 3;
        b0 = 0xe0 | (c >> 12);
        rest = (0x80 | ((c >> 6) & 63)) | ((0x80 | (c & 63)) << 8);
      } else {
        bytes = 4;
        b0 = 0xf0 | (c >> 18);
        rest = (0x80 | ((c >> 12) & 63)) | ((0x80 | ((c >> 6) & 63)) << 8) | ((0x80 | (c & 63)) << 16);
      }
    }
    let byte = b0;
    for (let j = 0; j < bytes; j++) {
      k |= byte << shift;
      shift += 8;
      len++;
      if (shift === 32) {
        h = mixH(h, k);
        k = 0;
        shift = 0;
      }
      byte = rest & 0xff;
      rest >>>= 8;
    }
  }
  return finish(h, k, len);
}

const digits = new Uint8Array(24);

/** {@link murmur3} of `String(n)` for an integer `n`, without building the string. */
export function murmur3Int(n: number, seed = 0): number {
  if (!Number.isSafeInteger(n)) return murmur3(String(n), seed);
  let m = Math.abs(n);
  let p = digits.length;
  do {
    digits[--p] = 48 + (m % 10);
    m = Math.floor(m / 10);
  } while (m > 0);
  if (n < 0) digits[--p] = 45;
  let h = seed | 0;
  let k = 0;
  let shift = 0;
  for (let i = p; i < digits.length; i++) {
    k |= (digits[i] as number) << shift;
    shift += 8;
    if (shift === 32) {
      h = mixH(h, k);
      k = 0;
      shift = 0;
    }
  }
  return finish(h, k, digits.length - p);
}

/** Hash of a raw token: numbers hash as their decimal text, so `5` and `"5"` share a bucket. */
export function hashToken(token: string | number, fieldSeed: number): number {
  return typeof token === 'number' ? (Number.isInteger(token) ? murmur3Int(token, fieldSeed) : murmur3(String(token), fieldSeed)) : murmur3(token, fieldSeed);
}

/** The per-field seed of a hashed field: `murmur3(fieldName, seed)` (field names keep fields apart, as VW's namespaces). */
export function fieldHashSeed(field: string, seed: number): number {
  return murmur3(field, seed);
}

/** Largest number of hash bits per field (2^30 buckets; global ids stay within int32). */
export const MAX_HASH_BITS = 30;

/**
 * Hashing settings of an encoding: `bits` for every hashed field (a number) or per field name
 * (a record; fields left out keep vocabularies), and the seed. Each hashed field owns its own
 * `2^bits` ids, so FFM's per-field structure is kept and the model has `Σ_f 2^bits_f` features.
 */
export interface HashingConfig {
  bits: number | Readonly<Record<string, number>>;
  /** Seed of the hash (default 0). */
  seed?: number;
}

/**
 * Parses a hash-bits flag: `"20"` (every categorical/multi-hot field) or `"user=20,item=18"` (those
 * fields; the others keep vocabularies). Throws naming the bad entry.
 */
export function parseHashBits(text: string, seed = 0): HashingConfig {
  const t = text.trim();
  if (/^\d+$/.test(t)) return { bits: checkHashBits(Number(t), 'hash bits'), seed };
  const bits: Record<string, number> = {};
  for (const entry of t.split(',')) {
    const eq = entry.lastIndexOf('=');
    const name = entry.slice(0, eq).trim();
    const b = entry.slice(eq + 1).trim();
    if (eq <= 0 || name === '' || !/^\d+$/.test(b)) throw new Error(`hash bits: "${entry}": expected BITS or FIELD=BITS[,FIELD=BITS…]`);
    if (name in bits) throw new Error(`hash bits: field "${name}" is given twice`);
    bits[name] = checkHashBits(Number(b), `hash bits: field "${name}"`);
  }
  return { bits, seed };
}

/** Checks a number of hash bits; throws naming `what`. @internal */
export function checkHashBits(bits: unknown, what: string): number {
  if (typeof bits !== 'number' || !Number.isInteger(bits) || bits < 1 || bits > MAX_HASH_BITS) {
    throw new Error(`${what}: hash bits must be an integer in [1, ${MAX_HASH_BITS}], got ${String(bits)}`);
  }
  return bits;
}

/** Hash bits of `field` under `config`, or undefined when the field is not hashed. */
export function hashBitsOf(config: HashingConfig, field: string): number | undefined {
  if (typeof config.bits === 'number') return checkHashBits(config.bits, 'hashing');
  const b = config.bits[field];
  return b === undefined ? undefined : checkHashBits(b, `hashing: field "${field}"`);
}

/** Collisions of one hashed field. */
export interface HashFieldReport {
  field: string;
  bits: number;
  /** `2^bits`. */
  buckets: number;
  /** Distinct raw tokens seen (distinct 32-bit token hashes; an estimate when `exact` is false). */
  distinctTokens: number;
  /** Buckets holding at least one token (exact). */
  occupiedBuckets: number;
  /** Tokens that share a bucket with an earlier one: `distinctTokens - occupiedBuckets`. */
  collidedTokens: number;
  /** False once the field had more distinct tokens than the exact-count limit (then HyperLogLog, ≈ 1 % error). */
  exact: boolean;
}

/** Collisions of a hashed encoding (totals over its hashed fields). */
export interface HashReport {
  seed: number;
  fields: HashFieldReport[];
  distinctTokens: number;
  occupiedBuckets: number;
  collidedTokens: number;
  exact: boolean;
}

const HLL_P = 14;
const HLL_M = 1 << HLL_P;

/** HyperLogLog distinct count over 32-bit hashes (Flajolet et al. 2007; linear counting for small sets). */
class HyperLogLog {
  private readonly reg = new Uint8Array(HLL_M);

  add(h: number): void {
    const i = h >>> (32 - HLL_P);
    const w = (h << HLL_P) | (1 << (HLL_P - 1)); // guard bit bounds the rank at 32 - P + 1
    const rank = Math.clz32(w) + 1;
    if (rank > (this.reg[i] as number)) this.reg[i] = rank;
  }

  estimate(): number {
    let sum = 0;
    let zeros = 0;
    for (let i = 0; i < HLL_M; i++) {
      sum += 2 ** -(this.reg[i] as number);
      if (this.reg[i] === 0) zeros++;
    }
    const alpha = 0.7213 / (1 + 1.079 / HLL_M);
    const e = (alpha * HLL_M * HLL_M) / sum;
    if (e <= 2.5 * HLL_M && zeros > 0) return Math.round(HLL_M * Math.log(HLL_M / zeros));
    return Math.round(e);
  }
}

/** Per-field state of a {@link HashCollisionCounter}. */
class FieldCounter {
  readonly occupied: Uint32Array;
  occupiedCount = 0;
  exactSet: Set<number> | undefined = new Set();
  hll: HyperLogLog | undefined;

  constructor(
    readonly field: string,
    readonly bits: number,
  ) {
    this.occupied = new Uint32Array(Math.max(1, (2 ** bits) >>> 5));
  }
}

/**
 * Counts, per hashed field, the distinct raw tokens and the buckets they occupy, so an encoding
 * can report its collisions. Memory: `2^bits` bits per field for the occupied buckets, plus an
 * exact set of token hashes while a field has at most `exactLimit` distinct tokens (then a
 * 16 KiB HyperLogLog sketch replaces it).
 */
export class HashCollisionCounter {
  private readonly byField = new Map<string, FieldCounter>();

  /**
   * @param exactLimit distinct tokens per field counted exactly (default 2^16, about 3 MiB per
   * field; Criteo-like fields with millions of values then cost 16 KiB each).
   */
  constructor(
    readonly seed: number,
    private readonly exactLimit = 1 << 16,
  ) {}

  /** Records a token of `field` whose full 32-bit hash is `h` (its bucket is `h mod 2^bits`). */
  add(field: string, bits: number, h: number): void {
    let c = this.byField.get(field);
    if (!c) {
      c = new FieldCounter(field, bits);
      this.byField.set(field, c);
    }
    const b = bits === 32 ? h : h & ((1 << bits) - 1);
    const word = b >>> 5;
    const mask = 1 << (b & 31);
    if (((c.occupied[word] as number) & mask) === 0) {
      c.occupied[word] = (c.occupied[word] as number) | mask;
      c.occupiedCount++;
    }
    if (c.exactSet) {
      c.exactSet.add(h);
      if (c.exactSet.size > this.exactLimit) {
        c.hll = new HyperLogLog();
        for (const x of c.exactSet) c.hll.add(x);
        c.exactSet = undefined;
      }
    } else {
      (c.hll as HyperLogLog).add(h);
    }
  }

  /** The report so far (fields in the order first seen). */
  report(): HashReport {
    const fields: HashFieldReport[] = [...this.byField.values()].map((c) => {
      const distinct = c.exactSet ? c.exactSet.size : Math.max(c.occupiedCount, (c.hll as HyperLogLog).estimate());
      return {
        field: c.field,
        bits: c.bits,
        buckets: 2 ** c.bits,
        distinctTokens: distinct,
        occupiedBuckets: c.occupiedCount,
        collidedTokens: distinct - c.occupiedCount,
        exact: c.exactSet !== undefined,
      };
    });
    const sum = (k: 'distinctTokens' | 'occupiedBuckets' | 'collidedTokens') => fields.reduce((s, f) => s + f[k], 0);
    return {
      seed: this.seed,
      fields,
      distinctTokens: sum('distinctTokens'),
      occupiedBuckets: sum('occupiedBuckets'),
      collidedTokens: sum('collidedTokens'),
      exact: fields.every((f) => f.exact),
    };
  }
}
