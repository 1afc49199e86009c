// The comparison panel: any number of runs, params side by side (differences marked), metrics
// overlaid on shared charts, parallel coordinates of params against a chosen metric, and export.
import uplotCss from 'uplot/dist/uPlot.min.css';
import baseCss from './lib/base.css';
import compareCss from './compare.css';
import type { ArtifactPreview, CompareFromWebview, CompareToWebview, CompareView } from './protocol';
import { addStyles, connect } from './lib/host';
import { button, fill, h } from './lib/dom';
import { lineChart, type Chart } from './lib/chart';
import { chartControls } from './lib/chartControls';
import { bestOf, type ChartOptions } from '../core/charts/lines';
import { defaultIgnoredKeys, groupRuns, type RunGroup } from '../core/runs/groups';
import { groupingControls, groupLabel, groupLabelKeys, groupsTable, NO_GROUPING, type GroupingState } from './lib/groups';
import { parallelCoordinates } from './lib/parallel';
import { seriesDash, seriesVar } from './lib/theme';
import { formatBytes, formatMetric, shortId } from '../core/runs/format';
import { previewBody } from './lib/artifacts';
import { importanceBars } from './lib/importance';
import { brushed, metricAxis, type Brushes } from '../core/charts/brush';

addStyles(uplotCss, baseCss, compareCss);

type Stat = 'last' | 'min' | 'max' | 'best';
interface UiState {
  onlyDiffering: boolean; metric: string | null; artifact?: string | null; stat?: Stat; grouping?: GroupingState;
  /** The parallel coordinates' brushes, and the runs they were drawn on (another set of runs starts without). */
  brushes?: Brushes; brushedRuns?: string;
}

const root = document.getElementById('root')!;
let view: CompareView | undefined;
let charts: Chart[] = [];
/** How the charts are drawn: the panel's choice, taken from the host once, then changed here. */
let chartOptions: ChartOptions | undefined;
const host = connect<CompareToWebview, CompareFromWebview, UiState>((m) => {
  if (m.type === 'artifacts') { showArtifacts(m.path, m.previews); return; }
  view = m.view;
  chartOptions ??= m.charts;
  // Brushes belong to the runs they were drawn on: a new data for the same runs keeps them.
  const runs = m.view.runs.map((r) => r.uid).join(',');
  if (ui.brushedRuns !== runs) { ui.brushes = {}; ui.brushedRuns = runs; save(); }
  // How long from the data's arrival until the charts are on screen (printed by the UI tests).
  measure('data-paint-ms', performance.now(), render);
});

/** Runs `work`, and records on the page how long it took until the browser painted its result. */
function measure(attribute: string, started: number, work: () => void): void {
  work();
  requestAnimationFrame(() => setTimeout(() => root.setAttribute(attribute, (performance.now() - started).toFixed(1))));
}
const ui: UiState = host.state() ?? { onlyDiffering: false, metric: null };
ui.stat ??= 'last';
ui.grouping ??= NO_GROUPING;
const save = () => host.saveState(ui);

const swatch = (i: number) => {
  const s = h('span', { className: 'swatch' });
  s.style.background = `var(${seriesVar(i)})`;
  if (seriesDash(i).length) s.classList.add('dashed');
  return s;
};
const runHeader = (i: number) => h('th', { attrs: { scope: 'col' } },
  h('button', { className: 'link run-link', title: `Open the details of ${view!.runs[i].label}`, on: { click: () => host.post({ type: 'openRun', index: i }) } }, swatch(i), view!.runs[i].label,
    // Two runs with the same parameters (a rerun, a failure) must still be told apart.
    h('span', { className: 'muted' }, ` · ${shortId(view!.runs[i].uid)}${view!.runs[i].status === 'finished' ? '' : ` (${view!.runs[i].status})`}`)));

/** The runs tables, refilled alone when the brushes change (the charts stay as they are). */
const paramsBox = h('div', { className: 'scroll' });
const metricsBox = h('div', { className: 'scroll' });
const brushBar = h('div', { className: 'toolbar brush-bar', attrs: { role: 'status' } });

/** The parallel coordinates' axes: the differing parameters (all, when none differs) and the chosen metric. */
function parallelAxes(v: CompareView): { params: string[]; metric: CompareView['metrics'][number] | undefined } {
  const differing = v.params.filter((p) => p.differs).map((p) => p.key);
  const key = ui.metric && v.metrics.some((m) => m.key === ui.metric) ? ui.metric : v.keyMetric ?? v.metrics[0]?.key;
  return { params: differing.length ? differing : v.params.map((p) => p.key), metric: v.metrics.find((m) => m.key === key) };
}

