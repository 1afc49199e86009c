/**
 * Groups over seeds on a page: the controls (group or not, which keys to ignore, the band) and the
 * table of groups, one row each with n and mean ± standard deviation per metric. The grouping
 * itself is core's (src/core/runs/groups.ts).
 */
import type { BandKind, RunGroup } from '../../core/runs/groups';
import { canonicalParam } from '../../core/params/canonical';
import { formatMetric } from '../../core/runs/format';
import { h } from './dom';

export interface GroupingState {
  on: boolean;
  /** The keys ignored; null: the defaults (seed-like keys, keys unique per run). */
  ignored: string[] | null;
  band: BandKind;
}

export const NO_GROUPING: GroupingState = { on: false, ignored: null, band: 'std' };

/** The keys whose values tell the groups apart: what a group is called. */
export function groupLabelKeys(groups: RunGroup[]): string[] {
  const keys = [...new Set(groups.flatMap((g) => Object.keys(g.params)))].sort();
  return keys.filter((k) => new Set(groups.map((g) => (k in g.params ? canonicalParam(g.params[k]) : undefined))).size > 1);
}

export function groupLabel(g: RunGroup, keys: string[]): string {
  const parts = keys.filter((k) => k in g.params).map((k) => `${k}=${g.params[k]}`);
  return parts.length ? parts.join(', ') : 'all runs';
}

/** A checkbox to group, the keys to ignore (a checkbox each, the defaults ticked) and the band around mean lines. */
export function groupingControls(keys: string[], defaults: string[], state: GroupingState, onChange: (s: GroupingState) => void, withBand: boolean): HTMLElement {
  const ignored = new Set(state.ignored ?? defaults);
  const on = h('input', { attrs: { type: 'checkbox', 'aria-label': 'Group runs over seeds' } });
  on.checked = state.on;
  on.addEventListener('change', () => onChange({ ...state, on: on.checked }));
  const keyBoxes = keys.map((k) => {
    const box = h('input', { attrs: { type: 'checkbox', 'data-key': k } });
    box.checked = ignored.has(k);
    box.addEventListener('change', () => {
      if (box.checked) ignored.add(k); else ignored.delete(k);
      onChange({ ...state, ignored: keys.filter((x) => ignored.has(x)) });
    });
    return h('label', { className: 'ignore-key mono' }, box, ` ${k}`);
  });
  const band = h('select', { attrs: { 'aria-label': 'Band' } },
    ...([['std', 'mean ± 1 std'], ['minmax', 'mean, min–max']] as [BandKind, string][]).map(([value, label]) => {
      const o = h('option', { attrs: { value } }, label);
      o.selected = value === state.band;
      return o;
    }));
  band.addEventListener('change', () => onChange({ ...state, band: band.value as BandKind }));
  return h('div', { className: 'grouping', attrs: { role: 'group', 'aria-label': 'Groups over seeds' } },
    h('div', { className: 'toolbar' }, h('label', null, on, ' Group runs that share their parameters'),
      state.on && withBand ? h('label', null, 'Charts: ', band) : null),
    state.on ? h('div', { className: 'toolbar ignore-keys' }, h('span', { className: 'muted' }, 'ignoring'), ...keyBoxes,
      keyBoxes.length ? null : h('span', { className: 'muted' }, 'no parameters')) : null);
}

/** One row per group: what it is, n, and mean ± sample standard deviation of each metric (the best mean marked). */
export function groupsTable(groups: RunGroup[], metrics: { key: string; higherIsBetter: boolean }[]): HTMLTableElement {
  const labelKeys = groupLabelKeys(groups);
  const th = (text: string) => h('th', { attrs: { scope: 'col' } }, text);
  const best = new Map(metrics.map((m) => {
    const means = groups.map((g) => g.metrics[m.key]?.mean).filter((x): x is number => x !== undefined);
    return [m.key, means.length > 1 ? (m.higherIsBetter ? Math.max(...means) : Math.min(...means)) : undefined];
  }));
  return h('table', { className: 'grid groups' },
    h('thead', null, h('tr', null, th('group'), th('n'), ...metrics.map((m) => th(`${m.key} ${m.higherIsBetter ? '↑' : '↓'}`)))),
    h('tbody', null, ...groups.map((g) => h('tr', { attrs: { 'data-n': g.members.length } },
      h('th', { attrs: { scope: 'row' }, className: 'mono' }, groupLabel(g, labelKeys)),
      h('td', { className: 'mono num' }, String(g.members.length)),
      ...metrics.map((m) => {
        const s = g.metrics[m.key];
        if (!s) return h('td', { className: 'muted' }, '–');
        const isBest = s.mean === best.get(m.key);
        return h('td', { className: isBest ? 'mono best' : 'mono', title: `${s.n} of ${g.members.length} runs have a value; min ${formatMetric(s.min)}, max ${formatMetric(s.max)}` },
          s.n > 1 ? `${formatMetric(s.mean)} ± ${formatMetric(s.std)}` : formatMetric(s.mean));
      })))));
}
