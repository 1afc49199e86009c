/**
 * A metric over steps, one line per run, drawn with uPlot: themed from VS Code's colours, drag to
 * zoom (double-click resets), and a tooltip with every line's value at the hovered step.
 */
import uPlot from 'uplot';
import type { Series } from '../protocol';
import { formatMetric, formatTick } from '../../core/runs/format';
import { cssVar, onThemeChange, seriesColor, seriesDash } from './theme';
import { h } from './dom';

export interface Line { label: string; colorIndex: number; data: Series | null }

export interface Chart {
  readonly element: HTMLElement;
  update(lines: Line[]): void;
  destroy(): void;
}

const STEP_INCREMENTS = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1e3, 2e3, 5e3, 1e4, 2e4, 5e4, 1e5, 2e5, 5e5, 1e6, 2e6, 5e6, 1e7];
const HEIGHT = 220;
const charts = new Set<{ redraw(): void }>();
onThemeChange(() => { for (const c of charts) c.redraw(); });

/**
 * Aligns the lines on the union of their steps. A step a line did not log is `undefined`, which
 * uPlot bridges; a NaN it logged is `null`, which uPlot shows as a gap.
 */
function align(lines: Line[]): uPlot.AlignedData {
  const steps = [...new Set(lines.flatMap((l) => l.data?.steps ?? []))].sort((a, b) => a - b);
  const at = new Map(steps.map((s, i) => [s, i]));
  const columns = lines.map((l) => {
    const col: (number | null | undefined)[] = new Array(steps.length).fill(undefined);
    l.data?.steps.forEach((s, i) => { col[at.get(s)!] = l.data!.values[i]; });
    return col;
  });
  return [steps, ...columns] as uPlot.AlignedData;
}

export function lineChart(title: string, lines: Line[], syncKey?: string): Chart {
  const tooltip = h('div', { className: 'chart-tooltip', attrs: { role: 'status' } });
  const body = h('div', { className: 'chart-body' });
  const thinned = (ls: Line[]) => ls.some((l) => l.data && l.data.logged > l.data.steps.length);
  // Fewer points drawn than logged: a step logged twice shows once (its latest value), and long
  // series are thinned keeping each stretch's highs and lows.
  const thinnedNote = (ls: Line[]) => {
    const logged = ls.reduce((n, l) => n + (l.data?.logged ?? 0), 0);
    const shown = ls.reduce((n, l) => n + (l.data?.steps.length ?? 0), 0);
    return `${shown} of ${logged} points shown: one per step, long series thinned keeping highs and lows`;
  };
  const note = h('span', { className: 'chart-note' });
  const element = h('figure', { className: 'chart', attrs: { 'aria-label': `${title} over steps` } },
    h('figcaption', null, h('span', { className: 'chart-title' }, title), note), body);
  let current = lines;
  let plot: uPlot | undefined;

  const options = (width: number): uPlot.Options => {
    const fg = cssVar('--vscode-descriptionForeground');
    const grid = cssVar('--vscode-editorIndentGuide-background1', '--vscode-panel-border');
    const font = `${cssVar('--vscode-font-size') || '12px'} ${cssVar('--vscode-font-family') || 'sans-serif'}`;
    const axis = { stroke: fg, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid, width: 1 }, font };
    return {
      width, height: HEIGHT,
      legend: { show: false },
      cursor: { drag: { x: true, y: false }, sync: syncKey ? { key: syncKey } : undefined, points: { size: 6 } },
      // Steps are whole numbers; one point alone still gets an axis around it.
      scales: { x: { time: false, range: (_u, min, max) => (min === max ? [min - 1, max + 1] : [min, max]) } },
      axes: [
        { ...axis, label: 'step', labelFont: font, labelSize: 18, incrs: STEP_INCREMENTS },
        // Ticks are round numbers uPlot chose: written with the decimals of their step (0.75, 0.80).
        { ...axis, size: 60, values: (_u, ticks, _axis, _space, step) => ticks.map((t) => formatTick(t, step)) },
      ],
      series: [{ label: 'step' }, ...current.map((l) => ({
        label: l.label, stroke: seriesColor(l.colorIndex), width: 1.5, dash: seriesDash(l.colorIndex),
        spanGaps: false, points: { show: (l.data?.steps.length ?? 0) < 30 },
      }))],
      hooks: { setCursor: [(u) => showTooltip(u, tooltip, current)] },
    };
  };

  const build = () => {
    plot?.destroy();
    const width = Math.max(200, body.clientWidth || 400);
    plot = new uPlot(options(width), align(current), body);
    plot.over.append(tooltip);
    note.textContent = thinned(current) ? thinnedNote(current) : '';
  };
  const resize = new ResizeObserver(() => {
    if (!plot) { if (body.clientWidth) build(); return; }
    const width = Math.max(200, body.clientWidth);
    if (width !== plot.width) plot.setSize({ width, height: HEIGHT });
  });
  resize.observe(body);
  const handle = { redraw: build };
  charts.add(handle);

  return {
    element,
    update(next) {
      const sameLines = next.length === current.length && next.every((l, i) => l.label === current[i].label && l.colorIndex === current[i].colorIndex);
      current = next;
      // Same lines, new points (a running run): keep the user's zoom.
      if (plot && sameLines) plot.setData(align(current), false);
      else if (plot) build();
      note.textContent = thinned(current) ? thinnedNote(current) : '';
    },
    destroy() {
      resize.disconnect();
      charts.delete(handle);
      plot?.destroy();
      element.remove();
    },
  };
}

function showTooltip(u: uPlot, tooltip: HTMLElement, lines: Line[]): void {
  const idx = u.cursor.idx;
  if (idx === null || idx === undefined || u.cursor.left === undefined || u.cursor.left < 0) { tooltip.style.display = 'none'; return; }
  const rows = lines.map((l, i) => ({ l, v: u.data[i + 1][idx] }))
    .filter((r): r is { l: Line; v: number | null } => r.v !== undefined)
    .sort((a, b) => (b.v ?? -Infinity) - (a.v ?? -Infinity));
  const shown = rows.slice(0, 12);
  tooltip.replaceChildren(
    h('div', { className: 'chart-tooltip-step' }, `step ${u.data[0][idx]}`),
    ...shown.map(({ l, v }) => h('div', { className: 'chart-tooltip-row' },
      h('span', { className: 'swatch', style: { background: seriesColor(l.colorIndex) } }),
      h('span', { className: 'chart-tooltip-label' }, l.label),
      h('span', { className: 'chart-tooltip-value' }, v === null ? 'NaN' : formatMetric(v)))),
  );
  if (rows.length > shown.length) tooltip.append(h('div', { className: 'chart-tooltip-more' }, `and ${rows.length - shown.length} more`));
  tooltip.style.display = 'block';
  // Beside the cursor, on whichever side has room.
  const left = u.cursor.left + 12;
  tooltip.style.left = `${left + tooltip.offsetWidth > u.over.clientWidth ? Math.max(0, u.cursor.left - tooltip.offsetWidth - 12) : left}px`;
  tooltip.style.top = `${Math.max(0, (u.cursor.top ?? 0) - 10)}px`;
}
