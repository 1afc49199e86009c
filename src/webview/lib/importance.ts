/**
 * Parameter importance as bars, with the method said under them (src/core/importance/forest.ts).
 */
import { IMPORTANCE_METHOD, parameterImportance, type ImportanceRun } from '../../core/importance/forest';
import { h } from './dom';

/** The bars for these runs and metric, or a sentence saying why there are none. */
export function importanceBars(runs: ImportanceRun[], metric: string, note = ''): HTMLElement {
  const imp = parameterImportance(runs);
  if (!imp) {
    return h('p', { className: 'muted importance-none' }, `Not enough to tell which parameters matter for ${metric}: it takes at least 3 runs with a value of it, and a parameter that varies among them.`);
  }
  return h('div', { className: 'importance', attrs: { role: 'list', 'aria-label': `Parameter importance for ${metric}` } },
    ...imp.params.map((p) => {
      const bar = h('span', { className: 'importance-bar' });
      bar.style.width = `${(p.importance * 100).toFixed(1)}%`;
      return h('div', { className: 'importance-row', attrs: { role: 'listitem', 'data-key': p.key, 'data-importance': p.importance.toFixed(4) } },
        h('span', { className: 'importance-key mono', title: p.key }, p.key),
        h('span', { className: 'importance-track' }, bar),
        h('span', { className: 'importance-value mono' }, `${(p.importance * 100).toFixed(1)}%`));
    }),
    h('p', { className: 'hint importance-method' }, `Method: ${IMPORTANCE_METHOD}; fitted to ${imp.runs} run${imp.runs === 1 ? '' : 's'} with a value of ${metric}${note}. It says which parameters the metric varies with among these runs, not why.`));
}
