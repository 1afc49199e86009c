/**
 * A metric over steps (or time), one line per run, drawn with uPlot: themed from VS Code's colours,
 * drag to zoom (double-click resets), a tooltip with every line's value at the hovered point, and
 * the panel's chart options (src/core/charts/lines.ts): smoothing with the raw line faint behind, a
 * log y scale, the x axis as step, relative or wall time, and a y range that ignores outliers.
 */
import uPlot from 'uplot';
import type { Series } from '../protocol';
import { formatDuration, formatMetric, formatTick } from '../../core/runs/format';
import { chartData, DEFAULT_CHART_OPTIONS, groupedChartData, type ChartData, type ChartOptions, type GroupedChartData } from '../../core/charts/lines';
import type { BandKind } from '../../core/runs/groups';
import { cssVar, onThemeChange, seriesColor, seriesDash } from './theme';
import { h } from './dom';

export interface Line { label: string; colorIndex: number; data: Series | null }

/** Lines drawn as one: their mean, with a band (the runs of one configuration over seeds). */
export interface LineGroup { label: string; colorIndex: number; members: number[] }

export interface ChartSetup {
  syncKey?: string;
  options?: ChartOptions;
  /** Draw these groups of the lines instead of the lines themselves. */
  groups?: LineGroup[];
  band?: BandKind;
}

export interface Chart {
  readonly element: HTMLElement;
  update(lines: Line[]): void;
  setOptions(options: ChartOptions): void;
  destroy(): void;
}

const STEP_INCREMENTS = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1e3, 2e3, 5e3, 1e4, 2e4, 5e4, 1e5, 2e5, 5e5, 1e6, 2e6, 5e6, 1e7];
const SECOND_INCREMENTS = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400, 172800, 604800];
const HEIGHT = 220;
/** How faint the raw lines are behind the smoothed ones. */
const RAW_ALPHA = 0.25;
const X_LABEL = { step: 'step', relative: 'time since the run\'s first point', wall: 'time' } as const;
const charts = new Set<{ redraw(): void }>();
onThemeChange(() => { for (const c of charts) c.redraw(); });

