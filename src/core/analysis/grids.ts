/**
 * Grids that yield one dict per combination: sklearn's ParameterGrid, and the RunLens client's
 * `runlens.grid` / `runlens.sweep` (python/runlens/_lookup.py); and itertools.product's
 * crossing, which they share.
 */
import { CAP, NOTES } from './notes';
import { dict, int, iterate, keyString, scalar, seq, UNKNOWN, type Val } from './pyValue';
import type { Args, Env } from './evalEnv';

/** itertools.product order: the last pool varies fastest. Stops at the combination cap. */
export function crossProduct(pools: Val[][], env: Env): Val[][] {
  let rows: Val[][] = [[]];
  for (const pool of pools) {
    const next: Val[][] = [];
    outer: for (const row of rows) {
      for (const v of pool) {
        if (next.length >= CAP) { env.st.fx.notes.add(NOTES.capped); break outer; }
        next.push([...row, v]);
      }
    }
    rows = next;
  }
  return rows;
}

type Axes = [string, Val[]][];

/** One dict per combination of the axes, crossed in the order given. */
function expand(axes: Axes, env: Env): Val[] {
  return crossProduct(axes.map(a => a[1]), env).map(row => dict(row.map((v, i) => [scalar(axes[i][0]), v])));
}

/** A dict of lists as axes; undefined if a key is not a string or a value not a sequence. */
function axesOf(d: Val, single: (v: Val) => Val[] | undefined): Axes | undefined {
  if (d.t !== 'dict' || d.open) return undefined;
  const axes: Axes = [];
  for (const [k, v] of d.entries) {
    const key = keyString(k);
    const values = single(v);
    if (key === undefined || !values) return undefined;
    axes.push([key, values]);
  }
  return axes;
}

/**
 * sklearn's ParameterGrid(dict of lists | list of such dicts): each grid's keys are sorted and
 * crossed in that order. A value that is not a sequence is an error in sklearn.
 */
export function parameterGrid({ pos, kw }: Args, env: Env): Val {
  if (kw.size || pos.length !== 1) return UNKNOWN;
  const grids = pos[0].t === 'dict' ? [pos[0]] : iterate(pos[0]);
  if (!grids) return UNKNOWN;
  const out: Val[] = [];
  for (const g of grids) {
    const axes = axesOf(g, v => (v.t === 'seq' ? v.items : undefined));
    if (!axes) return UNKNOWN;
    axes.sort((x, y) => (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0));
    out.push(...expand(axes, env));
    if (out.length >= CAP) { env.st.fx.notes.add(NOTES.capped); out.length = CAP; break; }
  }
  return seq(out);
}

/**
 * sklearn's ParameterSampler(param_distributions, n_iter): `n_iter` dicts with the grid's keys and
 * values drawn at run time (unknown), except that a space of lists only no larger than `n_iter` is
 * sampled without replacement, so every point of it comes out (in an order known only then).
 */
export function parameterSampler({ pos, kw }: Args, env: Env): Val {
  const space = pos[0] ?? kw.get('param_distributions');
  const n = int(pos[1] ?? kw.get('n_iter') ?? UNKNOWN);
  if (!space || n === undefined || n < 0 || n > CAP) return UNKNOWN;
  const grids = space.t === 'dict' ? [space] : iterate(space);
  if (!grids || !grids.length) return UNKNOWN;
  const full = parameterGrid({ pos: [space], kw: new Map() }, env);
  if (full.t === 'seq' && full.items.length <= n) return full;
  if (grids.length !== 1) return UNKNOWN; // which of several spaces each draw uses is not known
  const keys = axesOf(grids[0], () => []);
  if (!keys) return UNKNOWN;
  const row = (): Val => dict(keys.map(([k]) => [scalar(k), UNKNOWN]));
  return seq(Array.from({ length: n }, row));
}

/** scikit-learn's searches over a grid or a space of parameters. */
export const SEARCHES = /^sklearn\.(?:.*\.)?(GridSearchCV|HalvingGridSearchCV|RandomizedSearchCV|HalvingRandomSearchCV)$/;

/**
 * `GridSearchCV(estimator, param_grid)` and its kin, as an object with the attributes a script
 * reads after `fit`: `cv_results_["params"]` (each candidate, in ParameterGrid's order, or what the
 * sampler gives), its per-candidate arrays (values unknown, one per candidate), `best_params_`
 * (the grid's keys, values unknown), and `candidates`, the rows themselves.
 */
export function searchObject(name: string, { pos, kw }: Args, env: Env): Val {
  const grid = /Randomized|RandomSearch/.test(name);
  const space = pos[1] ?? kw.get(grid ? 'param_distributions' : 'param_grid');
  if (!space) return UNKNOWN;
  const rows = grid
    ? parameterSampler({ pos: [space, kw.get('n_iter') ?? scalar(10)], kw: new Map() }, env)
    : parameterGrid({ pos: [space], kw: new Map() }, env);
  if (rows.t !== 'seq') return UNKNOWN;
  const perCandidate = (): Val => seq(rows.items.map(() => UNKNOWN));
  const results: [Val, Val][] = [[scalar('params'), rows]];
  for (const k of ['mean_test_score', 'std_test_score', 'rank_test_score', 'mean_train_score', 'std_train_score',
    'mean_fit_time', 'std_fit_time', 'mean_score_time', 'std_score_time']) results.push([scalar(k), perCandidate()]);
  const keys = new Set<string>();
  for (const r of rows.items) if (r.t === 'dict') for (const [k] of r.entries) keys.add(keyString(k)!);
  return {
    t: 'object', kind: name, attrs: new Map<string, Val>([
      ['cv_results_', dict(results, true)],
      ['best_params_', dict([...keys].map(k => [scalar(k), UNKNOWN]), true)],
      ['candidates', rows],
    ]),
  };
}

/**
 * `runlens.grid(*dicts, **axes)`: the dicts and keyword axes merged in order, crossed like
 * itertools.product; a single value (a string, a number) is an axis of one.
 */
export function runlensGrid({ pos, kw }: Args, env: Env): Val {
  const merged = new Map<string, Val[]>();
  const single = (v: Val): Val[] | undefined => (v.t === 'scalar' ? [v] : v.t === 'seq' ? v.items : undefined);
  for (const d of pos) {
    const axes = axesOf(d, single);
    if (!axes) return UNKNOWN;
    for (const [k, values] of axes) merged.set(k, values);
  }
  for (const [k, v] of kw) {
    const values = single(v);
    if (!values) return UNKNOWN;
    merged.set(k, values);
  }
  return seq(expand([...merged], env));
}

/** `runlens.sweep(combinations, experiment=None)`: the given dicts, those without a result. */
export function runlensSweep({ pos, kw }: Args): Val {
  const combos = pos.length === 1 && [...kw.keys()].every(k => k === 'experiment') ? iterate(pos[0]) : undefined;
  return combos && combos.every(c => c.t === 'dict') ? seq(combos) : UNKNOWN;
}
