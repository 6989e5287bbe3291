import { vitFlops } from '../flops.ts';
import { keepCounts } from '../keepCounts.ts';
import { parseCard, type ModelCard } from '../modelCard.ts';
import type { PairPlan } from './pairPlan.ts';
import type { TemplateCard } from './templateCard.ts';

const round3 = (x: number) => Math.round(x * 1000) / 1000;

/**
 * The two cards of an imported pair: the templates' cards with the checkpoints' names and the trained keep
 * ratio the user gave (a checkpoint does not record it), its keep counts and GFLOPs recomputed by the
 * app's one rule. Validated again as any card.
 */
export function importedCards(
  plan: PairPlan,
  templates: { dynamicvit: TemplateCard; deit: TemplateCard },
  rho: number,
): { dynamicvit: ModelCard; deit: ModelCard } {
  const dvit = withoutTemplate(templates.dynamicvit);
  const twin = withoutTemplate(templates.deit);
  const a = dvit.architecture;
  const range = dvit.pruning!.keep_ratio_range;
  if (!(rho >= range[0] && rho <= range[1])) throw new Error(`the trained keep ratio must be within ${range[0]}..${range[1]}, got ${rho}`);
  const counts = keepCounts(rho, a);
  const flops = vitFlops(dvit, counts);
  const dvitFile = plan.dynamicvit.file.fileName;
  const twinFile = plan.deit.file.fileName;
  dvit.name = `dynamicvit-${a.arch}-import:${dvitFile}`;
  dvit.display_name = `${templates.dynamicvit.display_name} (${dvitFile}, ρ ${rho})`;
  dvit.pruning = { ...dvit.pruning!, trained_keep_ratio: rho, keep_counts_at_trained_ratio: counts };
  dvit.gflops = { ...dvit.gflops!, total: round3(flops.total), predictors: round3(flops.predictors), per_stage_tokens: flops.tokens };
  dvit.provenance = { ...dvit.provenance, source: 'official-checkpoint', checkpoint: dvitFile, template: templates.dynamicvit.name };
  dvit.notes = `Weights read in this browser from ${dvitFile}; trained keep ratio ${rho} as given on the page.`;
  twin.name = `deit-${a.arch}-import:${twinFile}`;
  twin.display_name = plan.deit.fromDynamicViT
    ? `${templates.deit.display_name} (backbone of ${dvitFile})`
    : `${templates.deit.display_name} (${twinFile})`;
  twin.provenance = {
    ...twin.provenance,
    source: 'official-checkpoint',
    checkpoint: twinFile,
    template: templates.deit.name,
    ...(plan.deit.fromDynamicViT ? { weights_from: 'dynamicvit-backbone' } : {}),
  };
  twin.notes = plan.deit.fromDynamicViT
    ? `No teacher file was given: the full model runs the backbone weights of ${dvitFile} without its score predictors, not a released teacher.`
    : `Weights read in this browser from ${twinFile}.`;
  return { dynamicvit: parseCard(dvit, 'dynamicvit', 'imported DynamicViT'), deit: parseCard(twin, 'deit', 'imported full model') };
}

function withoutTemplate(card: TemplateCard): ModelCard {
  const copy: Partial<TemplateCard> = structuredClone(card);
  delete copy.template;
  return copy as ModelCard;
}
