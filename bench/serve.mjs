// Minimal static server for the benchmark: one root folder plus /models/<id>/ mapped to bench/work/sets/<id>/.
// Correct MIME types for .mjs/.wasm; no caching; binds 127.0.0.1 on a free port.
import { createServer } from 'node:http';
import { createReadStream, existsSync, statSync } from 'node:fs';
import { extname, join, normalize, resolve } from 'node:path';

const MIME = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript',
  '.mjs': 'text/javascript',
  '.css': 'text/css',
  '.json': 'application/json',
  '.wasm': 'application/wasm',
  '.onnx': 'application/octet-stream',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.webp': 'image/webp',
  '.bin': 'application/octet-stream',
  '.txt': 'text/plain',
};

/** mounts: [[urlPrefix, dir], ...], first match wins (longest prefixes first) */
export function serve(mounts, headers = {}) {
  const sorted = [...mounts].sort((a, b) => b[0].length - a[0].length);
  const server = createServer((req, res) => {
    const url = new URL(req.url, 'http://x');
    let p = decodeURIComponent(url.pathname);
    if (p.endsWith('/')) p += 'index.html';
    for (const [prefix, dir] of sorted) {
      if (!p.startsWith(prefix)) continue;
      const root = resolve(dir);
      const file = normalize(join(root, p.slice(prefix.length)));
      if (!file.startsWith(root)) break;
      if (!existsSync(file) || !statSync(file).isFile()) continue;
      res.writeHead(200, {
        'Content-Type': MIME[extname(file)] ?? 'application/octet-stream',
        'Content-Length': statSync(file).size,
        'Cache-Control': 'no-store',
        ...headers,
      });
      if (req.method === 'HEAD') return res.end();
      return createReadStream(file).pipe(res);
    }
    res.writeHead(404, { 'Content-Type': 'text/plain' });
    res.end('not found');
  });
  return new Promise((ok) => server.listen(0, '127.0.0.1', () => ok({ server, port: server.address().port })));
}
