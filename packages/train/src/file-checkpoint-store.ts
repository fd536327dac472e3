import { join } from 'node:path';
import { readFile } from 'node:fs/promises';
import type { CheckpointStore, TrainerStateJSON } from './checkpoint.js';
import { modelFiles, readModelDir, toPath, writeDirAtomic } from './file-io.js';

/**
 * Checkpoints in a directory: the model files (model.json, weights.bin, fm.json) plus trainer.json
 * (epoch, history, early-stopping state) and trainer.bin (optimizer state, best weights); each save
 * replaces the whole directory atomically.
 */
export function fileCheckpointStore(urlOrPath: string): CheckpointStore {
  const dir = toPath(urlOrPath);
  return {
    location: dir,
    async save(data) {
      await writeDirAtomic(dir, {
        ...modelFiles(data.artifacts),
        'trainer.json': JSON.stringify(data.trainer),
        'trainer.bin': data.trainerData,
      });
    },
    async load() {
      const artifacts = await readModelDir(dir);
      let trainer: TrainerStateJSON;
      let trainerData: Uint8Array;
      try {
        trainer = JSON.parse(await readFile(join(dir, 'trainer.json'), 'utf8')) as TrainerStateJSON;
        trainerData = new Uint8Array(await readFile(join(dir, 'trainer.bin')));
      } catch (e) {
        throw new Error(`${dir}: not a trainer checkpoint (${(e as Error).message})`);
      }
      return { artifacts, trainer, trainerData };
    },
  };
}
