// The runs table: one row per run, a column per parameter and metric. Virtualised: the page holds
// only the rows on screen and asks the host for row ranges as it scrolls, so 100k runs scroll as
// smoothly as 100. Click a header to sort, a value to filter by it.
import baseCss from './lib/base.css';
import tableCss from './table.css';
import type { TableFromWebview, TableRow, TableState, TableToWebview, TableColumns } from './protocol';
import { addStyles, connect } from './lib/host';
import { button, h } from './lib/dom';
import { addClause, clause, type ClauseField } from './lib/filterClause';
import { formatAge, formatMetric } from '../core/runs/format';
import { groupingControls, groupsTable, NO_GROUPING, type GroupingState } from './lib/groups';
import { columnChooser } from './lib/columnChooser';
import { importanceBars } from './lib/importance';
import { arrangeColumns, columnId, EMPTY_LAYOUT, parseColumnId, type ColumnLayout } from '../core/runs/columnLayout';

addStyles(baseCss, tableCss);

const ROW_H = 24;
const PAGE = 100;
const OVERSCAN = 10;

/** `left`: where a column stuck to the left edge sits (the checkbox, the run's name and pinned columns). */
type Column = { left?: number } & (
  | { kind: 'select' } | { kind: 'name' } | { kind: 'status' } | { kind: 'started' }
  | { kind: 'param'; key: string; i: number } | { kind: 'metric'; key: string; i: number });

const WIDTH = { select: 28, name: 200, status: 84, started: 84, param: 112, metric: 112 } as const;

let generation = -1;
let total = 0;
let columns: Column[] = [];
let state: TableState = { sort: null, filter: '' };
let pages = new Map<number, TableRow[]>();
/** The previous generation's rows, shown until fresh ones arrive when only the data changed. */
let stale = new Map<number, TableRow[]>();
const asked = new Set<number>();
const selected = new Set<string>();
const shown = new Map<number, HTMLElement>();

