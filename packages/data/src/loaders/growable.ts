type TypedCtor<T> = new (n: number) => T;

/** A typed array that doubles its capacity as values are pushed. @internal */
export class Growable<T extends Int32Array | Float32Array | Float64Array> {
  private buf: T;
  length = 0;

  constructor(private readonly ctor: TypedCtor<T>, capacity = 1024) {
    this.buf = new ctor(capacity);
  }

  push(v: number): void {
    if (this.length === this.buf.length) {
      const next = new this.ctor(this.buf.length * 2);
      next.set(this.buf);
      this.buf = next;
    }
    this.buf[this.length++] = v;
  }

  /** Drops values past `length` (used to undo a partly parsed line). */
  truncate(length: number): void {
    this.length = Math.min(this.length, length);
  }

  /** A trimmed copy. */
  build(): T {
    return this.buf.slice(0, this.length) as T;
  }
}
