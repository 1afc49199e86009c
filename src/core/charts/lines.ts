/**
 * What a metric chart draws, worked out from the series a panel received: the x of every point (a
 * step, seconds since the run's first point, or wall time), smoothing, which points a log scale can
 * show, and the y range. Pure, so the panels' pages and the unit tests share it.
 */
import { groupCurve, type BandKind } from '../runs/groups';

/** How a panel's charts are drawn; kept per panel (its memento), the same for all its charts. */
export interface ChartOptions {
  /** The EMA weight, 0 (off) to 0.99. */
  smoothing: number;
  logY: boolean;
  x: XAxis;
  /** The y range leaves out the lowest and highest 5% of the values. */
  ignoreOutliers: boolean;
}

export type XAxis = 'step' | 'relative' | 'wall';

export const DEFAULT_CHART_OPTIONS: ChartOptions = { smoothing: 0, logY: false, x: 'step', ignoreOutliers: false };

export const MAX_SMOOTHING = 0.99;

/** Options read from a memento or a message, whatever it holds: anything unknown or out of range becomes the default. */
export function chartOptions(raw: unknown): ChartOptions {
  const o = (raw && typeof raw === 'object' ? raw : {}) as Partial<Record<keyof ChartOptions, unknown>>;
  const d = DEFAULT_CHART_OPTIONS;
  const s = typeof o.smoothing === 'number' && Number.isFinite(o.smoothing) ? Math.min(MAX_SMOOTHING, Math.max(0, o.smoothing)) : d.smoothing;
  return {
    smoothing: s,
    logY: typeof o.logY === 'boolean' ? o.logY : d.logY,
    x: o.x === 'step' || o.x === 'relative' || o.x === 'wall' ? o.x : d.x,
    ignoreOutliers: typeof o.ignoreOutliers === 'boolean' ? o.ignoreOutliers : d.ignoreOutliers,
  };
}

/**
 * An exponential moving average, debiased as TensorBoard debiases it (its scalar dashboard's
 * `resmoothDataset`): the average starts at 0 and is divided by 1 - weight^n after n finite points,
 * so the first points are not pulled towards 0. Non-finite values (null) pass through as gaps and do
 * not move the average; a constant series stays as it is.
 */
export function emaSmooth(values: readonly (number | null)[], weight: number): (number | null)[] {
  if (!(weight > 0)) return values.slice();
  const first = values[0];
  if (values.every((v) => v === first)) return values.slice();
  let last = 0;
  let n = 0;
  return values.map((v) => {
    if (v === null || !Number.isFinite(v)) return v;
    last = last * weight + (1 - weight) * v;
    n++;
    return weight === 1 ? last : last / (1 - weight ** n);
  });
}

/** Where a run's points go on the x axis: steps, seconds since its first point, or wall time in seconds (uPlot's unit). */
export function xValues(steps: readonly number[], times: readonly number[], axis: XAxis): number[] {
  if (axis === 'step') return steps.slice();
  if (axis === 'wall') return times.map((t) => t / 1000);
  let t0 = Infinity;
  for (const t of times) if (t < t0) t0 = t;
  return times.map((t) => (t - t0) / 1000);
}

export interface SeriesInput { steps: number[]; times: number[]; values: (number | null)[] }

/** One chart's data: the union of the lines' x values, and per line its raw and (when smoothing) smoothed values on it. */
export interface ChartData {
  x: number[];
  /**
   * Per line, a value per x: a number, null where the run logged NaN (a gap) or a log scale has no
   * place for the value, undefined where the run has no point at that x (bridged).
   */
  raw: (number | null | undefined)[][];
  /** Per line when smoothing is on, else null. */
  smoothed: (number | null | undefined)[][] | null;
  /** The y range to draw, or null to let the chart choose (no values). */
  yRange: [number, number] | null;
  /** Values a log scale cannot show (zero or negative), left out of it. */
  hiddenByLog: number;
}

