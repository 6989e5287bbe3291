/**
 * Model bytes: Cache Storage first (keyed by URL + sha256 from the card), else a streamed fetch with
 * progress, verified against the card's sha256 and byte count, then cached.
 */

export interface FetchProgress {
  loaded: number;
  total: number;
  fromCache: boolean;
  done: boolean;
}

const CACHE_NAME = 'dynamicvit-models-v1';

async function sha256Hex(bytes: ArrayBuffer): Promise<string> {
  const d = await crypto.subtle.digest('SHA-256', bytes);
  return [...new Uint8Array(d)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

function cacheKey(url: string, sha256: string, bytes: number): string {
  const u = new URL(url, self.location.href);
  u.searchParams.set('sha256', sha256 || `unknown-${bytes}`);
  return u.href;
}

async function openCache(): Promise<Cache | null> {
  try {
    return typeof caches === 'undefined' ? null : await caches.open(CACHE_NAME);
  } catch {
    return null; // e.g. opaque origins or storage disabled
  }
}

export async function fetchModelBytes(
  url: string,
  expect: { sha256: string; bytes: number },
  onProgress: (p: FetchProgress) => void,
): Promise<ArrayBuffer> {
  const cache = await openCache();
  const key = cacheKey(url, expect.sha256, expect.bytes);
  const hit = await cache?.match(key);
  if (hit) {
    const buf = await hit.arrayBuffer();
    onProgress({ loaded: buf.byteLength, total: buf.byteLength, fromCache: true, done: true });
    return buf;
  }

  const res = await fetch(url);
  if (!res.ok || !res.body) throw new Error(`GET ${url}: HTTP ${res.status}`);
  const total = Number(res.headers.get('content-length')) || expect.bytes || 0;
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let loaded = 0;
  let lastReport = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    loaded += value.byteLength;
    const now = performance.now();
    if (now - lastReport > 50) {
      onProgress({ loaded, total, fromCache: false, done: false });
      lastReport = now;
    }
  }
  const out = new Uint8Array(loaded);
  let off = 0;
  for (const c of chunks) {
    out.set(c, off);
    off += c.byteLength;
  }
  if (expect.bytes && loaded !== expect.bytes) throw new Error(`${url}: ${loaded} bytes, the card says ${expect.bytes}`);
  if (expect.sha256) {
    const got = await sha256Hex(out.buffer);
    if (got !== expect.sha256.toLowerCase())
      throw new Error(`${url}: sha256 ${got.slice(0, 12)}… does not match the card's ${expect.sha256.slice(0, 12)}…`);
    await cache
      ?.put(key, new Response(out.slice().buffer, { headers: { 'content-type': 'application/octet-stream' } }))
      .catch(() => undefined);
  }
  onProgress({ loaded, total: loaded, fromCache: false, done: true });
  return out.buffer;
}
