// The run details panel: params, metrics with a chart each, tags, the note, and the code version.
import uplotCss from 'uplot/dist/uPlot.min.css';
import baseCss from './lib/base.css';
import detailsCss from './details.css';
import type { ArtifactPreview, DetailsFromWebview, DetailsToWebview, DetailsView } from './protocol';
import { addStyles, connect } from './lib/host';
import { button, fill, h } from './lib/dom';
import { artifactTree, emptyPreview, previewPanel } from './lib/artifacts';
import { lineChart, type Chart } from './lib/chart';
import { chartControls } from './lib/chartControls';
import { formatDuration, formatMetric } from '../core/runs/format';
import type { ChartOptions } from '../core/charts/lines';

addStyles(uplotCss, baseCss, detailsCss);

const root = document.getElementById('root')!;
const header = h('header');
const facts = h('div', { className: 'facts' });
const more = h('div', { className: 'facts' });
const chartsTitle = h('h2', null, 'Metrics over steps');
const charts = h('div', { className: 'charts' });
const noteBox = h('textarea', { className: 'note', attrs: { rows: 4, placeholder: 'What this run was for, what it showed…', 'aria-label': 'Note' } });
const saveNote = button('Save note', () => host.post({ type: 'saveNote', text: noteBox.value }), { attrs: { disabled: true } });
let savedNote = '';
noteBox.addEventListener('input', () => { saveNote.disabled = noteBox.value === savedNote; });
noteBox.addEventListener('keydown', (e) => { if (e.key === 'Enter' && (e.ctrlKey || e.metaKey) && !saveNote.disabled) saveNote.click(); });
const chartsHint = h('p', { className: 'hint' }, 'Drag across a chart to zoom, double-click to zoom out.');
const chartBar = h('div');
const artifacts = h('section', { className: 'artifacts', attrs: { 'aria-label': 'Artifacts' } });
root.append(header, facts, chartsTitle, chartBar, chartsHint, charts, artifacts, more);
/** How the charts are drawn: the panel's choice, taken from the host once, then changed here. */
let chartOptions: ChartOptions | undefined;
function setChartOptions(o: ChartOptions): void {
  chartOptions = o;
  for (const chart of chartByMetric.values()) chart.setOptions(o);
  host.post({ type: 'chartOptions', options: o });
}

const chartByMetric = new Map<string, Chart>();

const host = connect<DetailsToWebview, DetailsFromWebview>((m) => {
  if (m.type === 'missing') {
    fill(header, h('h1', null, 'Run not found'), h('p', { className: 'muted' }, `Run ${m.uid} is not in the store (any more).`));
    facts.replaceChildren();
    more.replaceChildren();
    artifacts.replaceChildren();
    return;
  }
  if (m.type === 'artifact') {
    if (m.uid === shownUid && m.preview.path === selectedArtifact) showPreview(m.preview);
    return;
  }
  if (!chartOptions) {
    chartOptions = m.charts;
    chartBar.replaceChildren(chartControls(m.charts, setChartOptions));
  }
  render(m.run);
});

let shownUid = '';
let shownRun: DetailsView | undefined;
let selectedArtifact: string | undefined;

