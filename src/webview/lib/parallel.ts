/**
 * Parallel coordinates, drawn as SVG: one vertical axis per parameter and a last one for the chosen
 * metric, one line per run in the run's own colour (the colour its swatch has everywhere else on the
 * panel). Numeric axes have round ticks, logarithmic ones at powers of ten when the values are
 * positive and span more than a decade (src/core/charts/axis.ts); anything else is evenly spaced
 * categories.
 */
import { formatMetric } from '../../core/runs/format';
import { numericScale } from '../../core/charts/axis';
import { brushed, metricAxis, toggleCategory, withRange, type Brushes } from '../../core/charts/brush';
import { seriesDash, seriesVar } from './theme';
import { svg } from './dom';

export interface ParallelRun { label: string; params: Record<string, string>; metric: number | null }

/** Brushing: the brushes drawn, and what to do when the person drags or clicks on an axis. */
export interface BrushOptions { brushes: Brushes; onChange(brushes: Brushes): void }

interface Axis {
  key: string;
  /** The axis's brush key: the parameter's key, or metric:<key>. */
  id: string;
  title: string;
  position(value: string | number | undefined): number | undefined;
  ticks: { y: number; text: string }[];
  /** A numeric axis: the value at a height. */
  valueAt?: (y: number) => number;
  /** A categorical axis: its categories and where each sits. */
  categories?: { value: string; y: number }[];
}

const HEIGHT = 300;
const TOP = 28;
const BOTTOM = 16;
const SIDE = 48;

/**
 * Runs are drawn in order; run i has the colour (and dash) of series i, as its swatch has. With
 * `brush`, dragging along an axis keeps the runs in that range, clicking a category keeps it (click
 * more to add them), clicking an axis without dragging clears it; runs outside are drawn faint.
 */
export function parallelCoordinates(runs: ParallelRun[], paramKeys: string[], metric: string, higherIsBetter: boolean, width: number, onPick: (index: number) => void, brush?: BrushOptions): SVGSVGElement {
  const plotH = HEIGHT - TOP - BOTTOM;
  const axes = [
    ...paramKeys.map((k) => axisFor(k, runs.map((r) => r.params[k]), plotH)),
    { ...numericAxis(metric, runs.map((r) => r.metric).filter((v): v is number => v !== null), plotH, `${metric} ${higherIsBetter ? '↑' : '↓'}`), id: metricAxis(metric) },
  ];
  const kept = brush ? brushed(runs.map((r) => ({ params: r.params, metrics: { [metric]: r.metric } })), brush.brushes, axes.map((a) => a.id)) : runs.map(() => true);
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
    const path = svg('path', { d, class: `parallel-line${r.metric === null ? ' missing' : ''}${kept[i] ? '' : ' dimmed'}`, tabindex: 0, 'data-series': i },
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
    const chosen = brush?.brushes[a.id];
    for (const t of a.ticks) {
      const picked = chosen?.kind === 'categories' && a.categories?.some((c) => c.y === t.y && chosen.values.includes(c.value));
      g.append(svg('line', { x1: -3, x2: 3, y1: t.y, y2: t.y }), svg('text', { x: 5, y: t.y + 4, class: picked ? 'parallel-tick chosen' : 'parallel-tick' }, t.text));
    }
    if (brush) addBrushing(root, g, a, plotH, brush);
    root.append(g);
  });
  return root;
}

/** The axis's brush as drawn, and a strip along the axis that takes drags and clicks. */
function addBrushing(root: SVGSVGElement, g: SVGGElement, a: Axis, plotH: number, { brushes, onChange }: BrushOptions): void {
  const b = brushes[a.id];
  const band = (y0: number, y1: number, cls: string) => svg('rect', { x: -7, width: 14, y: Math.min(y0, y1), height: Math.max(2, Math.abs(y1 - y0)), class: cls });
  if (b?.kind === 'range' && a.valueAt) {
    const [y0, y1] = [a.position(b.lo), a.position(b.hi)].map((y, i) => Math.min(plotH, Math.max(0, y ?? (i ? 0 : plotH))));
    g.append(band(y0, y1, 'parallel-brush'));
  }
  if (b?.kind === 'categories' && a.categories) {
    for (const c of a.categories) if (b.values.includes(c.value)) g.append(band(c.y - 5, c.y + 5, 'parallel-brush'));
  }
  const hit = svg('rect', { x: -12, width: 24, y: -4, height: plotH + 8, class: 'parallel-hit', 'data-axis': a.id },
    svg('title', {}, a.valueAt ? `Drag along ${a.title} to keep the runs in a range; click to clear` : `Click a value of ${a.title} to keep its runs (click more to add them); drag across several`));
  const yOf = (e: PointerEvent) => Math.min(plotH, Math.max(0, e.clientY - root.getBoundingClientRect().top - TOP));
  hit.addEventListener('pointerdown', (down) => {
    down.preventDefault();
    hit.setPointerCapture(down.pointerId);
    const start = yOf(down);
    const preview = band(start, start, 'parallel-brush pending');
    g.append(preview);
    const move = (e: PointerEvent) => { const y = yOf(e); preview.setAttribute('y', String(Math.min(start, y))); preview.setAttribute('height', String(Math.max(2, Math.abs(y - start)))); };
    const up = (e: PointerEvent) => {
      hit.removeEventListener('pointermove', move);
      hit.removeEventListener('pointerup', up);
      preview.remove();
      const end = yOf(e);
      const dragged = Math.abs(end - start) >= 4;
      if (a.valueAt) { onChange(dragged ? withRange(brushes, a.id, a.valueAt(start), a.valueAt(end)) : withRange(brushes, a.id, 0, 0)); return; }
      const cats = a.categories ?? [];
      if (!dragged) {
        const nearest = cats.reduce<{ value: string; y: number } | undefined>((best, c) => (!best || Math.abs(c.y - end) < Math.abs(best.y - end) ? c : best), undefined);
        if (nearest && Math.abs(nearest.y - end) <= 12) onChange(toggleCategory(brushes, a.id, nearest.value));
        return;
      }
      const [lo, hi] = [Math.min(start, end), Math.max(start, end)];
      const inside = cats.filter((c) => c.y >= lo && c.y <= hi).map((c) => c.value);
      const { [a.id]: _, ...rest } = brushes;
      onChange(inside.length ? { ...rest, [a.id]: { kind: 'categories', values: inside } } : rest);
    };
    hit.addEventListener('pointermove', move);
    hit.addEventListener('pointerup', up);
  });
  g.append(hit);
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
    id: key,
    title: key,
    position: (v) => (v === undefined ? undefined : y(String(v))),
    categories: cats.map((c) => ({ value: c, y: y(c) })),
    ticks: (cats.length > 12 ? cats.filter((_, i) => i % Math.ceil(cats.length / 12) === 0) : cats).map((c) => ({ y: y(c), text: c.length > 14 ? `${c.slice(0, 13)}…` : c })),
  };
}

function numericAxis(key: string, nums: number[], plotH: number, title = key): Axis {
  const scale = numericScale(nums);
  // Larger values at the top, as on any chart.
  const y = (v: number) => { const p = scale.position(v); return p === undefined ? undefined : plotH - p * plotH; };
  return {
    key,
    id: key,
    title,
    valueAt: (yy) => scale.value(1 - yy / plotH),
    position: (v) => { const n = typeof v === 'number' ? v : v === undefined ? NaN : Number(v); return Number.isFinite(n) ? y(n) : undefined; },
    ticks: scale.ticks.map((t) => ({ y: y(t.value)!, text: t.text })),
  };
}
