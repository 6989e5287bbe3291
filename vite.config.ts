import { fileURLToPath } from 'node:url';
import { defineConfig, type Plugin } from 'vite';
import react from '@vitejs/plugin-react';

/**
 * Content-Security-Policy: no request may leave the page's origin.
 * WebAssembly needs 'wasm-unsafe-eval'. The dev server injects an inline React-refresh preamble and
 * <style> tags, so in dev the policy also allows one nonce (html.cspNonce); the build needs none.
 */
const DEV_NONCE = 'dvit-dev-nonce';

function csp(dev: boolean): string {
  const nonce = dev ? ` 'nonce-${DEV_NONCE}'` : '';
  return [
    "default-src 'none'",
    `script-src 'self' 'wasm-unsafe-eval'${nonce}`,
    "worker-src 'self'",
    "connect-src 'self'",
    `style-src 'self'${nonce}`,
    "img-src 'self' blob: data:",
    "font-src 'self'",
    "manifest-src 'self'",
    "base-uri 'none'",
    "form-action 'none'",
    "object-src 'none'",
  ].join('; ');
}

function cspPlugin(dev: boolean): Plugin {
  return {
    name: 'dynamicvit-csp',
    transformIndexHtml: {
      order: 'pre',
      handler: (html) => html.replace('<!--CSP-->', `<meta http-equiv="Content-Security-Policy" content="${csp(dev)}" />`),
    },
  };
}

/**
 * Cross-origin isolation: with these two headers on every response (page, worker scripts, wasm, models) the
 * browser gives the page SharedArrayBuffer, which ONNX Runtime's multi-threaded WebAssembly needs
 * (src/worker/threads.ts). Everything the page loads is same-origin, so require-corp blocks nothing of ours.
 */
export const ISOLATION_HEADERS = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
} as const;

const headers = (dev: boolean): Record<string, string> => ({
  ...ISOLATION_HEADERS,
  'Content-Security-Policy': csp(dev),
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
});

export default defineConfig(({ command, isPreview }) => {
  const dev = command === 'serve' && !isPreview;
  return {
    // A multi-page app: a missing file is a 404, not index.html (fetches of optional JSON fail cleanly).
    appType: 'mpa',
    plugins: [react(), cspPlugin(dev)],
    resolve: {
      alias: {
        'ort-dist': fileURLToPath(new URL('./node_modules/onnxruntime-web/dist', import.meta.url)),
      },
    },
    html: dev ? { cspNonce: DEV_NONCE } : {},
    optimizeDeps: { exclude: ['onnxruntime-web'] },
    worker: { format: 'es' },
    build: { target: 'es2022', chunkSizeWarningLimit: 1024, assetsInlineLimit: 0 },
    server: { headers: headers(true) },
    preview: { headers: headers(false) },
  };
});
