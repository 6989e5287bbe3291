// The app's rules (src/engine, TypeScript) for the Node side of the benchmark, loaded through Vite's module
// runner: keep counts and FLOPs come from the one implementation the page uses, never a copy.
import { fileURLToPath } from 'node:url';
import { runnerImport } from 'vite';

/** The cross-origin isolation headers the app is served with (vite.config.ts): the harness and the app check get them too. */
export async function isolationHeaders() {
  const { module } = await runnerImport(fileURLToPath(new URL('../vite.config.ts', import.meta.url)), {
    configFile: false,
    logLevel: 'silent',
  });
  return { ...module.ISOLATION_HEADERS };
}

const src = (p) => fileURLToPath(new URL(`../src/engine/${p}`, import.meta.url));

export async function engineRules() {
  const opts = { configFile: false, logLevel: 'silent' };
  const { module: kc } = await runnerImport(src('keepCounts.ts'), opts);
  const { module: fl } = await runnerImport(src('flops.ts'), opts);
  /** keep counts, GFLOPs and FLOP ratio of a card pair at keep ratio rho */
  return (dvitCard, deitCard, rho) => {
    const keepCounts = kc.keepCounts(rho, dvitCard.architecture);
    const gflops = fl.vitFlops(dvitCard, keepCounts).total;
    const deitGflops = fl.vitFlops(deitCard, []).total;
    return { keepCounts, gflops, deitGflops, flopRatio: gflops / deitGflops };
  };
}