const saved: { scrollTop: number; grouping: GroupingState } = { scrollTop: 0, grouping: NO_GROUPING };
const filterInput = h('input', { className: 'filter', attrs: { placeholder: "Filter, e.g. params.lr = 0.01 and metrics.accuracy > 0.8 (or click a value)", 'aria-label': 'Filter runs', spellcheck: 'false' } });
const count = h('span', { className: 'muted count', attrs: { role: 'status' } });
const compareButton = button('Compare selected', () => host.post({ type: 'compare', uids: [...selected] }), { attrs: { disabled: true } });
const errorLine = h('div', { className: 'error-text', attrs: { role: 'alert' } });
const headerRow = h('div', { className: 'row header', attrs: { role: 'row', 'aria-rowindex': 1 } });
const rowsLayer = h('div', { className: 'rows', attrs: { role: 'rowgroup' } });
const spacer = h('div', { className: 'spacer' }, rowsLayer);
const viewport = h('div', { className: 'viewport', attrs: { role: 'grid', tabindex: 0 } }, headerRow, spacer);
const title = h('h1');
let layout: ColumnLayout = EMPTY_LAYOUT;
const chooserBox = h('div', { className: 'column-chooser', attrs: { role: 'dialog', 'aria-label': 'Columns' } });
chooserBox.hidden = true;
const chooserButton = button('Columns…', () => toggleChooser(), { className: 'secondary', attrs: { 'aria-expanded': 'false' } });
/** Parameter importance: which parameters the chosen metric varies with, over the runs the filter keeps. */
const importanceBox = h('section', { className: 'importance-box', attrs: { 'aria-label': 'Parameter importance' } });
importanceBox.hidden = true;
const importanceButton = button('Importance…', () => toggleImportance(), { className: 'secondary', attrs: { 'aria-expanded': 'false' } });
let importanceMetric: string | undefined;
function toggleImportance(open = importanceBox.hidden): void {
  importanceBox.hidden = !open;
  importanceButton.setAttribute('aria-expanded', String(open));
  if (open) askImportance();
}
function askImportance(): void {
  if (importanceBox.hidden) return;
  const metrics = currentColumns.metrics;
  if (!metrics.length) { importanceBox.replaceChildren(h('p', { className: 'muted' }, 'No metrics logged: nothing to weigh the parameters against.')); return; }
  if (!importanceMetric || !metrics.includes(importanceMetric)) importanceMetric = state.sort?.kind === 'metric' ? state.sort.key : metrics[0];
  importanceBox.replaceChildren(importanceHeader(), h('p', { className: 'muted' }, 'Weighing the parameters…'));
  host.post({ type: 'importance', metric: importanceMetric });
}
function importanceHeader(): HTMLElement {
  const select = h('select', { attrs: { 'aria-label': 'Importance for metric' } }, ...currentColumns.metrics.map((k) => {
    const o = h('option', { attrs: { value: k } }, k);
    o.selected = k === importanceMetric;
    return o;
  }));
  select.addEventListener('change', () => { importanceMetric = select.value; askImportance(); });
  return h('h2', null, 'Which parameters matter for ', select);
}
function toggleChooser(open = chooserBox.hidden): void {
  chooserBox.hidden = !open;
  chooserButton.setAttribute('aria-expanded', String(open));
  if (open) showChooser(true);
}
function showChooser(focus = false): void {
  if (chooserBox.hidden) return;
  const ids = allColumnIds(currentColumns);
  chooserBox.replaceChildren(columnChooser(ids, layout, setLayout, () => toggleChooser(false), focus));
}
/** A change from the chooser: shown at once, kept for the experiment by the host. */
function setLayout(next: ColumnLayout): void {
  layout = next;
  setColumns(currentColumns);
  clearRows();
  redraw();
  showChooser();
  host.post({ type: 'columns', layout });
}
/** Groups over seeds: the controls, and the table of groups that stands in for the rows while grouping. */
const groupingBar = h('div');
const groupsBox = h('div', { className: 'scroll groups-box', attrs: { 'aria-label': 'Groups' } });
document.getElementById('root')!.append(title,
  h('div', { className: 'toolbar' }, filterInput, button('Apply', () => query({ ...state, filter: filterInput.value })),
    button('Clear', () => { filterInput.value = ''; query({ ...state, filter: '' }); }, { className: 'secondary' }), count, chooserButton, importanceButton, compareButton),
  chooserBox, importanceBox, errorLine, groupingBar, groupsBox, viewport);
filterInput.addEventListener('keydown', (e) => { if (e.key === 'Enter') query({ ...state, filter: filterInput.value }); });

const host = connect<TableToWebview, TableFromWebview, typeof saved>(onMessage);
Object.assign(saved, host.state() ?? {});
saved.grouping ??= NO_GROUPING;

let lastGroups: Extract<TableToWebview, { type: 'groups' }> | undefined;

function setGrouping(g: GroupingState): void {
  saved.grouping = g;
  host.saveState(saved);
  showGrouping();
  if (g.on) host.post({ type: 'groups', ignored: g.ignored });
}

