import type { Command } from '../command.js';
import { benchCommand } from './bench.js';
import { demoCommand } from './demo.js';
import { encodeCommand } from './encode.js';
import { evalCommand } from './eval.js';
import { generateCommand } from './generate.js';
import { infoCommand } from './info.js';
import { predictCommand } from './predict.js';
import { recommendCommand } from './recommend.js';
import { similarCommand } from './similar.js';
import { splitCommand } from './split.js';
import { trainCommand } from './train.js';

/** Every `fm` subcommand, in help order. */
export const commands: readonly Command[] = [
  demoCommand,
  generateCommand,
  encodeCommand,
  splitCommand,
  trainCommand,
  evalCommand,
  predictCommand,
  recommendCommand,
  similarCommand,
  infoCommand,
  benchCommand,
] as unknown as readonly Command[];
