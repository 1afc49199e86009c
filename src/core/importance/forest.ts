/**
 * Which parameters matter for a metric: a random forest of regression trees fitted to the runs
 * (parameters in, metric out), and each parameter's mean decrease in impurity, the variance its
 * splits remove, summed over the forest and normalised to 1. This is what Optuna's
 * MeanDecreaseImpurityImportanceEvaluator computes with scikit-learn's forest (64 trees); Optuna's
 * default, fANOVA, fits a forest too and decomposes its variance instead. The two agree on which
 * parameters clearly matter and which clearly do not (test/unit/importance.test.ts checks this
 * against Optuna itself). Pure and seeded, so the same runs always give the same bars.
 */
export const IMPORTANCE_METHOD = 'random forest (64 trees), mean decrease in impurity, normalised to sum 1';

export interface ImportanceRun { params: Record<string, string>; value: number | null }

export interface Importance {
  /** Per parameter that varies, highest first; importances sum to 1. */
  params: { key: string; importance: number }[];
  /** How many runs had a finite value of the metric (the others are left out). */
  runs: number;
}

export interface ForestOptions { trees?: number; maxDepth?: number; minLeaf?: number; seed?: number }

/**
 * The importance of each parameter that takes more than one value among the runs with a value of
 * the metric; null when fewer than 3 such runs or no parameter varies.
 */
export function parameterImportance(runs: readonly ImportanceRun[], o: ForestOptions = {}): Importance | null {
  const usable = runs.filter((r): r is ImportanceRun & { value: number } => r.value !== null && Number.isFinite(r.value));
  const keys = [...new Set(usable.flatMap((r) => Object.keys(r.params)))].sort()
    .filter((k) => new Set(usable.map((r) => r.params[k])).size > 1);
  if (usable.length < 3 || !keys.length) return null;
  const y = usable.map((r) => r.value);
  const columns = keys.map((k) => encode(usable.map((r) => r.params[k]), y));
  const raw = forestImportance(columns, y, o);
  const total = raw.reduce((a, b) => a + b, 0);
  return {
    params: keys.map((key, i) => ({ key, importance: total > 0 ? raw[i] / total : 1 / keys.length }))
      .sort((a, b) => b.importance - a.importance || (a.key < b.key ? -1 : 1)),
    runs: usable.length,
  };
}

/**
 * A parameter's values as numbers a tree can split: numbers as themselves (a tree only cares about
 * their order), anything else as categories ordered by their mean metric (the order in which the
 * best split of a category set is one of the ordered splits, for regression). A missing value goes
 * below everything.
 */
export function encode(values: readonly (string | undefined)[], y: readonly number[]): number[] {
  const asNumber = (v: string) => (v.trim() === '' ? NaN : Number(v));
  if (values.every((v) => v === undefined || Number.isFinite(asNumber(v)))) {
    const xs = values.map((v) => (v === undefined ? NaN : asNumber(v)));
    const min = Math.min(...xs.filter((x) => !Number.isNaN(x)));
    return xs.map((x) => (Number.isNaN(x) ? min - 1 : x));
  }
  const sums = new Map<string, { s: number; n: number }>();
  values.forEach((v, i) => {
    const k = v ?? '\u0000missing';
    const e = sums.get(k) ?? { s: 0, n: 0 };
    e.s += y[i];
    e.n++;
    sums.set(k, e);
  });
  const order = [...sums].sort(([, a], [, b]) => a.s / a.n - b.s / b.n).map(([k]) => k);
  const rank = new Map(order.map((k, i) => [k, i]));
  return values.map((v) => rank.get(v ?? '\u0000missing')!);
}

/** A small seeded generator (mulberry32): the same forest every time. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Unnormalised impurity decrease per feature, averaged over the forest's trees (each tree's normalised first, as scikit-learn does). */
export function forestImportance(columns: readonly number[][], y: readonly number[], { trees = 64, maxDepth = 64, minLeaf = 1, seed = 0 }: ForestOptions = {}): number[] {
  const n = y.length;
  const rnd = random(seed);
  const total = new Array<number>(columns.length).fill(0);
  for (let t = 0; t < trees; t++) {
    const sample = Array.from({ length: n }, () => Math.floor(rnd() * n)); // a bootstrap sample
    const gains = new Array<number>(columns.length).fill(0);
    grow(columns, y, sample, 0, maxDepth, minLeaf, gains);
    const sum = gains.reduce((a, b) => a + b, 0);
    if (sum > 0) gains.forEach((g, f) => { total[f] += g / sum; });
  }
  return total.map((v) => v / trees);
}

/** Grows one node: the split (any feature) that removes the most squared error, recursively; credits the feature with what it removed. */
function grow(columns: readonly number[][], y: readonly number[], idx: number[], depth: number, maxDepth: number, minLeaf: number, gains: number[]): void {
  const n = idx.length;
  if (n < 2 * minLeaf || depth >= maxDepth) return;
  let sum = 0;
  let sq = 0;
  for (const i of idx) { sum += y[i]; sq += y[i] * y[i]; }
  const sse = sq - (sum * sum) / n;
  if (sse <= 1e-12 * Math.max(1, sq)) return;
  let best = { gain: 0, feature: -1, threshold: 0 };
  for (let f = 0; f < columns.length; f++) {
    const x = columns[f];
    const sorted = idx.slice().sort((a, b) => x[a] - x[b]);
    let ls = 0;
    let lq = 0;
    for (let k = 0; k < n - 1; k++) {
      const i = sorted[k];
      ls += y[i];
      lq += y[i] * y[i];
      const left = k + 1;
      if (left < minLeaf || n - left < minLeaf || x[i] === x[sorted[k + 1]]) continue;
      const rs = sum - ls;
      const rq = sq - lq;
      const gain = sse - (lq - (ls * ls) / left) - (rq - (rs * rs) / (n - left));
      if (gain > best.gain + 1e-12) best = { gain, feature: f, threshold: (x[i] + x[sorted[k + 1]]) / 2 };
    }
  }
  if (best.feature < 0) return;
  gains[best.feature] += best.gain;
  const x = columns[best.feature];
  grow(columns, y, idx.filter((i) => x[i] <= best.threshold), depth + 1, maxDepth, minLeaf, gains);
  grow(columns, y, idx.filter((i) => x[i] > best.threshold), depth + 1, maxDepth, minLeaf, gains);
}
