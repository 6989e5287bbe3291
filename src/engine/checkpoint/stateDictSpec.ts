import { listing } from './stateDict.ts';
import type { Tensor } from './tensors.ts';

/** One entry of a template card's expected state dict (written by models/export_template.py). */
export interface StateDictEntry {
  name: string;
  dtype: 'float32' | 'int64';
  shape: number[];
}

export interface StateDictProblems {
  missing: string[];
  unexpected: string[];
  /** "key: checkpoint [a, b] vs model [c, d]" (dtype differences too) */
  mismatched: string[];
}

/** Every difference between a checkpoint's tensors and the state dict a template expects, as Python's strict load. */
export function stateDictProblems(tensors: ReadonlyMap<string, Tensor>, expected: readonly StateDictEntry[]): StateDictProblems {
  const want = new Map(expected.map((e) => [e.name, e]));
  const missing = expected.filter((e) => !tensors.has(e.name)).map((e) => e.name);
  const unexpected = [...tensors.keys()].filter((k) => !want.has(k));
  const mismatched: string[] = [];
  for (const e of expected) {
    const t = tensors.get(e.name);
    if (!t) continue;
    if (t.dtype !== e.dtype) mismatched.push(`${e.name}: checkpoint ${t.dtype} vs model ${e.dtype}`);
    else if (!sameShape(t.shape, e.shape))
      mismatched.push(`${e.name}: checkpoint [${t.shape.join(', ')}] vs model [${e.shape.join(', ')}]`);
  }
  return { missing, unexpected, mismatched };
}

export function problemCount(p: StateDictProblems): number {
  return p.missing.length + p.unexpected.length + p.mismatched.length;
}

/** One message naming every problem, like models/checkpoint.py's check_state_dict. */
export function describeProblems(what: string, p: StateDictProblems): string {
  const lines = [`${what} does not match the model:`];
  if (p.missing.length) lines.push(`missing keys (${p.missing.length}): ${listing(p.missing)}`);
  if (p.unexpected.length) lines.push(`unexpected keys (${p.unexpected.length}): ${listing(p.unexpected)}`);
  if (p.mismatched.length) lines.push(`mismatched shapes (${p.mismatched.length}): ${listing(p.mismatched, '; ')}`);
  return lines.join('\n');
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}
