import { join } from 'node:path';
import type { CheckpointData, CheckpointStore, TrainerStateJSON } from './checkpoint.js';
import { readBytes, readModelDir, readWeightRange, toPath, writeModelDir } from './file-io.js';

/**
 * Checkpoints in a directory: a model directory (see `writeModelDir`) whose extra files are
 * trainer.json (epoch, history, early-stopping state) and trainer.bin (optimizer state, best
 * weights); each save replaces the whole checkpoint as one unit, so a run killed while saving leaves
 * the previous checkpoint complete. Version 1 checkpoints (trainer files beside the model) still load.
 */
export function fileCheckpointStore(urlOrPath: string): CheckpointStore {
  const dir = toPath(urlOrPath);
  return {
    location: dir,
    async save(data) {
      await writeModelDir(dir, data.artifacts, { 'trainer.json': JSON.stringify(data.trainer), 'trainer.bin': data.trainerData });
    },
    async saveStreamed(data) {
      await writeModelDir(dir, data.artifacts, { 'trainer.json': JSON.stringify(data.trainer), 'trainer.bin': data.trainerParts }, data.weights);
    },
    async load() {
      const { weightFiles: _files, ...ck } = await load(true);
      return ck;
    },
    async loadStreamed() {
      const { weightFiles, ...ck } = await load(false);
      return { ...ck, read: (offset: number, out: Uint8Array) => readWeightRange(weightFiles, offset, out) };
    },
  };
  /** The checkpoint, with its weight data read (`weights`) or only its weight files measured. */
  async function load(weights: boolean): Promise<CheckpointData & { weightFiles: { path: string; bytes: number }[] }> {
    const { artifacts, files, weightFiles } = await readModelDir(dir, { weights });
    let trainer: TrainerStateJSON;
    let trainerData: Uint8Array;
    try {
      // version 1 kept them beside the model; trainer.bin may be over 2 GiB (readFile's limit)
      const json = files['trainer.json'] ?? (await readBytes(join(dir, 'trainer.json'), 'trainer.json'));
      trainer = JSON.parse(new TextDecoder().decode(json)) as TrainerStateJSON;
      trainerData = files['trainer.bin'] ?? (await readBytes(join(dir, 'trainer.bin'), 'trainer.bin'));
    } catch (e) {
      throw new Error(`${dir}: not a trainer checkpoint (${(e as Error).message})`);
    }
    return { artifacts, trainer, trainerData, weightFiles };
  }
}