/** The indices of the runs the brushes keep (every run without brushes). */
function keptRuns(v: CompareView): number[] {
  const { params, metric } = parallelAxes(v);
  const axes = [...params, ...(metric ? [metricAxis(metric.key)] : [])];
  const kept = brushed(v.runs.map((r) => ({ params: r.params, metrics: r.metrics })), ui.brushes ?? {}, axes);
  return v.runs.map((_, i) => i).filter((i) => kept[i]);
}

function fillTables(v: CompareView): void {
  const kept = keptRuns(v);
  fill(paramsBox, paramsTable(v, kept));
  fill(metricsBox, metricsTable(v, kept));
  const brushing = Object.keys(ui.brushes ?? {}).length > 0;
  fill(brushBar, brushing
    ? h('span', null, `${kept.length} of ${v.runs.length} runs kept by the brushes; the tables above show only them.`)
    : h('span', { className: 'hint' }, 'Drag along an axis to keep the runs in a range, click a value to keep its runs; several axes combine.'),
  brushing && kept.length > 1 && kept.length < v.runs.length ? button(`Compare the ${kept.length} kept`, () => host.post({ type: 'compareSubset', indices: kept })) : null,
  brushing ? button('Clear brushes', () => setBrushes({}), { className: 'secondary' }) : null);
}

let redrawParallel: () => void = () => {};
function setBrushes(b: Brushes): void {
  ui.brushes = b;
  save();
  redrawParallel();
  if (view) fillTables(view);
}

function render(): void {
  if (!view) return;
  const v = view;
  fillTables(v);
  root.setAttribute('aria-busy', 'false');
  for (const c of charts) c.destroy();
  charts = [];
  const differing = v.params.filter((p) => p.differs).length;
  fill(root,
    h('h1', null, `${v.runs.length} runs`),
    h('div', { className: 'toolbar' },
      button('Export CSV', () => host.post({ type: 'export', format: 'csv' })),
      button('Export JSON', () => host.post({ type: 'export', format: 'json' }), { className: 'secondary' }),
      v.runs.length === 2 ? button('Compare Code', () => host.post({ type: 'compareCode' }), { className: 'secondary', title: 'The scripts the two runs ran, side by side in the diff editor' }) : null,
      h('label', null, checkbox(ui.onlyDiffering, (on) => { ui.onlyDiffering = on; save(); render(); }), ` Only the ${differing} differing parameter${differing === 1 ? '' : 's'}`)),
    h('h2', null, 'Parameters'),
    paramsBox,
    v.metrics.length ? h('h2', null, 'Metrics ', statSelect()) : null,
    v.metrics.length ? metricsBox : null,
    groupsSection(v),
    v.metrics.length && v.params.length ? parallelSection(v) : null,
    artifactsSection(v),
    chartsSection(v));
}

let artifactRow: HTMLElement | undefined;

/**
 * Artifacts side by side: a path (those most runs share first; the first image by default), and
 * that file of every run in a column under the run's name.
 */
function artifactsSection(v: CompareView): HTMLElement | null {
  if (!v.artifacts.length) return null;
  const wanted = ui.artifact && v.artifacts.some((a) => a.path === ui.artifact) ? ui.artifact
    : (v.artifacts.find((a) => a.kind === 'image') ?? v.artifacts[0]).path;
  const select = h('select', { attrs: { 'aria-label': 'Artifact' } }, ...v.artifacts.map((a) => {
    const held = a.sizes.filter((s) => s !== null).length;
    const o = h('option', { attrs: { value: a.path } }, `${a.path}  (${held} of ${v.runs.length} runs)`);
    o.selected = a.path === wanted;
    return o;
  }));
  artifactRow = h('div', { className: 'artifact-row' }, ...v.runs.map((_, i) => column(i, h('p', { className: 'muted' }, 'Loading…'))));
  select.addEventListener('change', () => { ui.artifact = select.value; save(); host.post({ type: 'compareArtifact', path: select.value }); });
  host.post({ type: 'compareArtifact', path: wanted });
  return h('section', { className: 'artifacts', attrs: { 'aria-label': 'Artifacts' } },
    h('h2', null, 'Artifacts ', select),
    h('p', { className: 'hint' }, 'The same file of each run, side by side.'),
    h('div', { className: 'scroll' }, artifactRow));
}

