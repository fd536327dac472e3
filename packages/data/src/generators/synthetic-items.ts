import type { ItemInfo } from '../interactions.js';
import type { Rng } from '../rng.js';

/** Genre names of the synthetic catalogues. */
export const SYNTHETIC_GENRES: readonly string[] = ['Action', 'Comedy', 'Drama', 'Romance', 'Thriller', 'Sci-Fi', 'Documentary', 'Animation'];

/**
 * Item metadata for a synthetic catalogue with ids `1..numItems`: a title "Synthetic movie 17
 * (1994)", a release year (skewed to the 1990s), and one or two genres tied to the item's planted
 * factors (its largest |factor| picks the first genre, the second largest adds one when close), so
 * genres carry real signal as side features.
 * @internal
 *
 * @param factors `[numItems * rank]` planted item factors, row-major.
 */
export function syntheticItems(rng: Rng, numItems: number, factors: Float32Array, rank: number): Map<number, ItemInfo> {
  const items = new Map<number, ItemInfo>();
  const G = SYNTHETIC_GENRES.length;
  for (let i = 0; i < numItems; i++) {
    const year = Math.max(1922, 1998 - Math.floor(-Math.log(1 - rng.next()) * 8));
    let k1 = 0;
    let k2 = -1;
    for (let k = 1; k < rank; k++) {
      const a = Math.abs(factors[i * rank + k] as number);
      if (a > Math.abs(factors[i * rank + k1] as number)) {
        k2 = k1;
        k1 = k;
      } else if (k2 < 0 || a > Math.abs(factors[i * rank + k2] as number)) k2 = k;
    }
    const genres = [SYNTHETIC_GENRES[k1 % G] as string];
    const a1 = Math.abs(factors[i * rank + k1] as number);
    if (k2 >= 0 && k2 % G !== k1 % G && Math.abs(factors[i * rank + k2] as number) > 0.7 * a1) {
      genres.push(SYNTHETIC_GENRES[k2 % G] as string);
    }
    items.set(i + 1, { id: i + 1, title: `Synthetic movie ${i + 1} (${year})`, genres, year });
  }
  return items;
}