export function lineChart(title: string, lines: Line[], { syncKey, options = DEFAULT_CHART_OPTIONS, groups, band = 'std' }: ChartSetup = {}): Chart {
  const tooltip = h('div', { className: 'chart-tooltip', attrs: { role: 'status' } });
  const body = h('div', { className: 'chart-body' });
  const note = h('span', { className: 'chart-note' });
  const element = h('figure', { className: 'chart', attrs: { 'aria-label': `${title} over ${X_LABEL[options.x]}` } },
    h('figcaption', null, h('span', { className: 'chart-title' }, title), note), body);
  let current = lines;
  let opts = options;
  let data: ChartData;
  let grouped: GroupedChartData | undefined;
  const compute = () => {
    data = chartData(current.map((l) => l.data), opts);
    grouped = groups ? groupedChartData(data, groups.map((g) => g.members), band, opts) : undefined;
  };
  compute();
  let plot: uPlot | undefined;
  const range = () => (grouped ? grouped.yRange : data.yRange);

  const aligned = (): uPlot.AlignedData => (grouped
    ? [grouped.x, ...grouped.groups.flatMap((g) => [g.lo, g.hi, g.mean])]
    : [data.x, ...data.raw, ...(data.smoothed ?? [])]) as uPlot.AlignedData;
  const describe = () => {
    const notes: string[] = [];
    const logged = current.reduce((n, l) => n + (l.data?.logged ?? 0), 0);
    const shown = current.reduce((n, l) => n + (l.data?.steps.length ?? 0), 0);
    // Fewer points drawn than logged: a step logged twice shows once (its latest value), and long
    // series are thinned keeping each stretch's highs and lows.
    if (logged > shown) notes.push(`${shown} of ${logged} points shown: one per step, long series thinned keeping highs and lows`);
    if (data.hiddenByLog) notes.push(`${data.hiddenByLog} value${data.hiddenByLog === 1 ? '' : 's'} ≤ 0 not on the log scale`);
    note.textContent = notes.join('; ');
    element.setAttribute('aria-label', `${title} over ${X_LABEL[opts.x]}`);
  };

  const build = () => {
    plot?.destroy();
    const width = Math.max(200, body.clientWidth || 400);
    plot = new uPlot(groups ? groupOptions(width, groups, opts, range, syncKey, tooltip, band) : plotOptions(width, current, opts, range, syncKey, tooltip), aligned(), body);
    plot.over.append(tooltip);
    describe();
  };
  const resize = new ResizeObserver(() => {
    if (!plot) { if (body.clientWidth) build(); return; }
    const width = Math.max(200, body.clientWidth);
    if (width !== plot.width) plot.setSize({ width, height: HEIGHT });
  });
  resize.observe(body);
  const handle = { redraw: () => { if (plot) build(); } };
  charts.add(handle);

  /** New data for the same uPlot series: keeps the user's zoom on x, and sets y to the new range. */
  const refill = () => {
    plot!.setData(aligned(), false);
    const r = range();
    if (r) plot!.setScale('y', { min: r[0], max: r[1] });
    describe();
  };

  return {
    element,
    update(next) {
      const sameLines = next.length === current.length && next.every((l, i) => l.label === current[i].label && l.colorIndex === current[i].colorIndex);
      current = next;
      compute();
      // Same lines, new points (a running run): keep the user's zoom.
      if (plot && sameLines) refill();
      else if (plot) build();
      else describe();
    },
    setOptions(next) {
      const before = opts;
      opts = next;
      compute();
      if (!plot) { describe(); return; }
      // Another smoothing weight only: the same series with new values, redrawn in place.
      const sameSeries = before.x === next.x && before.logY === next.logY && ((before.smoothing > 0) === (next.smoothing > 0) || !!groups);
      if (sameSeries) refill();
      else build();
    },
    destroy() {
      resize.disconnect();
      charts.delete(handle);
      plot?.destroy();
      element.remove();
    },
  };
}

/** What every chart's options share: size, cursor, scales and axes. */
function commonOptions(width: number, o: ChartOptions, range: () => [number, number] | null, syncKey: string | undefined): Omit<uPlot.Options, 'series'> {
  const fg = cssVar('--vscode-descriptionForeground');
  const grid = cssVar('--vscode-editorIndentGuide-background1', '--vscode-panel-border');
  const font = `${cssVar('--vscode-font-size') || '12px'} ${cssVar('--vscode-font-family') || 'sans-serif'}`;
  const axis = { stroke: fg, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid, width: 1 }, font };
  const xAxis: uPlot.Axis = o.x === 'step'
    ? { ...axis, label: X_LABEL.step, labelFont: font, labelSize: 18, incrs: STEP_INCREMENTS }
    : o.x === 'relative'
      ? { ...axis, label: X_LABEL.relative, labelFont: font, labelSize: 18, incrs: SECOND_INCREMENTS, values: (_u, ticks) => ticks.map((t) => formatDuration(t * 1000)) }
      : { ...axis, label: X_LABEL.wall, labelFont: font, labelSize: 18 };
  return {
    width, height: HEIGHT,
    legend: { show: false },
    cursor: { drag: { x: true, y: false }, sync: syncKey ? { key: syncKey } : undefined, points: { size: 6 } },
    scales: {
      // One point alone still gets an axis around it.
      x: { time: o.x === 'wall', range: (_u, min, max) => (min === max ? [min - 1, max + 1] : [min, max]) },
      y: {
        distr: o.logY ? 3 : 1,
        range: (_u, min, max) => range() ?? (o.logY ? [Math.max(min, 1e-12), Math.max(max, 1e-11)] : [min, max]),
      },
    },
    axes: [
      xAxis,
      // Ticks are round numbers uPlot chose: written with the decimals of their step (0.75, 0.80);
      // on a log scale, powers of ten as the metrics are written.
      { ...axis, size: 60, values: (_u, ticks, _axis, _space, step) => ticks.map((t) => (o.logY ? logTick(t) : formatTick(t, step))) },
    ],
  };
}