function render(r: DetailsView): void {
  root.setAttribute('aria-busy', 'false');
  if (r.uid !== shownUid) {
    // Another run in the same panel: its own note, charts at full zoom, the top of the page.
    shownUid = r.uid;
    selectedArtifact = undefined;
    noteBox.value = savedNote = r.note;
    for (const chart of chartByMetric.values()) chart.destroy();
    chartByMetric.clear();
    window.scrollTo(0, 0);
  }
  const started = r.startTime ? new Date(r.startTime).toLocaleString() : '';
  fill(header,
    h('h1', null, r.title),
    h('div', { className: 'toolbar' },
      h('span', { className: `badge status-${r.status}` }, r.status),
      r.deleted ? h('span', { className: 'badge' }, 'deleted') : null,
      h('span', { className: 'muted' }, `experiment ${r.experiment}`),
      h('span', { className: 'muted mono' }, r.uid),
      started ? h('span', { className: 'muted' }, `started ${started}${r.endTime && r.startTime ? `, took ${formatDuration(r.endTime - r.startTime)}` : ''}`) : null,
      button('Reveal run log', () => host.post({ type: 'revealLog' }), { className: 'secondary' })));
  fill(facts,
    // A crash leaves no error behind: say what is known instead.
    r.status === 'crashed' ? h('section', { className: 'error' }, h('h2', null, 'Crashed'),
      h('p', null, `The run never logged its end: its process is gone, or stopped writing${r.lastUpdate ? ` (last sign of life ${new Date(r.lastUpdate).toLocaleString()}${r.startTime ? `, ${formatDuration(r.lastUpdate - r.startTime)} after it started` : ''})` : ''}. Metrics up to then are kept.`)) : null,
    r.error ? h('section', { className: 'error' }, h('h2', null, 'Error'),
      h('pre', { className: 'mono' }, `${r.error.type ?? ''}: ${r.error.message ?? ''}\n${r.error.traceback ?? ''}`)) : null,
    section('Parameters', r.params.length ? kvTable(r.params.map(([k, v]) => [k, h('span', { className: 'mono param-value' }, v)])) : empty('No parameters logged.')),
    section('Metrics', r.metrics.length ? metricsTable(r) : empty('No metrics logged.')));
  fill(more, section('Note', notePanel(r.note)), section('Tags', tags(r)), section('Code', code(r)));
  updateCharts(r);
  shownRun = r;
  renderArtifacts(r);
}

let previewBox: HTMLElement = emptyPreview('');

/** The run's files as a tree, and the chosen one's preview beside it (the first image, at first). */
function renderArtifacts(r: DetailsView): void {
  const files = r.artifacts.files;
  artifacts.hidden = !files.length;
  if (!files.length) { artifacts.replaceChildren(); return; }
  const first = files.find((f) => f.kind === 'image') ?? files.find((f) => f.kind !== 'none') ?? files[0];
  const keep = selectedArtifact && files.some((f) => f.path === selectedArtifact);
  if (!keep) selectedArtifact = first.path;
  if (!keep || !artifacts.contains(previewBox)) previewBox = emptyPreview('Loading…');
  fill(artifacts,
    h('h2', null, `Artifacts (${files.length})`),
    r.artifacts.unavailable ? h('p', { className: 'warning' }, `The files cannot be shown: ${r.artifacts.unavailable}.`) : null,
    h('div', { className: 'artifacts-layout' }, artifactTree(files, selectedArtifact, pickArtifact), previewBox));
  if (!keep) host.post({ type: 'previewArtifact', path: selectedArtifact! });
}

function pickArtifact(path: string): void {
  selectedArtifact = path;
  previewBox = emptyPreview('Loading…');
  if (shownRun) renderArtifacts(shownRun);
  host.post({ type: 'previewArtifact', path });
}

function showPreview(p: ArtifactPreview): void {
  const box = previewPanel(p, {
    open: () => host.post({ type: 'openArtifact', path: p.path }),
    reveal: () => host.post({ type: 'revealArtifact', path: p.path }),
  });
  previewBox.replaceWith(box);
  previewBox = box;
}

function section(title: string, ...body: Node[]): HTMLElement {
  return h('section', { attrs: { 'aria-label': title } }, h('h2', null, title), ...body);
}

function empty(text: string): HTMLElement { return h('p', { className: 'muted' }, text); }

function kvTable(rows: [string, Node | string][]): HTMLTableElement {
  return h('table', { className: 'kv' }, h('tbody', null, ...rows.map(([k, v]) => h('tr', null, h('th', { attrs: { scope: 'row' } }, k), h('td', null, v)))));
}

function metricsTable(r: DetailsView): HTMLTableElement {
  const th = (t: string) => h('th', { attrs: { scope: 'col' } }, t);
  return h('table', { className: 'kv metrics' },
    h('thead', null, h('tr', null, th('metric'), th('last'), th('min'), th('max'), th('best'), th('step'), th('points'))),
    h('tbody', null, ...r.metrics.map((m) => h('tr', null,
      h('th', { attrs: { scope: 'row' } }, m.key, h('span', { className: 'muted', title: m.higherIsBetter ? 'higher is better' : 'lower is better' }, m.higherIsBetter ? ' ↑' : ' ↓')),
      ...[shown(m.last), shown(m.min), shown(m.max), shown(m.best), String(m.lastStep), String(m.count)].map((v, i) => h('td', { className: i === 3 ? 'mono best' : 'mono' }, v))))));
}

