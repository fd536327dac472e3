/**
 * Checks the option names a caller passes (for JavaScript callers and spread objects, which TypeScript does not
 * check): a name the options lack is an error naming it, the closest option and the options there are, never
 * silently ignored; and an option given to an owner that does not read it (another model kind's, another
 * optimizer's). Shared by `createModel` and `@fm/train`'s `fit` (subpath `@fm/layers/option-names`).
 * @internal
 */

/** Edit distance of two short strings, case-insensitive. */
function distance(a: string, b: string): number {
  const x = a.toLowerCase();
  const y = b.toLowerCase();
  let prev = Array.from({ length: y.length + 1 }, (_, j) => j);
  for (let i = 1; i <= x.length; i++) {
    const row = [i];
    for (let j = 1; j <= y.length; j++) row[j] = Math.min((prev[j] as number) + 1, (row[j - 1] as number) + 1, (prev[j - 1] as number) + (x[i - 1] === y[j - 1] ? 0 : 1));
    prev = row;
  }
  return prev[y.length] as number;
}

/**
 * Throws on the first key of `given` that `known` lacks: `${where}: unknown option "key" (did you mean X?); the
 * options are …`. X is `elsewhere[key]` when given (an option that belongs in another object), else the closest
 * known name within a quarter of the key's length in edits.
 */
export function checkOptionNames(where: string, given: object, known: readonly string[], elsewhere: Readonly<Record<string, string>> = {}): void {
  for (const key of Object.keys(given)) {
    if (known.includes(key)) continue;
    const near = known.filter((n) => distance(n, key) <= Math.max(1, Math.floor(key.length / 4))).sort((a, b) => distance(a, key) - distance(b, key))[0];
    const hint = elsewhere[key] ?? near;
    throw new Error(`${where}: unknown option "${key}"${hint ? ` (did you mean ${hint}?)` : ''}; the options are ${known.join(', ')}`);
  }
}

/**
 * The first key of `given` with a defined value that is not among `own`, and the entries of `readers` (model kinds,
 * optimizers) that read it; undefined when every given option is the owner's. The caller words the error.
 */
export function foreignOption<K extends string>(given: object, own: readonly string[], readers: Readonly<Record<K, readonly string[]>>): { key: string; readers: K[] } | undefined {
  for (const [key, value] of Object.entries(given)) {
    if (value === undefined || own.includes(key)) continue;
    return { key, readers: (Object.keys(readers) as K[]).filter((r) => readers[r].includes(key)) };
  }
  return undefined;
}
