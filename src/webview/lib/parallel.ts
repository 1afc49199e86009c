/**
 * Parallel coordinates, drawn as SVG: one vertical axis per parameter and a last one for the chosen
 * metric, one line per run, coloured from worse to better on the theme's red-to-green. Numeric
 * parameters get a linear axis (logarithmic when positive and spanning more than two decades),
 * anything else evenly spaced categories.
 */
import { formatMetric } from '../../core/runs/format';
import { svg } from './dom';

export interface ParallelRun { label: string; params: Record<string, string>; metric: number | null }

interface Axis { key: string; position(value: string | number | undefined): number | undefined; ticks: { y: number; text: string }[] }

const HEIGHT = 300;
const TOP = 28;
const BOTTOM = 16;
const SIDE = 48;

export function parallelCoordinates(runs: ParallelRun[], paramKeys: string[], metric: string, higherIsBetter: boolean, width: number, onPick: (index: number) => void): SVGSVGElement {
  const plotH = HEIGHT - TOP - BOTTOM;
  const axes = [
    ...paramKeys.map((k) => axisFor(k, runs.map((r) => r.params[k]), plotH)),
    numericAxis(metric, runs.map((r) => r.metric).filter((v): v is number => v !== null), plotH),
  ];
  const step = axes.length > 1 ? (width - 2 * SIDE) / (axes.length - 1) : 0;
  const x = (i: number) => SIDE + i * step;
  const values = runs.map((r) => r.metric).filter((v): v is number => v !== null);
  const lo = Math.min(...values);
  const hi = Math.max(...values);
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
    const path = svg('path', { d, class: r.metric === null ? 'parallel-line missing' : 'parallel-line', tabindex: 0 },
      svg('title', {}, `${r.label}: ${metric} ${r.metric === null ? 'not logged' : formatMetric(r.metric)}`));
    if (r.metric !== null) {
      const t = hi > lo ? (r.metric - lo) / (hi - lo) : 1;
      const good = Math.round((higherIsBetter ? t : 1 - t) * 100);
      path.style.stroke = `color-mix(in srgb, var(--vscode-charts-green) ${good}%, var(--vscode-charts-red))`;
    }
    path.addEventListener('click', () => onPick(i));
    path.addEventListener('keydown', (e) => { if (e.key === 'Enter') onPick(i); });
    lines.append(path);
  });
  root.append(lines);

  axes.forEach((a, j) => {
    const g = svg('g', { class: j === axes.length - 1 ? 'parallel-axis metric' : 'parallel-axis', transform: `translate(${x(j).toFixed(1)},${TOP})` },
      svg('line', { x1: 0, y1: 0, x2: 0, y2: plotH }),
      svg('text', { class: 'parallel-axis-title', y: -12, 'text-anchor': 'middle' }, a.key));
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
  const cats = [...new Set(present)].sort((a, b) => a.localeCompare(b, undefined, { numeric: true }));
  const y = (c: string) => (cats.length === 1 ? plotH / 2 : (cats.indexOf(c) / (cats.length - 1)) * plotH);
  return {
    key,
    position: (v) => (v === undefined ? undefined : y(String(v))),
    ticks: (cats.length > 12 ? cats.filter((_, i) => i % Math.ceil(cats.length / 12) === 0) : cats).map((c) => ({ y: y(c), text: c.length > 14 ? `${c.slice(0, 13)}…` : c })),
  };
}

function numericAxis(key: string, nums: number[], plotH: number): Axis {
  if (!nums.length) return { key, position: () => undefined, ticks: [] };
  const lo = Math.min(...nums);
  const hi = Math.max(...nums);
  const log = lo > 0 && hi / lo > 100;
  const f = (v: number) => (log ? Math.log10(v) : v);
  const span = f(hi) - f(lo);
  // Larger values at the top, as on any chart.
  const y = (v: number) => (span === 0 ? plotH / 2 : plotH - ((f(v) - f(lo)) / span) * plotH);
  const ticks = span === 0 ? [lo] : Array.from({ length: 5 }, (_, i) => (log ? 10 ** (f(lo) + (span * i) / 4) : lo + ((hi - lo) * i) / 4));
  return {
    key,
    position: (v) => { const n = typeof v === 'number' ? v : v === undefined ? NaN : Number(v); return Number.isFinite(n) ? y(n) : undefined; },
    ticks: ticks.map((t) => ({ y: y(t), text: formatMetric(t) })),
  };
}