function column(i: number, body: Node): HTMLElement {
  return h('figure', { className: 'artifact-column', attrs: { 'data-run': view!.runs[i].uid } },
    h('figcaption', null, swatch(i), view!.runs[i].label, h('span', { className: 'muted' }, ` · ${shortId(view!.runs[i].uid)}`)),
    body);
}

function showArtifacts(path: string, previews: (ArtifactPreview | null)[]): void {
  if (!artifactRow || !view) return;
  artifactRow.setAttribute('data-path', path);
  fill(artifactRow, ...previews.map((p, i) => column(i, p === null
    ? h('p', { className: 'muted' }, 'This run has no such file.')
    : h('div', null, previewBody(p), h('div', { className: 'toolbar' },
      h('span', { className: 'muted' }, formatBytes(p.size)),
      button('Open', () => host.post({ type: 'openArtifact', index: i, path }), { className: 'secondary' }))))));
}

function checkbox(checked: boolean, onChange: (on: boolean) => void): HTMLInputElement {
  const box = h('input', { attrs: { type: 'checkbox' } });
  box.checked = checked;
  box.addEventListener('change', () => onChange(box.checked));
  return box;
}

function paramsTable(v: CompareView, kept: number[]): HTMLTableElement {
  const rows = v.params.filter((p) => p.differs || !ui.onlyDiffering);
  const runs = kept.map((i) => v.runs[i]);
  return h('table', { className: 'grid params' },
    h('thead', null, h('tr', null, h('th', { attrs: { scope: 'col' } }, 'parameter'), ...kept.map((i) => runHeader(i)))),
    h('tbody', null, ...rows.map((p) => h('tr', { className: p.differs ? 'differs' : '', title: p.differs ? 'The runs differ here' : undefined },
      h('th', { attrs: { scope: 'row' } }, p.key),
      ...runs.map((r) => p.key in r.params ? h('td', { className: 'mono' }, r.params[p.key]) : h('td', { className: 'muted' }, '–'))))));
}

const STATS: [Stat, string][] = [['last', 'last value'], ['min', 'minimum'], ['max', 'maximum'], ['best', 'best value (by the goal)']];

/** Which value of each run's metric the table shows: its last, its minimum, maximum, or best by the metric's goal. */
function statSelect(): HTMLSelectElement {
  const select = h('select', { attrs: { 'aria-label': 'Metric value' } }, ...STATS.map(([value, label]) => {
    const o = h('option', { attrs: { value } }, label);
    o.selected = value === ui.stat;
    return o;
  }));
  select.addEventListener('change', () => { ui.stat = select.value as Stat; save(); render(); });
  return select;
}

function statOf(r: CompareView['runs'][number], m: CompareView['metrics'][number]): number | null | undefined {
  if (!(m.key in r.metrics)) return undefined;
  const range = r.range[m.key] ?? { min: null, max: null };
  switch (ui.stat) {
    case 'min': return range.min;
    case 'max': return range.max;
    case 'best': return bestOf(range, m.higherIsBetter);
    default: return r.metrics[m.key];
  }
}

function metricsTable(v: CompareView, kept: number[]): HTMLTableElement {
  const runs = kept.map((i) => v.runs[i]);
  return h('table', { className: 'grid metrics', attrs: { 'data-stat': ui.stat ?? 'last' } },
    h('thead', null, h('tr', null, h('th', { attrs: { scope: 'col' } }, 'metric'), ...kept.map((i) => runHeader(i)))),
    h('tbody', null, ...v.metrics.map((m) => {
      const values = runs.map((r) => statOf(r, m)).filter((x): x is number => x !== null && x !== undefined);
      const best = values.length > 1 ? (m.higherIsBetter ? Math.max(...values) : Math.min(...values)) : undefined;
      return h('tr', null, h('th', { attrs: { scope: 'row' } }, m.key, h('span', { className: 'muted' }, m.higherIsBetter ? ' ↑' : ' ↓')),
        ...runs.map((r) => {
          const x = statOf(r, m);
          if (x === undefined) return h('td', { className: 'muted' }, '–');
          return h('td', { className: x === best ? 'mono best' : 'mono', title: x === best ? 'best of these runs' : undefined }, x === null ? 'NaN' : formatMetric(x));
        }));
    })));
}

