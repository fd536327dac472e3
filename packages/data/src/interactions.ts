/**
 * A columnar user–item log (explicit ratings or implicit events), with the raw integer ids as they
 * appear in the source files. Every array has `length` entries; row `r` is
 * `(user[r], item[r], rating[r], timestamp[r])`.
 */
export interface Interactions {
  /** `[length]` raw user ids. */
  user: Int32Array;
  /** `[length]` raw item ids. */
  item: Int32Array;
  /** `[length]` ratings (1 for implicit events). */
  rating: Float32Array;
  /** `[length]` timestamps, seconds since the epoch as in the source (0 when absent). */
  timestamp: Float64Array;
  /** Number of rows. */
  length: number;
}

/** Side information about an item (a MovieLens movie). */
export interface ItemInfo {
  id: number;
  title: string;
  /** Genre names, in file order; empty when none are listed. */
  genres: string[];
  /** Release year, from the title's trailing `(YYYY)` or the release date. */
  year?: number;
}

/** Side information about a user (MovieLens demographics). */
export interface UserInfo {
  id: number;
  age?: number;
  gender?: string;
  occupation?: string;
  zip?: string;
}

/** Rows of `x` in the given order (a copy); throws on an out-of-range row. */
export function selectInteractions(x: Interactions, rows: ArrayLike<number>): Interactions {
  const m = rows.length;
  const out: Interactions = {
    user: new Int32Array(m),
    item: new Int32Array(m),
    rating: new Float32Array(m),
    timestamp: new Float64Array(m),
    length: m,
  };
  for (let i = 0; i < m; i++) {
    const r = rows[i] as number;
    if (!Number.isInteger(r) || r < 0 || r >= x.length) {
      throw new Error(`selectInteractions: row ${r} (position ${i}) out of range [0, ${x.length})`);
    }
    out.user[i] = x.user[r] as number;
    out.item[i] = x.item[r] as number;
    out.rating[i] = x.rating[r] as number;
    out.timestamp[i] = x.timestamp[r] as number;
  }
  return out;
}

/**
 * Appends rows to growable typed arrays (capacity doubles), then trims to an {@link Interactions}.
 * @internal used by the loaders.
 */
export class InteractionsBuilder {
  private user = new Int32Array(1024);
  private item = new Int32Array(1024);
  private rating = new Float32Array(1024);
  private timestamp = new Float64Array(1024);
  length = 0;

  push(user: number, item: number, rating: number, timestamp: number): void {
    if (this.length === this.user.length) this.grow();
    const i = this.length++;
    this.user[i] = user;
    this.item[i] = item;
    this.rating[i] = rating;
    this.timestamp[i] = timestamp;
  }

  private grow(): void {
    const n = this.user.length * 2;
    const u = new Int32Array(n);
    u.set(this.user);
    this.user = u;
    const it = new Int32Array(n);
    it.set(this.item);
    this.item = it;
    const r = new Float32Array(n);
    r.set(this.rating);
    this.rating = r;
    const t = new Float64Array(n);
    t.set(this.timestamp);
    this.timestamp = t;
  }

  build(): Interactions {
    const n = this.length;
    return {
      user: this.user.slice(0, n),
      item: this.item.slice(0, n),
      rating: this.rating.slice(0, n),
      timestamp: this.timestamp.slice(0, n),
      length: n,
    };
  }
}
