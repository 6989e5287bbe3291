// Build of the benchmark harness page (bench/harness) into bench/work/harness-dist. Same ORT wiring as the
// app's vite.config.ts (ort-dist alias, module worker, no asset inlining).
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const here = (p) => fileURLToPath(new URL(p, import.meta.url));

export default defineConfig({
  root: here('./harness'),
  base: './',
  publicDir: false,
  logLevel: 'warn',
  resolve: { alias: { 'ort-dist': here('../node_modules/onnxruntime-web/dist') } },
  optimizeDeps: { exclude: ['onnxruntime-web'] },
  worker: { format: 'es' },
  build: {
    outDir: here('./work/harness-dist'),
    emptyOutDir: true,
    target: 'es2022',
    chunkSizeWarningLimit: 4096,
    assetsInlineLimit: 0,
    reportCompressedSize: false,
  },
});