/** Everything a chart needs from its lines' series under the panel's options. */
export function chartData(lines: readonly (SeriesInput | null)[], o: ChartOptions): ChartData {
  let hiddenByLog = 0;
  const perLine = lines.map((s) => {
    if (!s) return null;
    const xs = xValues(s.steps, s.times, o.x);
    const raw = o.logY ? s.values.map((v) => { if (v !== null && v <= 0) { hiddenByLog++; return null; } return v; }) : s.values;
    const smooth = o.smoothing > 0 ? emaSmooth(raw, o.smoothing) : null;
    return { xs, raw, smooth };
  });
  // Lines often share their x values (the same steps): then no lookups are needed.
  const first = perLine.find((l) => l !== null);
  const shared = !!first && perLine.every((l) => l === null || sameNumbers(l.xs, first.xs));
  const x = shared ? first.xs.slice() : [...new Set(perLine.flatMap((l) => l?.xs ?? []))].sort((a, b) => a - b);
  const at = shared ? null : new Map(x.map((v, i) => [v, i]));
  const place = (xs: number[], vs: (number | null)[]) => {
    if (!at) return vs.slice() as (number | null | undefined)[];
    const col: (number | null | undefined)[] = new Array(x.length).fill(undefined);
    for (let i = 0; i < xs.length; i++) col[at.get(xs[i])!] = vs[i];
    return col;
  };
  const empty = () => new Array(x.length).fill(undefined) as undefined[];
  const raw = perLine.map((l) => (l ? place(l.xs, l.raw) : empty()));
  const smoothed = o.smoothing > 0 ? perLine.map((l) => (l && l.smooth ? place(l.xs, l.smooth) : empty())) : null;
  // The range follows what is drawn boldly: the smoothed lines when smoothing, else the raw ones.
  const ranged = (smoothed ?? raw).flatMap((col) => col.filter((v): v is number => typeof v === 'number' && Number.isFinite(v)));
  return { x, raw, smoothed, yRange: yRange(ranged, o), hiddenByLog };
}

function sameNumbers(a: readonly number[], b: readonly number[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * The y range for these values. Ignoring outliers (as TensorBoard's "ignore outliers in chart
 * scaling" does) the range spans the 5th to the 95th percentile; either way it is padded by 5% of
 * its span (on a log scale, of its span in decades) so lines do not run along the edges.
 */
export function yRange(values: readonly number[], o: Pick<ChartOptions, 'logY' | 'ignoreOutliers'>): [number, number] | null {
  const vs = values.filter((v) => Number.isFinite(v) && (!o.logY || v > 0)).map((v) => (o.logY ? Math.log10(v) : v)).sort((a, b) => a - b);
  if (!vs.length) return null;
  let lo = o.ignoreOutliers ? quantile(vs, 0.05) : vs[0];
  let hi = o.ignoreOutliers ? quantile(vs, 0.95) : vs[vs.length - 1];
  if (lo === hi) { const pad = Math.abs(lo) * 0.1 || (o.logY ? 0.5 : 1); lo -= pad; hi += pad; }
  const pad = (hi - lo) * 0.05;
  lo -= pad;
  hi += pad;
  return o.logY ? [10 ** lo, 10 ** hi] : [lo, hi];
}

/** The q-quantile of sorted values, interpolated linearly between neighbours (as d3.quantile). */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 1) return sorted[0];
  const i = (sorted.length - 1) * q;
  const lo = Math.floor(i);
  return sorted[lo] + (sorted[Math.min(lo + 1, sorted.length - 1)] - sorted[lo]) * (i - lo);
}

/** The best value a run reached of a metric: its maximum when higher is better, else its minimum. */
export function bestOf(m: { min: number | null; max: number | null }, higherIsBetter: boolean): number | null {
  return higherIsBetter ? m.max : m.min;
}

/** Groups of lines drawn as one mean line each with a band (see src/core/runs/groups.ts). */
export interface GroupedChartData {
  x: number[];
  groups: { mean: (number | undefined)[]; lo: (number | undefined)[]; hi: (number | undefined)[] }[];
  yRange: [number, number] | null;
}

/**
 * A chart of groups: per group of lines (indices into the chart's lines), the mean of its members
 * at each x and a band (± one standard deviation, or min to max), from the smoothed values when
 * smoothing. Members are averaged where they have a point; on a time axis runs rarely share one,
 * so groups are best read by step.
 */
export function groupedChartData(data: ChartData, groups: readonly number[][], band: BandKind, o: Pick<ChartOptions, 'logY' | 'ignoreOutliers'>): GroupedChartData {
  const columns = data.smoothed ?? data.raw;
  const curves = groups.map((members) => groupCurve(members.map((i) => columns[i]), band));
  const values = curves.flatMap((c) => [...c.lo, ...c.hi]).filter((v): v is number => v !== undefined && Number.isFinite(v));
  return { x: data.x, groups: curves, yRange: yRange(values, o) };
}
