import { parseCard, type ModelCard } from '../modelCard.ts';
import type { TemplateInfo } from './pairPlan.ts';
import type { StateDictEntry } from './stateDictSpec.ts';

/** public/templates/index.json, written by models/export_template.py. */
export interface TemplateIndex {
  templates: { arch: string; title: string; path: string }[];
}

/** A weightless template's card: a schema-2 model card plus the state dict its external data comes from. */
export type TemplateCard = ModelCard & { template: { schema: number; state_dict: StateDictEntry[] } };

export const TEMPLATE_SCHEMA = 1;

export function parseTemplateIndex(json: unknown): TemplateIndex {
  const list = (json as Partial<TemplateIndex> | null)?.templates;
  const ok = Array.isArray(list) && list.every((t) => typeof t?.arch === 'string' && typeof t.path === 'string' && /^[\w-]+$/.test(t.path));
  if (!ok || list.length === 0) throw new Error('templates/index.json: expected {"templates": [{arch, title, path}, ...]}');
  return json as TemplateIndex;
}

/** The card validated as any model card, and its template block entry by entry. */
export function parseTemplateCard(json: unknown, family: 'dynamicvit' | 'deit', what: string): TemplateCard {
  const card = parseCard(json, family, what) as TemplateCard;
  const t = card.template;
  const entries = t?.state_dict;
  const valid =
    t?.schema === TEMPLATE_SCHEMA &&
    Array.isArray(entries) &&
    entries.length > 0 &&
    entries.every(
      (e) =>
        typeof e?.name === 'string' &&
        e.name.length > 0 &&
        (e.dtype === 'float32' || e.dtype === 'int64') &&
        Array.isArray(e.shape) &&
        e.shape.every((d) => Number.isInteger(d) && d >= 0),
    );
  if (!valid)
    throw new Error(`${what}: the card has no valid "template" block (schema ${TEMPLATE_SCHEMA}, state_dict [{name, dtype, shape}])`);
  return card;
}

/** What pair planning needs of the two cards of one arch's folder. */
export function templatePair(folder: string, cards: { dynamicvit: TemplateCard; deit: TemplateCard }): TemplateInfo[] {
  const id = (family: string) => `${folder}/${family}`;
  return (['dynamicvit', 'deit'] as const).map((family) => ({
    id: id(family),
    family,
    title: cards[family].display_name || cards[family].name,
    twin: id(family === 'dynamicvit' ? 'deit' : 'dynamicvit'),
    stateDict: cards[family].template.state_dict,
  }));
}