function parallelSection(v: CompareView): HTMLElement {
  const metric = ui.metric && v.metrics.some((m) => m.key === ui.metric) ? ui.metric : v.keyMetric ?? v.metrics[0].key;
  const select = h('select', { attrs: { 'aria-label': 'Metric' } }, ...v.metrics.map((m) => {
    const o = h('option', { attrs: { value: m.key } }, m.key);
    o.selected = m.key === metric;
    return o;
  }));
  const plot = h('div', { className: 'parallel-box' });
  const importance = h('div');
  const drawPlot = () => {
    const m = v.metrics.find((x) => x.key === select.value)!;
    fill(plot, parallelCoordinates(v.runs.map((r) => ({ label: r.label, params: r.params, metric: r.metrics[m.key] ?? null })), parallelAxes(v).params, m.key, m.higherIsBetter,
      Math.max(480, plot.clientWidth || root.clientWidth - 8), (i) => host.post({ type: 'openRun', index: i }), { brushes: ui.brushes ?? {}, onChange: setBrushes }));
  };
  redrawParallel = drawPlot;
  const draw = () => {
    const m = v.metrics.find((x) => x.key === select.value)!;
    drawPlot();
    fill(importance, importanceBars(v.runs.map((r) => ({ params: r.params, value: statOf(r, m) ?? null })), m.key, ` (each run's ${STATS.find(([s]) => s === ui.stat)![1]})`));
  };
  select.addEventListener('change', () => { ui.metric = select.value; save(); draw(); fillTables(v); });
  requestAnimationFrame(draw);
  return h('section', null,
    h('h2', null, 'Parameters against ', select),
    h('p', { className: 'hint' }, 'One line per run, in the colour of its swatch above; the differing parameters only; the arrow by the metric says which way is better. Click a line to open its run.'),
    brushBar,
    plot,
    h('h3', null, 'Which parameters matter'),
    importance);
}

/** The runs grouped over seeds (when the person asks), with the metric value the metrics table shows. */
function currentGroups(v: CompareView): RunGroup[] | undefined {
  const g = ui.grouping!;
  if (!g.on) return undefined;
  const runs = v.runs.map((r) => ({ params: r.params, metrics: Object.fromEntries(v.metrics.map((m) => [m.key, statOf(r, m)])) }));
  return groupRuns(runs, g.ignored ?? defaultIgnoredKeys(runs));
}

function groupsSection(v: CompareView): HTMLElement | null {
  if (v.runs.length < 2 || !v.params.length) return null;
  const keys = v.params.filter((p) => p.differs).map((p) => p.key);
  const defaults = defaultIgnoredKeys(v.runs);
  const groups = currentGroups(v);
  return h('section', { attrs: { 'aria-label': 'Groups' } },
    h('h2', null, 'Groups over seeds'),
    groupingControls(keys, defaults, ui.grouping!, (g) => { ui.grouping = g; save(); render(); }, true),
    groups ? h('p', { className: 'hint' }, `${groups.length} group${groups.length === 1 ? '' : 's'} of ${v.runs.length} runs; each metric's ${STATS.find(([s]) => s === ui.stat)![1]} per run, as mean ± sample standard deviation over the group. The charts below draw each group's mean with a band.`) : null,
    groups ? h('div', { className: 'scroll' }, groupsTable(groups, v.metrics)) : null);
}

function chartsSection(v: CompareView): HTMLElement | null {
  const keys = Object.keys(v.history).filter((k) => v.history[k].some((s) => s && s.steps.length));
  if (!keys.length) return null;
  const grid = h('div', { className: 'charts' });
  const groups = currentGroups(v);
  const labelKeys = groups ? groupLabelKeys(groups) : [];
  const lineGroups = groups?.map((g, i) => ({ label: groupLabel(g, labelKeys), colorIndex: i, members: g.members }));
  for (const k of keys) {
    const chart = lineChart(k, v.runs.map((r, i) => ({ label: r.label, colorIndex: i, data: v.history[k][i] })), { syncKey: 'compare', options: chartOptions, groups: lineGroups, band: ui.grouping!.band });
    charts.push(chart);
    grid.append(chart.element);
  }
  const controls = chartControls(chartOptions!, (o) => {
    chartOptions = o;
    // How long a smoothing (or any) change takes to be redrawn on every chart (printed by the UI tests).
    measure('data-redraw-ms', performance.now(), () => { for (const c of charts) c.setOptions(o); });
    host.post({ type: 'chartOptions', options: o });
  });
  return h('section', null, h('h2', null, 'Metrics over steps'), controls,
    h('p', { className: 'hint' }, 'Drag across a chart to zoom, double-click to zoom out; the cursor follows on every chart.'), grid);
}
