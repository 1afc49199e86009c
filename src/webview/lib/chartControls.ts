/**
 * The bar above a panel's charts that sets how all of them are drawn: smoothing (a slider), log
 * scale, the x axis and outliers. Changes apply at once; the panel keeps them (its memento).
 */
import { MAX_SMOOTHING, type ChartOptions, type XAxis } from '../../core/charts/lines';
import { h } from './dom';

export function chartControls(initial: ChartOptions, onChange: (options: ChartOptions) => void): HTMLElement {
  let o = initial;
  const set = (patch: Partial<ChartOptions>) => { o = { ...o, ...patch }; onChange(o); };
  const slider = h('input', {
    className: 'smoothing',
    attrs: { type: 'range', min: 0, max: MAX_SMOOTHING, step: 0.01, value: o.smoothing, 'aria-label': 'Smoothing' },
    title: 'Exponential moving average, debiased as in TensorBoard; the raw lines stay faint behind',
  });
  const shown = h('output', { className: 'mono smoothing-value' }, o.smoothing.toFixed(2));
  slider.addEventListener('input', () => { shown.textContent = Number(slider.value).toFixed(2); set({ smoothing: Number(slider.value) }); });
  const check = (label: string, key: 'logY' | 'ignoreOutliers', title: string) => {
    const box = h('input', { attrs: { type: 'checkbox' } });
    box.checked = o[key];
    box.addEventListener('change', () => set({ [key]: box.checked }));
    return h('label', { title }, box, ` ${label}`);
  };
  const x = h('select', { attrs: { 'aria-label': 'X axis' } }, ...([['step', 'step'], ['relative', 'relative time'], ['wall', 'wall time']] as [XAxis, string][]).map(([value, label]) => {
    const opt = h('option', { attrs: { value } }, label);
    opt.selected = value === o.x;
    return opt;
  }));
  x.addEventListener('change', () => set({ x: x.value as XAxis }));
  return h('div', { className: 'toolbar chart-controls', attrs: { role: 'group', 'aria-label': 'Chart options' } },
    h('label', null, 'Smoothing ', slider, ' ', shown),
    check('Log scale', 'logY', 'A logarithmic y axis; values at or below zero are left out'),
    h('label', null, 'X axis ', x),
    check('Ignore outliers', 'ignoreOutliers', 'The y range spans the 5th to the 95th percentile of the values'));
}
