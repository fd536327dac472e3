import { defineCommand } from '../command.js';

/** `fm bench`: points at the benchmark package. */
export const benchCommand = defineCommand({
  readOnly: true,
  name: 'bench',
  summary: 'how to run the benchmarks (data loading and training throughput)',
  usage: 'bench',
  options: {},
  async run(_args, ctx) {
    const text = [
      'The benchmarks live in the separate @fm/bench package. From the repository root run:',
      '',
      '  pnpm bench                 # data loading + training throughput vs a plain TypeScript reference',
      '  pnpm bench -- --quick      # tiny sizes, a smoke run',
      '  pnpm bench -- --only data  # or --only train',
      '',
      'They print tables and can write --json FILE. See bench/ for details.',
    ];
    for (const l of text) ctx.print(l);
    return { how: 'pnpm bench' };
  },
});
