/**
 * Static analysis of Python experiment loops: which parameter combinations a loop will run, so
 * the editor can say which of them already have results. Pure: no `vscode`, no I/O.
 */
import { analyzeUnit } from './loops';
import { parseUnit } from './bindings';
import { suggestionsOf, withGridSearches, type OptunaSuggestion } from './optuna';
import type { Unit } from './scope';
import type { AnalyzeOptions, ExperimentLoop } from './types';

export type { AnalyzeOptions, ExperimentLoop, LiteralValue, LoopGuard } from './types';
export type { OptunaSuggestion } from './optuna';

/** The experiment loops of a Python file, in source order: its `for` loops, and its Optuna grid searches. */
export function analyzePython(source: string, options?: AnalyzeOptions): ExperimentLoop[] {
  return loopsOf(parseUnit(source), false, options);
}

function loopsOf(unit: Unit, notebook: boolean, options?: AnalyzeOptions): ExperimentLoop[] {
  return withGridSearches(unit, notebook, analyzeUnit(unit, notebook, options), options);
}

/**
 * The `trial.suggest_*` calls of a Python file, or of the last of a notebook's code cells (which
 * sees the cells before it), each with the study its objective is optimised in when the code says.
 */
export function optunaSuggestions(cells: string | string[]): OptunaSuggestion[] {
  if (typeof cells === 'string') return suggestionsOf(parseUnit(cells));
  let unit: Unit | undefined;
  cells.forEach((source, i) => { unit = parseUnit(maskMagics(source), i, unit); });
  return unit ? suggestionsOf(unit) : [];
}

/**
 * The experiment loops of each code cell of a notebook (pass code cells only, in order). Each
 * cell sees the names, imports and functions of the cells before it; lines and offsets are
 * relative to the cell.
 */
export function analyzeNotebook(cells: string[], options?: AnalyzeOptions): { cell: number; loops: ExperimentLoop[] }[] {
  const units: Unit[] = [];
  cells.forEach((source, i) => units.push(parseUnit(maskMagics(source), i, units[i - 1])));
  for (const u of units) u.notebook = units; // a function of one cell may be called in a later one
  return units.map((u, i) => ({ cell: i, loops: loopsOf(u, true, options) }));
}

/**
 * IPython lines (`%pip install ..`, `!ls`, `%%time`) are not Python. They are blanked with spaces
 * of the same length so every offset stays where the editor has it. A `%%` cell magic other than
 * timing ones makes the whole cell another language.
 */
function maskMagics(source: string): string {
  const first = /^\s*%%(\w+)/.exec(source);
  if (first && !['time', 'timeit', 'capture'].includes(first[1])) return source.replace(/[^\n]/g, ' ');
  // `%name`, `%%name`, `!cmd` at the start of a line; not `% x` (a continued modulo) or `!=`.
  return source.replace(/^([ \t]*)((?:%%?[A-Za-z]|![^=\s])[^\n]*)$/gm,
    (_, indent: string, magic: string) => indent + ' '.repeat(magic.length));
}