function tags(r: DetailsView): HTMLElement {
  const input = h('input', { attrs: { placeholder: 'key=value', 'aria-label': 'New tag' } });
  const add = () => {
    const text = input.value.trim();
    if (!text) return;
    const eq = text.indexOf('=');
    host.post({ type: 'addTag', key: (eq < 0 ? text : text.slice(0, eq)).trim(), value: eq < 0 ? '' : text.slice(eq + 1).trim() });
    input.value = '';
  };
  input.addEventListener('keydown', (e) => { if (e.key === 'Enter') add(); });
  return h('div', null,
    h('div', { className: 'tags' }, ...r.tags.map(([k, v]) => h('span', { className: 'tag' },
      h('span', { className: 'mono' }, v ? `${k}=${v}` : k),
      button('×', () => host.post({ type: 'removeTag', key: k }), { className: 'link remove', title: `Remove the tag ${k}`, attrs: { 'aria-label': `Remove the tag ${k}` } })))),
    h('div', { className: 'toolbar' }, input, button('Add tag', add, { className: 'secondary' })));
}

function notePanel(note: string): HTMLElement {
  // A note being typed survives the updates a running run sends.
  if (document.activeElement !== noteBox && noteBox.value === savedNote) noteBox.value = note;
  savedNote = note;
  saveNote.disabled = noteBox.value === savedNote;
  return h('div', null, noteBox, h('div', { className: 'toolbar' }, saveNote, h('span', { className: 'hint' }, 'Ctrl+Enter saves')));
}

function code(r: DetailsView): HTMLElement {
  const c = r.code;
  const scriptNote = { same: 'unchanged since the run', changed: 'changed since the run', missing: 'no longer there', unknown: '' }[c.script];
  return kvTable([
    ['script', c.scriptPath ? h('span', null, h('span', { className: 'mono' }, c.scriptPath), ' ',
      h('span', { className: c.script === 'changed' || c.script === 'missing' ? 'warning' : 'muted' }, scriptNote ? `(${scriptNote})` : ''), ' ',
      c.script !== 'missing' ? button('Open script', () => host.post({ type: 'openScript' }), { className: 'secondary' }) : null) : '–'],
    ['script sha256', h('span', { className: 'mono', title: c.scriptSha256 ?? '' }, c.scriptSha256 ? c.scriptSha256.slice(0, 16) : '–')],
    ['git commit', h('span', { className: 'mono', title: c.commit ?? '' }, c.commit ? c.commit.slice(0, 12) : '–')],
    ['git branch', c.branch ?? '–'],
    ['uncommitted changes', c.dirty === null ? '–' : c.dirty ? h('span', { className: 'warning' }, 'yes: the commit alone does not reproduce this run') : 'no'],
    ['host', r.host ?? '–'],
  ]);
}

function updateCharts(r: DetailsView): void {
  const keys = Object.keys(r.history).filter((k) => r.history[k].steps.length).sort();
  chartsTitle.hidden = chartsHint.hidden = chartBar.hidden = !keys.length;
  for (const [k, chart] of chartByMetric) if (!keys.includes(k)) { chart.destroy(); chartByMetric.delete(k); }
  for (const k of keys) {
    const lines = [{ label: k, colorIndex: 0, data: r.history[k] }];
    const chart = chartByMetric.get(k);
    if (chart) chart.update(lines);
    else {
      const made = lineChart(k, lines, { options: chartOptions });
      chartByMetric.set(k, made);
      charts.append(made.element);
    }
  }
}

/** A metric value as sent (non-finite ones as text) as the tree and the command line show it: NaN, ∞, -∞. */
function shown(v: number | string | null): string {
  return formatMetric(typeof v === 'string' ? Number(v) : v);
}
