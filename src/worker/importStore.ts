/// <reference lib="webworker" />
/**
 * Imported checkpoint pairs kept in the Origin Private File System, so that they are in the Model menu
 * after a reload: imported-checkpoints/<id>/meta.json plus the dropped files as they were. Files are
 * streamed to disk (never held twice in memory); a failed save (quota) removes what it wrote.
 */
import type { ImportedPair } from './protocol.ts';

declare const self: DedicatedWorkerGlobalScope;

const ROOT = 'imported-checkpoints';
const META = 'meta.json';

async function root(): Promise<FileSystemDirectoryHandle> {
  if (!self.navigator.storage?.getDirectory) throw new Error('this browser has no Origin Private File System');
  return (await self.navigator.storage.getDirectory()).getDirectoryHandle(ROOT, { create: true });
}

function describeSaveError(e: unknown, bytes: number): string {
  const mb = (n: number) => `${(n / 2 ** 20).toFixed(0)} MB`;
  if (e instanceof DOMException && e.name === 'QuotaExceededError') return `the browser's storage quota is full (${mb(bytes)} needed)`;
  return e instanceof Error ? e.message : String(e);
}

/** Saves the files of a pair that loaded; throws a message for the page (the loaded model is unaffected). */
export async function saveImport(files: File[], meta: Omit<ImportedPair, 'id' | 'savedAt' | 'bytes' | 'files'>): Promise<ImportedPair> {
  const bytes = files.reduce((n, f) => n + f.size, 0);
  const estimate = await self.navigator.storage.estimate().catch(() => null);
  if (estimate?.quota !== undefined && estimate.usage !== undefined && estimate.quota - estimate.usage < bytes) {
    throw new Error(describeSaveError(new DOMException('quota', 'QuotaExceededError'), bytes));
  }
  const dir = await root();
  const id = `${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
  const entry: ImportedPair = { ...meta, id, savedAt: new Date().toISOString(), bytes, files: files.map((f) => f.name) };
  try {
    const folder = await dir.getDirectoryHandle(id, { create: true });
    for (const f of files) {
      const writable = await (await folder.getFileHandle(f.name, { create: true })).createWritable();
      await f.stream().pipeTo(writable); // closes the writable when done, aborts it on error
    }
    const metaWritable = await (await folder.getFileHandle(META, { create: true })).createWritable();
    await metaWritable.write(JSON.stringify(entry));
    await metaWritable.close();
    return entry;
  } catch (e) {
    await dir.removeEntry(id, { recursive: true }).catch(() => undefined);
    throw new Error(describeSaveError(e, bytes), { cause: e });
  }
}

export async function listImports(): Promise<ImportedPair[]> {
  const dir = await root();
  const out: ImportedPair[] = [];
  // entries() is in lib "DOM.AsyncIterable", which the app's tsconfig does not load
  const entries = (dir as unknown as { entries(): AsyncIterable<[string, FileSystemHandle]> }).entries();
  for await (const [name, handle] of entries) {
    if (handle.kind !== 'directory') continue;
    try {
      const meta = JSON.parse(
        await (await (await (handle as FileSystemDirectoryHandle).getFileHandle(META)).getFile()).text(),
      ) as ImportedPair;
      if (meta.id === name) out.push(meta);
    } catch {
      // a save that never finished: no meta.json; removed on the next save of the same id, never listed
    }
  }
  return out.sort((a, b) => a.savedAt.localeCompare(b.savedAt));
}

/** The stored files of a pair (File objects backed by disk, read later like dropped files). */
export async function importFiles(id: string): Promise<{ meta: ImportedPair; files: File[] }> {
  const folder = await (await root()).getDirectoryHandle(id).catch(() => {
    throw new Error(`the imported pair ${id} is no longer stored in this browser`);
  });
  const meta = JSON.parse(await (await (await folder.getFileHandle(META)).getFile()).text()) as ImportedPair;
  const files = await Promise.all(meta.files.map(async (name) => (await folder.getFileHandle(name)).getFile()));
  return { meta, files };
}

export async function removeImport(id: string): Promise<void> {
  await (await root()).removeEntry(id, { recursive: true });
}
