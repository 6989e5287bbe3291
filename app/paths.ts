/** Same-origin URLs of the bundled models and samples, and the page's query options. */
import type { ModelIndex, ModelIndexEntry } from '../src/engine/modelCard.ts';

const BASE = new URL(import.meta.env.BASE_URL, window.location.href);
export const INDEX_URL = new URL('models/index.json', BASE).href;
export const SAMPLES_URL = new URL('samples/samples.json', BASE).href;
export const sampleUrl = (file: string): string => new URL(`samples/${file}`, BASE).href;

/** Folder URL of a model entry; paths are relative to index.json (a leading "public/" is tolerated). */
export function modelBaseUrl(entry: Pick<ModelIndexEntry, 'path' | 'id'>): string {
  let p = entry.path.replace(/^\.?\/?public\//, '');
  if (!p.endsWith('/')) p += '/';
  if (p.startsWith('/')) return new URL(p, BASE).href;
  if (p.startsWith('models/')) return new URL(p, BASE).href;
  return new URL(p, INDEX_URL).href;
}

export interface QueryOptions {
  model: string | null;
  backend: 'auto' | 'webgpu' | 'wasm';
}

export function readQuery(): QueryOptions {
  const q = new URLSearchParams(window.location.search);
  const b = q.get('backend');
  return { model: q.get('model'), backend: b === 'wasm' || b === 'webgpu' ? b : 'auto' };
}

/** Index entry for an id; an id missing from index.json still resolves to models/<id>/. */
export function resolveModel(index: ModelIndex | null, id: string): ModelIndexEntry {
  return index?.models.find((m) => m.id === id) ?? { id, title: id, path: `${id}/`, kind: 'unknown' };
}
