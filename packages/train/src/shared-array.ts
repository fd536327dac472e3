type Typed = Float32Array | Float64Array | Int32Array | Uint8Array;

/** `a` itself when it lives on a SharedArrayBuffer, else a copy on one (for worker threads to read and write). */
export function shareOf<T extends Typed>(a: T): T {
  if (a.buffer instanceof SharedArrayBuffer) return a;
  const Ctor = a.constructor as new (b: SharedArrayBuffer) => T;
  const s = new Ctor(new SharedArrayBuffer(a.byteLength));
  s.set(a as never);
  return s;
}
