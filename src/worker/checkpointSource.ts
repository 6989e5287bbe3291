/// <reference lib="webworker" />
/**
 * A model pair made from official PyTorch checkpoints (the files a user drops): each file is read with
 * progress and parsed (src/engine/checkpoint, never executing anything), the pair is matched strictly to
 * a weightless template (public/templates/, models/export_template.py), and the sessions read the
 * checkpoint's tensors as the template's external data. The checkpoint bytes are held only until the
 * sessions exist; a reload (device loss) reads the files again.
 */
import { CheckpointError } from '../engine/checkpoint/errors.ts';
import { externalDataFiles, type ExternalDataFile } from '../engine/checkpoint/externalData.ts';
import { importedCards } from '../engine/checkpoint/importedCards.ts';
import { planPair, type DroppedCheckpoint, type PairPlan } from '../engine/checkpoint/pairPlan.ts';
import { readCheckpoint } from '../engine/checkpoint/readCheckpoint.ts';
import { parseTemplateCard, parseTemplateIndex, templatePair, type TemplateCard } from '../engine/checkpoint/templateCard.ts';
import { fetchModelBytes } from '../engine/fetchModel.ts';
import type { ModelCard } from '../engine/modelCard.ts';
import type { ModelSource } from './modelSources.ts';
import type { FromWorker } from './protocol.ts';
import { errText } from './sessions.ts';

export class LoadCancelledError extends Error {
  constructor() {
    super('loading the checkpoints was cancelled');
    this.name = 'LoadCancelledError';
  }
}

export interface CheckpointLoadHooks {
  id: number;
  post: (msg: FromWorker) => void;
  cancelled: () => boolean;
}

interface Prepared {
  plan: PairPlan;
  folder: string;
  templates: { dynamicvit: TemplateCard; deit: TemplateCard };
  cards: { dynamicvit: ModelCard; deit: ModelCard };
}

const PROGRESS_STEP = 1 / 50;

async function fetchJson(url: string): Promise<unknown> {
  const r = await fetch(url);
  if (!r.ok) throw new Error(`GET ${url}: HTTP ${r.status}`);
  return r.json();
}

/** All of a file's bytes in one buffer of its size, with progress; stops at a cancel. */
async function readFile(file: File, hooks: CheckpointLoadHooks): Promise<Uint8Array> {
  const out = new Uint8Array(file.size);
  const reader = file.stream().getReader();
  let at = 0;
  let reported = 0;
  const report = (done: boolean) =>
    hooks.post({ status: 'progress', id: hooks.id, file: file.name, loaded: at, total: file.size, fromCache: false, done });
  report(false);
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    if (hooks.cancelled()) {
      await reader.cancel();
      throw new LoadCancelledError();
    }
    if (at + value.length > out.length) throw new CheckpointError(`${file.name} changed while it was read`);
    out.set(value, at);
    at += value.length;
    if (at - reported >= file.size * PROGRESS_STEP) {
      reported = at;
      report(false);
    }
  }
  if (at !== file.size) throw new CheckpointError(`${file.name}: read ${at} of ${file.size} bytes`);
  report(true);
  return out;
}

async function loadTemplates(templatesUrl: string) {
  const index = parseTemplateIndex(await fetchJson(new URL('index.json', templatesUrl).href));
  return Promise.all(
    index.templates.map(async (t) => {
      const base = new URL(`${t.path}/`, templatesUrl).href;
      const [dvit, deit] = await Promise.all([fetchJson(`${base}dynamicvit.json`), fetchJson(`${base}deit.json`)]);
      const cards = {
        dynamicvit: parseTemplateCard(dvit, 'dynamicvit', `${t.path}/dynamicvit.json`),
        deit: parseTemplateCard(deit, 'deit', `${t.path}/deit.json`),
      };
      return { folder: t.path, cards, infos: templatePair(t.path, cards) };
    }),
  );
}

/**
 * The ModelSource of a checkpoint import (see load.ts). `rho` is the DynamicViT's trained keep ratio as the
 * user gave it. Cancel points: while reading, before parsing each file, and when the sessions exist.
 */
export function checkpointSource(files: File[], rho: number, templatesUrl: string, hooks: CheckpointLoadHooks): ModelSource {
  let prepared: Promise<Prepared> | null = null;
  let current: Prepared | null = null;
  const checkCancel = () => {
    if (hooks.cancelled()) throw new LoadCancelledError();
  };

  async function prepare(): Promise<Prepared> {
    if (files.length === 0) throw new CheckpointError('no checkpoint files were given');
    const empty = files.find((f) => f.size === 0);
    if (empty) throw new CheckpointError(`${empty.name}: the file is empty (0 bytes)`);
    hooks.post({ status: 'phase', id: hooks.id, phase: 'reading' });
    const bytes: Uint8Array[] = [];
    for (const f of files) bytes.push(await readFile(f, hooks)); // one at a time: the page's memory, not the disk, is the limit
    const dropped: DroppedCheckpoint[] = [];
    for (const [i, f] of files.entries()) {
      checkCancel();
      hooks.post({ status: 'phase', id: hooks.id, phase: 'parsing', fraction: i / files.length, detail: f.name });
      try {
        dropped.push({ fileName: f.name, tensors: readCheckpoint(bytes[i]).tensors });
      } catch (e) {
        throw e instanceof CheckpointError ? new CheckpointError(`${f.name}: ${e.message}`) : e;
      }
    }
    hooks.post({ status: 'phase', id: hooks.id, phase: 'parsing', fraction: 1 });
    const templates = await loadTemplates(templatesUrl);
    const plan = planPair(
      dropped,
      templates.flatMap((t) => t.infos),
    );
    const chosen = templates.find((t) => t.infos.some((i) => i.id === plan.dynamicvit.template.id));
    if (!chosen) throw new CheckpointError(`no template folder for ${plan.dynamicvit.template.title}`);
    const cards = importedCards(plan, chosen.cards, rho);
    return { plan, folder: chosen.folder, templates: chosen.cards, cards };
  }

  const get = async (): Promise<Prepared> => {
    prepared ??= prepare();
    current = await prepared;
    return current;
  };

  return {
    dvitCard: async () => (await get()).cards.dynamicvit,
    twinCard: async () => (await get()).cards.deit,
    async bytes(card, onProgress) {
      const p = await get();
      const template = card.family === 'dynamicvit' ? p.templates.dynamicvit : p.templates.deit;
      const url = new URL(`${p.folder}/${template.onnx.file}`, templatesUrl).href;
      return fetchModelBytes(url, template.onnx, (progress) => onProgress(`${p.folder}/${template.onnx.file}`, progress)).catch(
        (e: unknown) => {
          throw new Error(`the ${p.folder} template could not be read (${errText(e)})`);
        },
      );
    },
    externalData(card): ExternalDataFile[] {
      checkCancel();
      if (!current) throw new Error('the checkpoints were not read yet');
      const side = card.family === 'dynamicvit' ? current.plan.dynamicvit : current.plan.deit;
      return externalDataFiles(
        side.file.tensors,
        side.template.stateDict.map((e) => e.name),
      );
    },
    sessionsCreated() {
      prepared = null; // the sessions hold their own copies: drop the checkpoint bytes
      current = null;
      checkCancel();
    },
  };
}
