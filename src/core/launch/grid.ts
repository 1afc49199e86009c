/**
 * What a sweep runs: named axes crossed like nested loops, or a list of combinations taken from
 * an experiment loop. Values are JSON values with their Python meaning, as the loop analysis and
 * the sweep files give them.
 */
import { canonicalValue, combinationKey } from '../params/canonical';

export type ArgumentStyle = 'argparse' | 'hydra';

export interface Axis {
  key: string;
  values: unknown[];
}

export interface SweepSpec {
  keys: string[];
  combinations: Record<string, unknown>[];
  /** The script to run, as the sweep file names it (relative to the file), if it does. */
  script?: string;
  /** Given explicitly (a sweep file): lookups then only count runs of this experiment. */
  experiment?: string;
  argumentStyle?: ArgumentStyle;
  metric?: { name: string; goal?: 'maximize' | 'minimize' };
}

/** A limit far above any grid a person launches, and far below one that would hang the editor. */
export const MAX_COMBINATIONS = 100_000;

/** The product of the axes, the last one fastest (as in nested `for` loops), each combination once. */
export function expandGrid(axes: Axis[]): Record<string, unknown>[] {
  const seen = new Set<string>();
  for (const a of axes) {
    if (seen.has(a.key)) throw new Error(`'${a.key}' is given twice`);
    seen.add(a.key);
    if (!a.values.length) throw new Error(`'${a.key}' has no values`);
  }
  const total = axes.reduce((n, a) => n * a.values.length, 1);
  if (total > MAX_COMBINATIONS) throw new Error(`the grid has ${total.toLocaleString('en')} combinations; RunLens launches at most ${MAX_COMBINATIONS.toLocaleString('en')}`);
  let combos: Record<string, unknown>[] = [{}];
  for (const a of axes) combos = combos.flatMap((c) => a.values.map((v) => ({ ...c, [a.key]: v })));
  return distinctCombinations(axes.map((a) => a.key), combos);
}

/** Drops repeats by meaning (`0.001` and `1e-3` are one learning rate), keeping the first. */
export function distinctCombinations(keys: string[], combos: Record<string, unknown>[]): Record<string, unknown>[] {
  const seen = new Set<string>();
  return combos.filter((c) => {
    const id = combinationKey(keys.filter((k) => k in c).map((k) => [k, canonicalValue(c[k])]));
    if (seen.has(id)) return false;
    seen.add(id);
    return true;
  });
}
