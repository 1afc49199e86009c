/**
 * Metric histories shaped for charts: sorted by step, one point per step, and thinned to what a
 * chart can show. Pure (no vscode), unit-tested in plain Node.
 */
import type { HistoryPoint } from '../core/store/history';
import type { Series } from '../webview/protocol';

/**
 * One point per step (the latest logged wins, as the catalog's `last` does), non-finite values as
 * null (JSON cannot carry them; charts show a gap), and at most `maxPoints` points: beyond that each
 * bucket keeps its lowest and highest point, so spikes and dips survive the thinning.
 */
export function toSeries(points: readonly HistoryPoint[], maxPoints = 4000): Series {
  const sorted = [...points].sort((a, b) => a.step - b.step || a.timestamp - b.timestamp);
  const steps: number[] = [];
  const times: number[] = [];
  const values: (number | null)[] = [];
  for (const p of sorted) {
    const v = Number.isFinite(p.value) ? p.value : null;
    if (steps.length && steps[steps.length - 1] === p.step) { values[values.length - 1] = v; times[times.length - 1] = p.timestamp; }
    else { steps.push(p.step); times.push(p.timestamp); values.push(v); }
  }
  if (steps.length <= maxPoints) return { steps, times, values, logged: points.length };
  return { ...thin(steps, times, values, maxPoints), logged: points.length };
}

function thin(steps: number[], times: number[], values: (number | null)[], maxPoints: number): Omit<Series, 'logged'> {
  const buckets = Math.max(1, Math.floor((maxPoints - 2) / 2));
  const size = (steps.length - 2) / buckets;
  const keep = new Set<number>([0, steps.length - 1]);
  for (let b = 0; b < buckets; b++) {
    const from = 1 + Math.floor(b * size);
    const to = Math.min(steps.length - 1, 1 + Math.floor((b + 1) * size));
    let lo = -1;
    let hi = -1;
    let gap = false;
    for (let i = from; i < to; i++) {
      const v = values[i];
      if (v === null) { if (!gap) keep.add(i); gap = true; continue; } // a gap stays visible
      if (lo < 0 || v < values[lo]!) lo = i;
      if (hi < 0 || v > values[hi]!) hi = i;
    }
    if (lo >= 0) keep.add(lo);
    if (hi >= 0) keep.add(hi);
  }
  const idx = [...keep].sort((a, b) => a - b);
  return { steps: idx.map((i) => steps[i]), times: idx.map((i) => times[i]), values: idx.map((i) => values[i]) };
}
