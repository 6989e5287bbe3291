import { defineConfig } from '@playwright/test';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const BASE_ARGS = ['--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];
const PORT = Number(process.env.E2E_PORT ?? 4173);

/**
 * E2E in Debian's Chromium (never `npx playwright install`). WebGPU is SwiftShader (software) here: slow,
 * so the suite uses the tiny random-weight fixture (?model=fixture-tiny) and generous timeouts.
 */
export default defineConfig({
  testDir: 'e2e',
  outputDir: 'test-results',
  forbidOnly: !!process.env.CI,
  retries: process.env.CI ? 1 : 0,
  workers: 1,
  fullyParallel: false,
  // Software WebGPU on 2 shared cores: one model load + warm-up can take a minute or more.
  timeout: 600_000,
  expect: { timeout: 120_000 },
  reporter: process.env.CI ? [['list'], ['html', { open: 'never' }]] : [['list']],
  use: {
    baseURL: `http://localhost:${PORT}`,
    trace: 'on-first-retry',
    viewport: { width: 1440, height: 1000 },
  },
  projects: [
    {
      name: 'webgpu',
      // reliability.spec.ts: bad inputs, user models, concurrency, memory (issue 6); precise heap sizes for the memory bound
      testMatch: /(webgpu|reliability|gpu-session|memory)\.spec\.ts/,
      use: {
        launchOptions: {
          executablePath: CHROMIUM,
          args: ['--enable-unsafe-webgpu', '--enable-precise-memory-info', '--js-flags=--expose-gc', ...BASE_ARGS],
        },
      },
    },
    {
      name: 'wasm-fallback',
      // lvvit.spec.ts: the LV-ViT-shaped fixture (its conv stem is slow on software WebGPU)
      // methods/evaluate.spec.ts: the demo model's baselines and its shipped labelled subset vs python-curve.json
      testMatch: /(fallback|demo-gallery|security|lvvit|threads|methods|evaluate)\.spec\.ts/,
      use: { launchOptions: { executablePath: CHROMIUM, args: BASE_ARGS } },
    },
    // Opt-in screenshots with the trained demo model: E2E_DEMO=1 npx playwright test --project=demo
    ...(process.env.E2E_DEMO
      ? [{ name: 'demo', testMatch: /demo\.spec\.ts/, use: { launchOptions: { executablePath: CHROMIUM, args: BASE_ARGS } } }]
      : []),
  ],
  webServer: {
    command: `npm run build && npm run preview -- --port ${PORT} --strictPort`,
    url: `http://localhost:${PORT}/`,
    reuseExistingServer: !process.env.CI,
    timeout: 240_000,
    stdout: 'ignore',
    stderr: 'pipe',
  },
});
