// Seeded synthetic data sets and the FM paper's toy table.
export {
  generateRatings,
  expectedRoundedRating,
  type GenerateRatingsOptions,
  type PlantedRatingModel,
  type SyntheticRatings,
} from './ratings.js';
export { generateImplicit, type GenerateImplicitOptions, type PlantedImplicitModel, type SyntheticImplicit } from './implicit.js';
export { generateCtr, type GenerateCtrOptions, type PlantedCtrModel, type SyntheticCtr } from './ctr.js';
export { fmPaperToyTable, type FmPaperToyTable } from './toy.js';
export { SYNTHETIC_GENRES } from './synthetic-items.js';
export { ctrStream, type CtrStream, type CtrStreamOptions, type CtrChunk } from './ctr-stream.js';
export { normalCdf, logNormalCdf } from '../normal-cdf.js';