function plotOptions(width: number, lines: Line[], o: ChartOptions, range: () => [number, number] | null, syncKey: string | undefined, tooltip: HTMLElement): uPlot.Options {
  const smoothing = o.smoothing > 0;
  const line = (l: Line, raw: boolean): uPlot.Series => ({
    label: raw && smoothing ? `${l.label} (raw)` : l.label,
    stroke: seriesColor(l.colorIndex), width: raw && smoothing ? 1 : 1.5, dash: seriesDash(l.colorIndex),
    alpha: raw && smoothing ? RAW_ALPHA : 1,
    spanGaps: false, points: { show: !smoothing && (l.data?.steps.length ?? 0) < 30 },
  });
  return {
    ...commonOptions(width, o, range, syncKey),
    series: [{ label: X_LABEL[o.x] }, ...lines.map((l) => line(l, true)), ...(smoothing ? lines.map((l) => line(l, false)) : [])],
    hooks: { setCursor: [(u) => showTooltip(u, tooltip, lines, o)] },
  };
}

/** A log axis labels 1, 2 and 5 times a power of ten (0.1, 0.2, 0.5, 1…); its other ticks stay unlabelled. */
function logTick(t: number): string {
  const power = 10 ** Math.floor(Math.log10(t) + 1e-9);
  const mantissa = Math.round(t / power);
  return mantissa === 1 || mantissa === 2 || mantissa === 5 ? formatTick(t, power) : '';
}

/** A group as three series: the band's lower and upper edge (not stroked; the band fills between them), and the mean line. */
function groupOptions(width: number, groups: LineGroup[], o: ChartOptions, range: () => [number, number] | null, syncKey: string | undefined, tooltip: HTMLElement, band: BandKind): uPlot.Options {
  const edge = (label: string): uPlot.Series => ({ label, stroke: 'transparent', width: 0, points: { show: false }, spanGaps: false });
  return {
    ...commonOptions(width, o, range, syncKey),
    series: [{ label: X_LABEL[o.x] }, ...groups.flatMap((g) => [edge(`${g.label} low`), edge(`${g.label} high`), {
      label: g.label, stroke: seriesColor(g.colorIndex), width: 2, dash: seriesDash(g.colorIndex), spanGaps: false, points: { show: false },
    }])],
    bands: groups.map((g, i) => ({ series: [1 + i * 3 + 1, 1 + i * 3] as [number, number], fill: translucent(seriesColor(g.colorIndex), 0.2) })),
    hooks: { setCursor: [(u) => showGroupTooltip(u, tooltip, groups, o, band)] },
  };
}

/** A theme colour (#rgb, #rrggbb or rgb()) with an alpha, for a band's fill. */
export function translucent(color: string, alpha: number): string {
  const hex = /^#([0-9a-f]{3}|[0-9a-f]{6})([0-9a-f]{2})?$/i.exec(color.trim());
  if (hex) {
    const d = hex[1].length === 3 ? hex[1].split('').map((c) => c + c).join('') : hex[1];
    return `rgba(${parseInt(d.slice(0, 2), 16)}, ${parseInt(d.slice(2, 4), 16)}, ${parseInt(d.slice(4, 6), 16)}, ${alpha})`;
  }
  const rgb = /^rgba?\(([^,]+),([^,]+),([^,)]+)/i.exec(color.trim());
  return rgb ? `rgba(${rgb[1]}, ${rgb[2]}, ${rgb[3]}, ${alpha})` : color;
}

