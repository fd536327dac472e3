import { fileURLToPath } from 'node:url';
import { defineConfig, type Plugin } from 'vite';

const root = fileURLToPath(new URL('../../', import.meta.url));
const pkgs = ['data', 'layers', 'train', 'eval'];

/** Fails the build when page code imports a Node-only entry point ('@fm/<pkg>/node'). */
const noNodeEntryPoints: Plugin = {
  name: 'fm-no-node-entry-points',
  enforce: 'pre',
  resolveId(id, importer) {
    if (/^@fm\/[^/]+\/node$/.test(id)) {
      this.error(`${id} is Node-only and cannot be used in the browser (imported by ${importer ?? '?'}); import the platform-neutral '@fm/<pkg>' instead`);
    }
    return null;
  },
};

// The @fm libraries are aliased to their TypeScript sources so `vite` and `vite build` need no prior
// package build. Only their platform-neutral entry points may be imported (see the plugin above).
export default defineConfig({
  plugins: [noNodeEntryPoints],
  base: './',
  resolve: {
    alias: pkgs.map((p) => ({ find: new RegExp(`^@fm/${p}$`), replacement: `${root}packages/${p}/src/index.ts` })),
  },
  worker: { format: 'es' },
  build: {
    target: 'es2022',
    chunkSizeWarningLimit: 6000,
    rollupOptions: {
      // Node-only code reached through dynamic imports inside @fm/train (tfjs-node bindings, the
      // file:// checkpoint store) never runs in the page; leave those imports unresolved.
      external: [/^node:/, '@tensorflow/tfjs-node', '@tensorflow/tfjs-node-gpu'],
    },
  },
});
