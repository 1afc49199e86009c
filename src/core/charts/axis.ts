/**
 * Numeric axes for the panels' plots: which scale a set of values gets, the round numbers its
 * ticks stand at, and where a value lies on it. Pure, so the webview bundles and the unit tests
 * share it.
 */
import { formatTick } from '../runs/format';

export interface Tick { value: number; text: string }

export interface Scale {
  kind: 'linear' | 'log';
  /** The domain, widened to the nearest round numbers around the values. */
  min: number;
  max: number;
  ticks: Tick[];
  /** Where `v` lies: 0 at `min`, 1 at `max`; undefined where the scale has no place for it. */
  position(v: number): number | undefined;
  /** The value at position `p` (0 at `min`, 1 at `max`): the inverse of position(). */
  value(p: number): number;
}

/**
 * Whether values are drawn on a logarithmic axis: when all are positive and they span more than a
 * decade (learning rates 0.0001..0.1, batch sizes 16..256). On a linear axis most of such values
 * would crowd at one end.
 */
export function wantsLogScale(values: readonly number[]): boolean {
  if (!values.length || values.some((v) => !(v > 0) || !Number.isFinite(v))) return false;
  return Math.max(...values) / Math.min(...values) > 10;
}

/** A scale for the values: logarithmic with ticks at powers of ten, or linear with about `count` round ticks. */
export function numericScale(values: readonly number[], count = 5): Scale {
  const finite = values.filter((v) => Number.isFinite(v));
  if (!finite.length) return { kind: 'linear', min: 0, max: 1, ticks: [], position: () => undefined, value: (p) => p };
  const lo = Math.min(...finite);
  const hi = Math.max(...finite);
  if (lo === hi) {
    // One value: in the middle, labelled as itself.
    return { kind: 'linear', min: lo, max: hi, ticks: [{ value: lo, text: String(lo) }], position: (v) => (v === lo ? 0.5 : undefined), value: (p) => lo + (p - 0.5) * (Math.abs(lo) || 1) };
  }
  return wantsLogScale(finite) ? logScale(lo, hi, count + 2) : linearScale(lo, hi, count, finite.every(Number.isInteger));
}

/** A round step for about `count` ticks between lo and hi: 1, 2 or 5 times a power of ten. */
export function tickStep(lo: number, hi: number, count: number): number {
  const rough = (hi - lo) / Math.max(1, count);
  const power = 10 ** Math.floor(Math.log10(rough));
  const error = rough / power;
  const factor = error >= Math.sqrt(50) ? 10 : error >= Math.sqrt(10) ? 5 : error >= Math.sqrt(2) ? 2 : 1;
  return factor * power;
}

function linearScale(lo: number, hi: number, count: number, integers: boolean): Scale {
  // Whole-number values (depths, layers, seeds) get whole-number ticks.
  const step = integers ? Math.max(1, tickStep(lo, hi, count)) : tickStep(lo, hi, count);
  const first = Math.floor(lo / step + 1e-9);
  const last = Math.ceil(hi / step - 1e-9);
  // Multiples of the step, rounded to what the step can say, so 0.1 * 3 is 0.3, not 0.30000000000000004.
  const at = (k: number) => Number((k * step).toPrecision(12));
  const min = at(first);
  const max = at(last);
  const ticks: Tick[] = [];
  for (let k = first; k <= last; k++) ticks.push({ value: at(k), text: formatTick(at(k), step) });
  return { kind: 'linear', min, max, ticks, position: (v) => (Number.isFinite(v) ? (v - min) / (max - min) : undefined), value: (p) => min + p * (max - min) };
}

function logScale(lo: number, hi: number, maxTicks: number): Scale {
  const first = Math.floor(Math.log10(lo) + 1e-9);
  const last = Math.ceil(Math.log10(hi) - 1e-9);
  // Every power of ten, or every second, third… when the values span many decades.
  const every = Math.max(1, Math.ceil((last - first + 1) / maxTicks));
  const power = (e: number) => Number((10 ** e).toPrecision(12));
  const ticks: Tick[] = [];
  for (let e = first; e <= last; e += every) ticks.push({ value: power(e), text: formatTick(power(e), power(e)) });
  const end = first + Math.ceil((last - first) / every) * every;
  return {
    kind: 'log', min: power(first), max: power(end), ticks,
    position: (v) => (v > 0 && Number.isFinite(v) ? (Math.log10(v) - first) / (end - first) : undefined),
    value: (p) => 10 ** (first + p * (end - first)),
  };
}
