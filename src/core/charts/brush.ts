/**
 * Brushes on parallel coordinates: a range dragged on a numeric axis, or categories clicked on a
 * categorical one. Kept in data units (not pixels), so they survive a redraw at another width or
 * with other axes. A run is selected when it passes every brush; several axes combine (and).
 * Pure, unit-tested in plain Node.
 */

export type Brush = { kind: 'range'; lo: number; hi: number } | { kind: 'categories'; values: string[] };

/** Per axis (a parameter's key, or `metric:<key>` for the metric's axis), its brush. */
export type Brushes = Record<string, Brush>;

export const metricAxis = (key: string) => `metric:${key}`;

export interface BrushedRun { params: Record<string, string>; metrics: Record<string, number | null | undefined> }

/** The value of a run on an axis: a parameter's text, or the metric's number. */
function valueOn(run: BrushedRun, axis: string): string | number | null | undefined {
  return axis.startsWith('metric:') ? run.metrics[axis.slice(7)] : run.params[axis];
}

/** Whether a value passes a brush: a range holds numbers between its ends (inclusive), categories their members. */
export function passes(brush: Brush, value: string | number | null | undefined): boolean {
  if (value === null || value === undefined) return false;
  if (brush.kind === 'categories') return brush.values.includes(String(value));
  const n = typeof value === 'number' ? value : value.trim() === '' ? NaN : Number(value);
  return Number.isFinite(n) && n >= brush.lo && n <= brush.hi;
}

/** Which runs every brush keeps (all, when there are none). Brushes on axes not shown (not in `axes`) do not count. */
export function brushed(runs: readonly BrushedRun[], brushes: Brushes, axes?: readonly string[]): boolean[] {
  const active = Object.entries(brushes).filter(([axis]) => !axes || axes.includes(axis));
  return runs.map((r) => active.every(([axis, b]) => passes(b, valueOn(r, axis))));
}

/** A range from two ends in any order; a click (both ends the same) clears the axis's brush. */
export function withRange(brushes: Brushes, axis: string, a: number, b: number): Brushes {
  const { [axis]: _, ...rest } = brushes;
  return a === b ? rest : { ...rest, [axis]: { kind: 'range', lo: Math.min(a, b), hi: Math.max(a, b) } };
}

/** Clicking a category adds it to the axis's brush, or takes it out (the last one out clears the brush). */
export function toggleCategory(brushes: Brushes, axis: string, value: string): Brushes {
  const { [axis]: current, ...rest } = brushes;
  const values = current?.kind === 'categories' ? current.values : [];
  const next = values.includes(value) ? values.filter((v) => v !== value) : [...values, value];
  return next.length ? { ...rest, [axis]: { kind: 'categories', values: next } } : rest;
}