function showGroupTooltip(u: uPlot, tooltip: HTMLElement, groups: LineGroup[], o: ChartOptions, band: BandKind): void {
  const idx = u.cursor.idx;
  if (idx === null || idx === undefined || u.cursor.left === undefined || u.cursor.left < 0) { tooltip.style.display = 'none'; return; }
  const rows = groups.map((g, i) => ({ g, lo: u.data[1 + i * 3][idx], hi: u.data[2 + i * 3][idx], mean: u.data[3 + i * 3][idx] }))
    .filter((r) => typeof r.mean === 'number')
    .sort((a, b) => (b.mean as number) - (a.mean as number)).slice(0, 12);
  tooltip.replaceChildren(
    h('div', { className: 'chart-tooltip-step' }, `${xText(u.data[0][idx], o)} · mean ${band === 'std' ? '± std' : '(min–max)'}`),
    ...rows.map(({ g, lo, hi, mean }) => h('div', { className: 'chart-tooltip-row' },
      h('span', { className: 'swatch', style: { background: seriesColor(g.colorIndex) } }),
      h('span', { className: 'chart-tooltip-label' }, `${g.label} (n=${g.members.length})`),
      h('span', { className: 'chart-tooltip-value' }, formatMetric(mean as number)),
      h('span', { className: 'chart-tooltip-raw' }, band === 'std' ? `± ${formatMetric(((hi as number) - (lo as number)) / 2)}` : `${formatMetric(lo as number)}–${formatMetric(hi as number)}`))),
  );
  place(u, tooltip);
}

function place(u: uPlot, tooltip: HTMLElement): void {
  tooltip.style.display = 'block';
  // Beside the cursor, on whichever side has room.
  const left = u.cursor.left! + 12;
  tooltip.style.left = `${left + tooltip.offsetWidth > u.over.clientWidth ? Math.max(0, u.cursor.left! - tooltip.offsetWidth - 12) : left}px`;
  tooltip.style.top = `${Math.max(0, (u.cursor.top ?? 0) - 10)}px`;
}

function xText(x: number, o: ChartOptions): string {
  if (o.x === 'step') return `step ${x}`;
  if (o.x === 'relative') return `${formatDuration(x * 1000)} after the first point`;
  return new Date(x * 1000).toLocaleString();
}

function showTooltip(u: uPlot, tooltip: HTMLElement, lines: Line[], o: ChartOptions): void {
  const idx = u.cursor.idx;
  if (idx === null || idx === undefined || u.cursor.left === undefined || u.cursor.left < 0) { tooltip.style.display = 'none'; return; }
  const smoothing = o.smoothing > 0;
  // Smoothing: the smoothed value, the raw one beside it.
  const rows = lines.map((l, i) => ({ l, v: u.data[(smoothing ? lines.length : 0) + i + 1][idx], raw: u.data[i + 1][idx] }))
    .filter((r): r is { l: Line; v: number | null; raw: number | null } => r.v !== undefined)
    .sort((a, b) => (b.v ?? -Infinity) - (a.v ?? -Infinity));
  const shown = rows.slice(0, 12);
  tooltip.replaceChildren(
    h('div', { className: 'chart-tooltip-step' }, xText(u.data[0][idx], o)),
    ...shown.map(({ l, v, raw }) => h('div', { className: 'chart-tooltip-row' },
      h('span', { className: 'swatch', style: { background: seriesColor(l.colorIndex) } }),
      h('span', { className: 'chart-tooltip-label' }, l.label),
      h('span', { className: 'chart-tooltip-value' }, v === null ? 'NaN' : formatMetric(v)),
      smoothing ? h('span', { className: 'chart-tooltip-raw' }, raw === null || raw === undefined ? '' : `raw ${formatMetric(raw)}`) : null)),
  );
  if (rows.length > shown.length) tooltip.append(h('div', { className: 'chart-tooltip-more' }, `and ${rows.length - shown.length} more`));
  place(u, tooltip);
}