/** The controls always; while grouping, the groups instead of the rows. */
function showGrouping(): void {
  const g = saved.grouping;
  groupingBar.replaceChildren(groupingControls(lastGroups?.keys ?? currentColumns.params, lastGroups?.defaults ?? [], g, setGrouping, false));
  viewport.hidden = g.on;
  groupsBox.hidden = !g.on;
  if (!g.on || !lastGroups) { groupsBox.replaceChildren(); return; }
  const m = lastGroups;
  groupsBox.replaceChildren(
    h('p', { className: 'hint' }, `${m.groups.length} group${m.groups.length === 1 ? '' : 's'} of ${m.grouped.toLocaleString()} run${m.grouped === 1 ? '' : 's'}${m.grouped < m.total ? ` (the first ${m.grouped.toLocaleString()} of ${m.total.toLocaleString()} in the table's order)` : ''}; each metric's last value per run, as mean ± sample standard deviation over the group.`),
    groupsTable(m.groups, m.metrics));
}

function onMessage(m: TableToWebview): void {
  if (m.type === 'importance') {
    if (m.metric !== importanceMetric || importanceBox.hidden) return;
    const note = m.runs.length < m.total ? ` (the first ${m.runs.length.toLocaleString()} of ${m.total.toLocaleString()} in the table's order)` : ' (the runs the filter keeps; each run\'s last value)';
    importanceBox.replaceChildren(importanceHeader(), importanceBars(m.runs, m.metric, note));
    return;
  }
  if (m.type === 'groups') {
    // The defaults are known now: a grouping that asked for them shows them ticked.
    lastGroups = m;
    showGrouping();
    return;
  }
  if (m.type === 'rows') {
    if (m.generation !== generation) return;
    for (let i = 0; i < m.rows.length; i += PAGE) pages.set(Math.floor((m.offset + i) / PAGE), m.rows.slice(i, i + PAGE));
    redraw();
    return;
  }
  const firstReset = generation < 0;
  const sameLayout = JSON.stringify(m.layout) === JSON.stringify(layout);
  layout = m.layout;
  const sameQuery = JSON.stringify(m.state) === JSON.stringify(state) && sameColumns(m.columns) && sameLayout;
  stale = sameQuery ? (pages.size ? pages : stale) : new Map();
  pages = new Map();
  asked.clear();
  generation = m.generation;
  total = m.total;
  state = m.state;
  title.textContent = `Runs of ${m.experiment}`;
  if (document.activeElement !== filterInput || !m.error) filterInput.value = m.error ? filterInput.value : state.filter;
  filterInput.classList.toggle('invalid', !!m.error);
  errorLine.textContent = m.error ?? '';
  count.textContent = `${total.toLocaleString()} run${total === 1 ? '' : 's'}${state.filter ? ' match' + (total === 1 ? 'es' : '') : ''}`;
  viewport.setAttribute('aria-rowcount', String(total + 1));
  if (!sameQuery) { setColumns(m.columns); showChooser(); askImportance(); }
  spacer.style.height = `${total * ROW_H}px`;
  clearRows();
  // A page VS Code reloaded goes back to where it was; a new order or filter starts at the top.
  if (firstReset) viewport.scrollTop = saved.scrollTop;
  else if (!sameQuery) viewport.scrollTop = 0;
  document.getElementById('root')!.setAttribute('aria-busy', 'false');
  // Another filter, or new runs: the groups are worked out again.
  if (saved.grouping.on) host.post({ type: 'groups', ignored: saved.grouping.ignored });
  showGrouping();
  redraw();
}

let currentColumns: TableColumns = { params: [], metrics: [] };
function sameColumns(c: TableColumns): boolean { return JSON.stringify(c) === JSON.stringify(currentColumns); }

function allColumnIds(c: TableColumns): string[] {
  return [...c.params.map((k) => columnId('param', k)), ...c.metrics.map((k) => columnId('metric', k))];
}

/** The columns as the layout has them: checkbox and name, the pinned ones (all stuck to the left), status, start, the rest. */
function setColumns(c: TableColumns): void {
  currentColumns = c;
  const { pinned, rest } = arrangeColumns(allColumnIds(c), layout);
  const toColumn = (id: string): Column => {
    const { kind, key } = parseColumnId(id)!;
    return { kind, key, i: (kind === 'param' ? c.params : c.metrics).indexOf(key) };
  };
  const stuck: Column[] = [{ kind: 'select' }, { kind: 'name' }, ...pinned.map(toColumn)];
  let left = 0;
  for (const col of stuck) { col.left = left; left += WIDTH[col.kind]; }
  columns = [...stuck, { kind: 'status' }, { kind: 'started' }, ...rest.map(toColumn)];
  viewport.style.setProperty('--columns', columns.map((col) => `${WIDTH[col.kind]}px`).join(' '));
  viewport.style.setProperty('--row-width', `${columns.reduce((w, col) => w + WIDTH[col.kind], 0)}px`);
  headerRow.replaceChildren(...columns.map((col, i) => stick(headerCell(col, i), col)));
}

/** A cell of a column stuck to the left edge stays there when the table scrolls sideways. */
function stick(el: HTMLElement, col: Column): HTMLElement {
  if (col.left === undefined) return el;
  el.classList.add('stuck');
  if (col.kind !== 'select' && col.kind !== 'name') el.classList.add('pinned');
  el.style.left = `${col.left}px`;
  return el;
}

function headerCell(col: Column, index: number): HTMLElement {
  if (col.kind === 'select') return h('div', { className: 'cell', attrs: { role: 'columnheader', 'aria-colindex': index + 1 } });
  const sortKey = col.kind === 'param' || col.kind === 'metric' ? { kind: col.kind, key: col.key } : col.kind === 'started' ? { kind: 'field' as const, key: 'start_time' as const } : { kind: 'field' as const, key: col.kind };
  const s = state.sort;
  const active = s ? s.kind === sortKey.kind && s.key === sortKey.key : col.kind === 'started';
  const descending = s ? s.descending : true;
  const label = col.kind === 'param' || col.kind === 'metric' ? col.key : col.kind === 'name' ? 'run' : col.kind;
  const arrow = active ? (descending ? ' ▼' : ' ▲') : '';
  return h('div', { className: `cell ${col.kind}`, attrs: { role: 'columnheader', 'aria-colindex': index + 1, 'aria-sort': active ? (descending ? 'descending' : 'ascending') : 'none' } },
    h('button', {
      className: 'sort', title: `Sort by ${col.kind === 'metric' ? 'metric' : col.kind === 'param' ? 'parameter' : ''} ${label}`.replace('  ', ' '),
      on: { click: () => query({ ...state, sort: { ...sortKey, descending: active ? !descending : col.kind === 'metric' || col.kind === 'started' } as TableState['sort'] }) },
    }, col.kind === 'metric' ? h('span', { className: 'kind' }, 'm ') : col.kind === 'param' ? h('span', { className: 'kind' }, 'p ') : null, label, arrow));
}

function query(next: TableState): void {
  host.post({ type: 'query', state: next });
}

function clearRows(): void {
  for (const el of shown.values()) el.remove();
  shown.clear();
}

let frame = 0;
viewport.addEventListener('scroll', () => {
  if (frame) return;
  frame = requestAnimationFrame(() => { frame = 0; redraw(); saved.scrollTop = viewport.scrollTop; host.saveState(saved); });
});
new ResizeObserver(() => redraw()).observe(viewport);

/** Shows the rows in view (and a few around them), asking the host for the pages it lacks. */
function redraw(): void {
  if (generation < 0) return;
  const top = Math.max(0, viewport.scrollTop - ROW_H);
  const first = Math.max(0, Math.floor(top / ROW_H) - OVERSCAN);
  const last = Math.min(total - 1, Math.ceil((top + viewport.clientHeight) / ROW_H) + OVERSCAN);
  for (const [i, el] of shown) if (i < first || i > last || el.dataset.fresh !== String(pages.has(Math.floor(i / PAGE)))) { el.remove(); shown.delete(i); }
  for (let i = first; i <= last; i++) {
    if (shown.has(i)) continue;
    const page = Math.floor(i / PAGE);
    const row = (pages.get(page) ?? stale.get(page))?.[i % PAGE];
    const el = row ? rowElement(row, i) : placeholder(i);
    el.dataset.fresh = String(pages.has(page));
    shown.set(i, el);
    rowsLayer.append(el);
  }
  // Far-away pages go, so a long scroll through 100k runs does not keep them all.
  if (pages.size > 40) {
    for (const p of pages.keys()) if (Math.abs(p * PAGE - first) > 20 * PAGE) { pages.delete(p); asked.delete(p); }
  }
  // Half a page beyond either end, so a steady scroll finds its rows already there.
  const lastPage = Math.floor(Math.min(total - 1, last + PAGE / 2) / PAGE);
  for (let p = Math.floor(Math.max(0, first - PAGE / 2) / PAGE); p <= lastPage; p++) {
    if (pages.has(p) || asked.has(p)) continue;
    asked.add(p);
    host.post({ type: 'rows', generation, offset: p * PAGE, limit: PAGE });
  }
}

function placeholder(i: number): HTMLElement {
  const el = h('div', { className: 'row loading', attrs: { role: 'row', 'aria-rowindex': i + 2 } }, h('div', { className: 'cell' }), h('div', { className: 'cell muted' }, '…'));
  el.style.transform = `translateY(${i * ROW_H}px)`;
  return el;
}

function rowElement(r: TableRow, i: number): HTMLElement {
  const el = h('div', { className: `row${r.deleted ? ' deleted' : ''}${selected.has(r.uid) ? ' selected' : ''}`, attrs: { role: 'row', 'aria-rowindex': i + 2, 'aria-selected': selected.has(r.uid) } },
    ...columns.map((col, c) => stick(cell(r, col, c), col)));
  el.style.transform = `translateY(${i * ROW_H}px)`;
  return el;
}

function cell(r: TableRow, col: Column, c: number): HTMLElement {
  const attrs = { role: 'gridcell', 'aria-colindex': c + 1 };
  switch (col.kind) {
    case 'select': {
      const box = h('input', { attrs: { type: 'checkbox', 'aria-label': `Select ${r.label}` } });
      box.checked = selected.has(r.uid);
      box.addEventListener('change', () => {
        if (box.checked) selected.add(r.uid); else selected.delete(r.uid);
        box.closest('.row')?.classList.toggle('selected', box.checked);
        compareButton.disabled = selected.size < 2;
        compareButton.textContent = selected.size ? `Compare ${selected.size} selected` : 'Compare selected';
      });
      return h('div', { className: 'cell', attrs }, box);
    }
    case 'name':
      return h('div', { className: 'cell name', attrs }, h('button', { className: 'link', title: `Open the details of ${r.label} (run ${r.uid})`, on: { click: () => host.post({ type: 'openRun', uid: r.uid }) } }, r.label));
    case 'status':
      return filterCell(attrs, `status-${r.status}`, r.status, { kind: 'status' }, r.status);
    case 'started':
      return h('div', { className: 'cell muted', attrs, title: r.startTime ? new Date(r.startTime).toLocaleString() : '' }, formatAge(r.startTime));
    case 'param': {
      const v = r.params[col.i];
      return v === null ? h('div', { className: 'cell muted', attrs }, '–') : filterCell(attrs, 'mono', v, { kind: 'param', key: col.key }, v);
    }
    case 'metric': {
      const v = r.metrics[col.i];
      return v === null ? h('div', { className: 'cell muted', attrs }, '–') : filterCell(attrs, 'mono num', formatMetric(v), { kind: 'metric', key: col.key }, v);
    }
  }
}

/** A value that filters by itself when clicked (shift-click: the opposite). */
function filterCell(attrs: Record<string, string | number>, className: string, text: string, field: ClauseField, value: string | number): HTMLElement {
  const numeric = field.kind === 'metric';
  const name = field.kind === 'status' ? 'status' : field.key;
  const hint = numeric ? `Click: only runs with ${name} ≥ ${text}; shift-click: ≤` : `Click: only runs with ${name} = ${text}; shift-click: all others`;
  return h('div', { className: `cell ${className}`, attrs },
    h('button', {
      className: 'value', title: `${text}\n${hint}`,
      on: { click: (e) => query({ ...state, filter: addClause(state.filter, clause(field, numeric ? (e.shiftKey ? '<=' : '>=') : e.shiftKey ? '!=' : '=', value)) }) },
    }, text));
}
