/**
 * What the editor says about an Optuna `trial.suggest_*("lr", ..)` call: the values tried, and the
 * best trial's. Pure text (the hover is src/loops/suggestionHover.ts).
 */
import { formatMetric } from '../runs/format';
import type { TriedValues } from '../store/triedValues';
import { codeSpan, escapeMd } from '../text/markdown';

/**
 * `**RunLens** · lr in study grid: 24 trials tried 18 values, from 0.0001 to 0.9.` Then the most
 * tried values, and the best trial with its value of the parameter and of the ranking metric.
 */
export function suggestionHoverText(param: string, study: string | undefined, t: TriedValues): string {
  const where = study !== undefined ? ` in study ${codeSpan(study)}` : '';
  const trials = `${t.runs} ${study !== undefined ? 'trial' : 'run'}${t.runs === 1 ? '' : 's'}`;
  const values = `${t.distinct} value${t.distinct === 1 ? '' : 's'}`;
  const range = t.range ? `, from ${codeSpan(t.range.min)} to ${codeSpan(t.range.max)}` : '';
  const shown = t.values.map((v) => `${codeSpan(v.value)}${t.runs > 1 ? ` (${v.count})` : ''}`).join(', ');
  const more = t.distinct > t.values.length ? `, and ${t.distinct - t.values.length} more` : '';
  let text = `**RunLens** · ${codeSpan(param)}${where}: ${trials} tried ${values}${range}.\n\n${t.distinct > 1 ? 'Most often: ' : 'Tried: '}${shown}${more}.`;
  if (t.best && t.metric) {
    text += `\n\nBest: ${escapeMd(t.best.name ?? t.best.uid)} with ${codeSpan(`${param}=${t.best.value}`)} · ${escapeMd(t.metric)} ${formatMetric(t.best.metric)}`;
  }
  return text;
}
