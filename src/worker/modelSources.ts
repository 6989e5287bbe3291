/// <reference lib="webworker" />
/**
 * Where a model pair comes from: the app's own folder (URL) or files the user picked. Both give the two cards
 * (validated field by field) and the graph bytes they name.
 */
import { fetchModelBytes } from '../engine/fetchModel.ts';
import { parseCard, type ModelCard } from '../engine/modelCard.ts';
import type { ProgressMessage } from './protocol.ts';
import { errText } from './sessions.ts';

declare const self: DedicatedWorkerGlobalScope;

export type DownloadProgress = Omit<ProgressMessage, 'status' | 'id' | 'file'>;

export interface ModelSource {
  dvitCard(): Promise<unknown>;
  /** a card the DynamicViT card names: its full twin or one of its baselines */
  twinCard(name: string, role: 'twin' | 'baseline'): Promise<unknown>;
  bytes(card: ModelCard, onProgress: (file: string, p: DownloadProgress) => void): Promise<ArrayBuffer>;
  /** a graph's external initializers (checkpoint imports: the checkpoint's tensors) */
  externalData?(card: ModelCard): { path: string; data: Uint8Array }[];
  /** both sessions exist: the source may drop what it held for them (and refuse a cancelled load) */
  sessionsCreated?(): void;
}

async function fetchJson(url: string): Promise<unknown> {
  const r = await fetch(url);
  if (!r.ok) throw new Error(`GET ${url}: HTTP ${r.status}`);
  return r.json();
}

export function urlSource(baseUrl: string): ModelSource {
  const base = new URL(baseUrl, self.location.href).href;
  return {
    dvitCard: () =>
      fetchJson(new URL('dynamicvit.json', base).href).catch((e: unknown) => {
        throw new Error(
          `no model card at ${base}dynamicvit.json (${errText(e)}); models live in public/models/<id>/ and are listed in public/models/index.json`,
        );
      }),
    twinCard: (name) => fetchJson(new URL(name, base).href),
    bytes: (card, onProgress) => fetchModelBytes(new URL(card.onnx.file, base).href, card.onnx, (p) => onProgress(card.onnx.file, p)),
  };
}

/** A user's files (picker or drop): two cards (.json) and the two .onnx files they name. */
export function fileSource(files: File[]): ModelSource {
  const byName = new Map(files.map((f) => [f.name, f]));
  const names = files.map((f) => f.name).join(', ') || 'none';
  const parse = async (f: File) => {
    try {
      return JSON.parse(await f.text()) as unknown;
    } catch (e) {
      throw new Error(`"${f.name}" is not valid JSON (${errText(e)})`, { cause: e });
    }
  };
  return {
    async dvitCard() {
      const cards = files.filter((f) => /\.json$/i.test(f.name));
      if (!cards.length)
        throw new Error(`no model card among the chosen files (${names}): choose dynamicvit.json, deit.json and their .onnx files`);
      for (const f of cards) {
        const j = await parse(f);
        if ((j as { family?: unknown } | null)?.family === 'dynamicvit') return j;
      }
      if (cards.length === 1) return parse(cards[0]); // validated as a DynamicViT card: names what is wrong
      throw new Error(`none of the chosen cards (${cards.map((f) => f.name).join(', ')}) has "family": "dynamicvit"`);
    },
    async twinCard(name, role) {
      const f = byName.get(name);
      if (!f) throw new Error(`the DynamicViT card names its ${role} "${name}", which is not among the chosen files (${names})`);
      return parse(f);
    },
    async bytes(card) {
      const f = byName.get(card.onnx.file);
      if (!f) throw new Error(`card "${card.name}" names the graph "${card.onnx.file}", which is not among the chosen files (${names})`);
      if (f.size === 0) throw new Error(`"${f.name}" is empty (0 bytes)`);
      return f.arrayBuffer();
    },
  };
}

/** Both cards of a source, validated field by field (src/engine/modelCard.ts): the DynamicViT card and the DeiT twin it names. */
export async function readCards(src: ModelSource): Promise<{ dvitCard: ModelCard; deitCard: ModelCard }> {
  const dvitCard = parseCard(await src.dvitCard(), 'dynamicvit', 'DynamicViT');
  const twin = dvitCard.twin ?? 'deit.json';
  const deitCard = parseCard(await src.twinCard(twin, 'twin'), 'deit', `DeiT (${twin})`);
  return { dvitCard, deitCard };
}
