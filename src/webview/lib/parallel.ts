/**
 * Parallel coordinates, drawn as SVG: one vertical axis per parameter and a last one for the chosen
 * metric, one line per run in the run's own colour (the colour its swatch has everywhere else on the
 * panel). Numeric axes have round ticks, logarithmic ones at powers of ten when the values are
 * positive and span more than a decade (src/core/charts/axis.ts); anything else is evenly spaced
 * categories.
 */
import { formatMetric } from '../../core/runs/format';
import { numericScale } from '../../core/charts/axis';
import { seriesDash, seriesVar } from './theme';
import { svg } from './dom';

export interface ParallelRun { label: string; params: Record<string, string>; metric: number | null }

interface Axis { key: string; title: string; position(value: string | number | undefined): number | undefined; ticks: { y: number; text: string }[] }

const HEIGHT = 300;
const TOP = 28;
const BOTTOM = 16;
const SIDE = 48;

/** Runs are drawn in order; run i has the colour (and dash) of series i, as its swatch has. */
export function parallelCoordinates(runs: ParallelRun[], paramKeys: string[], metric: string, higherIsBetter: boolean, width: number, onPick: (index: number) => void): SVGSVGElement {
  const plotH = HEIGHT - TOP - BOTTOM;
  const axes = [
    ...paramKeys.map((k) => axisFor(k, runs.map((r) => r.params[k]), plotH)),
    numericAxis(metric, runs.map((r) => r.metric).filter((v): v is number => v !== null), plotH, `${metric} ${higherIsBetter ? '↑' : '↓'}`),
  ];
  const step = axes.length > 1 ? (width - 2 * SIDE) / (axes.length - 1) : 0;
  const x = (i: number) => SIDE + i * step;
  const root = svg('svg', { width, height: HEIGHT, viewBox: `0 0 ${width} ${HEIGHT}`, class: 'parallel', role: 'img', 'aria-label': `Parameters against ${metric}` });

  const lines = svg('g', { class: 'parallel-lines' });
  runs.forEach((r, i) => {
    let d = '';
    let pen = false;
    axes.forEach((a, j) => {
      const y = a.position(j < paramKeys.length ? r.params[a.key] : r.metric ?? undefined);
      if (y === undefined) { pen = false; return; }
      d += `${pen ? 'L' : 'M'}${x(j).toFixed(1)},${(TOP + y).toFixed(1)}`;
      pen = true;
    });
    if (!d) return;
    const path = svg('path', { d, class: r.metric === null ? 'parallel-line missing' : 'parallel-line', tabindex: 0, 'data-series': i },
      svg('title', {}, `${r.label}: ${metric} ${r.metric === null ? 'not logged' : formatMetric(r.metric)}`));
    path.style.stroke = `var(${seriesVar(i)})`;
    const dash = seriesDash(i);
    if (dash.length && r.metric !== null) path.style.strokeDasharray = dash.join(' ');
    path.addEventListener('click', () => onPick(i));
    path.addEventListener('keydown', (e) => { if (e.key === 'Enter') onPick(i); });
    lines.append(path);
  });
  root.append(lines);

  axes.forEach((a, j) => {
    const g = svg('g', { class: j === axes.length - 1 ? 'parallel-axis metric' : 'parallel-axis', transform: `translate(${x(j).toFixed(1)},${TOP})` },
      svg('line', { x1: 0, y1: 0, x2: 0, y2: plotH }),
      svg('text', { class: 'parallel-axis-title', y: -12, 'text-anchor': 'middle' }, a.title));
    for (const t of a.ticks) {
      g.append(svg('line', { x1: -3, x2: 3, y1: t.y, y2: t.y }), svg('text', { x: 5, y: t.y + 4, class: 'parallel-tick' }, t.text));
    }
    root.append(g);
  });
  return root;
}

function axisFor(key: string, raw: (string | undefined)[], plotH: number): Axis {
  const present = raw.filter((v): v is string => v !== undefined);
  const nums = present.map(Number);
  if (present.length && nums.every((n, i) => Number.isFinite(n) && present[i].trim() !== '')) return numericAxis(key, nums, plotH);
  // Categories in a stable order; a run without the parameter has no point on this axis.
  const cats = [...new Set(present)].sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
  const y = (c: string) => (cats.length === 1 ? plotH / 2 : (cats.indexOf(c) / (cats.length - 1)) * plotH);
  return {
    key,
    title: key,
    position: (v) => (v === undefined ? undefined : y(String(v))),
    ticks: (cats.length > 12 ? cats.filter((_, i) => i % Math.ceil(cats.length / 12) === 0) : cats).map((c) => ({ y: y(c), text: c.length > 14 ? `${c.slice(0, 13)}…` : c })),
  };
}

function numericAxis(key: string, nums: number[], plotH: number, title = key): Axis {
  const scale = numericScale(nums);
  // Larger values at the top, as on any chart.
  const y = (v: number) => { const p = scale.position(v); return p === undefined ? undefined : plotH - p * plotH; };
  return {
    key,
    title,
    position: (v) => { const n = typeof v === 'number' ? v : v === undefined ? NaN : Number(v); return Number.isFinite(n) ? y(n) : undefined; },
    ticks: scale.ticks.map((t) => ({ y: y(t.value)!, text: t.text })),
  };
}
