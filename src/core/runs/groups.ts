/**
 * Runs grouped over seeds: runs whose parameters agree (by meaning: 1e-3 is 0.001) once some keys
 * are ignored are repeats of one configuration, and a group's metrics are read as a mean and a
 * spread. Pure, shared by the panels' host side, their pages and the unit tests.
 */
import { canonicalParam } from '../params/canonical';

export interface GroupableRun {
  params: Record<string, string>;
  /** A value per metric, null where missing or NaN. */
  metrics: Record<string, number | null | undefined>;
}

/** Keys named like a seed: `seed`, `random_seed`, `seed_0`, `random_state`, `rng`. */
const SEED_LIKE = /(^|[^a-z])(seed|random_state|rng)([^a-z]|$)|seed$/i;

export function isSeedLike(key: string): boolean {
  return SEED_LIKE.test(key);
}

/**
 * The keys a grouping ignores unless the person chooses otherwise: those named like a seed, and
 * those whose value differs in every run (a run id, a timestamp). The latter only when some other
 * key still varies: in a plain sweep over `lr`, every run has its own `lr`, and ignoring it would
 * lump different configurations together.
 */
export function defaultIgnoredKeys(runs: readonly GroupableRun[]): string[] {
  const keys = [...new Set(runs.flatMap((r) => Object.keys(r.params)))].sort();
  const seedLike = keys.filter(isSeedLike);
  if (runs.length < 3) return seedLike;
  const distinct = (k: string) => new Set(runs.map((r) => (k in r.params ? canonicalParam(r.params[k]) : '\u0000none'))).size;
  const unique = keys.filter((k) => !seedLike.includes(k) && distinct(k) === runs.length);
  const othersVary = keys.some((k) => !seedLike.includes(k) && !unique.includes(k) && distinct(k) > 1);
  return othersVary ? [...seedLike, ...unique].sort() : seedLike;
}

export interface Spread {
  /** How many runs have a value. */
  n: number;
  mean: number;
  /** The sample standard deviation (n - 1 in the denominator); 0 for a single value. */
  std: number;
  min: number;
  max: number;
}

/** The mean and spread of the finite values, or null when there are none. */
export function spread(values: readonly (number | null | undefined)[]): Spread | null {
  let n = 0;
  let sum = 0;
  let min = Infinity;
  let max = -Infinity;
  for (const v of values) {
    if (typeof v !== 'number' || !Number.isFinite(v)) continue;
    n++;
    sum += v;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  if (!n) return null;
  const mean = sum / n;
  let sq = 0;
  for (const v of values) if (typeof v === 'number' && Number.isFinite(v)) sq += (v - mean) ** 2;
  return { n, mean, std: n > 1 ? Math.sqrt(sq / (n - 1)) : 0, min, max };
}

export interface RunGroup {
  /** The parameters the group's runs share (those not ignored), as the first run wrote them. */
  params: Record<string, string>;
  /** Indices of the runs in the group, in the order given. */
  members: number[];
  metrics: Record<string, Spread | null>;
}

/**
 * Groups runs by the canonical values of every parameter not ignored (a key a run lacks counts as
 * a value of its own). Groups come in the order of their first run.
 */
export function groupRuns(runs: readonly GroupableRun[], ignored: readonly string[]): RunGroup[] {
  const skip = new Set(ignored);
  const byKey = new Map<string, number[]>();
  runs.forEach((r, i) => {
    const key = JSON.stringify(Object.keys(r.params).filter((k) => !skip.has(k)).sort().map((k) => [k, canonicalParam(r.params[k])]));
    const members = byKey.get(key);
    if (members) members.push(i); else byKey.set(key, [i]);
  });
  const metricKeys = [...new Set(runs.flatMap((r) => Object.keys(r.metrics)))].sort();
  return [...byKey.values()].map((members) => ({
    params: Object.fromEntries(Object.entries(runs[members[0]].params).filter(([k]) => !skip.has(k))),
    members,
    metrics: Object.fromEntries(metricKeys.map((m) => [m, spread(members.map((i) => runs[i].metrics[m]))])),
  }));
}

/** How a group's band is drawn around its mean line. */
export type BandKind = 'std' | 'minmax';

/**
 * A group's curve on aligned data: per x, the mean of its members' values there and the band's
 * lower and upper edge (± one standard deviation, or min to max). undefined where no member has a
 * value at that x.
 */
export function groupCurve(columns: readonly (readonly (number | null | undefined)[])[], band: BandKind): { mean: (number | undefined)[]; lo: (number | undefined)[]; hi: (number | undefined)[] } {
  const length = columns[0]?.length ?? 0;
  const mean: (number | undefined)[] = new Array(length);
  const lo: (number | undefined)[] = new Array(length);
  const hi: (number | undefined)[] = new Array(length);
  const at: (number | null | undefined)[] = new Array(columns.length);
  for (let x = 0; x < length; x++) {
    for (let c = 0; c < columns.length; c++) at[c] = columns[c][x];
    const s = spread(at);
    mean[x] = s?.mean;
    lo[x] = s ? (band === 'std' ? s.mean - s.std : s.min) : undefined;
    hi[x] = s ? (band === 'std' ? s.mean + s.std : s.max) : undefined;
  }
  return { mean, lo, hi };
}
