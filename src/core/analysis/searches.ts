/**
 * Grids that run without a `for` of the script: a scikit-learn search (`GridSearchCV(est,
 * param_grid={..})`, also Halving and Randomized) and a W&B sweep (`wandb.sweep(config)` with
 * `method: grid`). Each is reported as an experiment loop at its call, so it gets a lens like one:
 * the grid's combinations, with `runBy` saying who runs them. A search whose candidates a `for`
 * of the file already logs (`for p in search.cv_results_["params"]`) is left to that loop.
 */
import { canonicalValue } from '../params/canonical';
import { qualifiedName } from './builtins';
import type { CallSite, Unit } from './scope';
import { argNodes } from './syntax';
import type { ExperimentLoop, LiteralValue } from './types';
import { dict, iterate, keyString, scalar, siteOf, str, toJSON, UNKNOWN, type Val } from './pyValue';
import type { Env } from './evalEnv';
import { evaluate, newState } from './evaluator';
import { crossProduct, SEARCHES } from './grids';

const AUTOLOG = new Set(['mlflow.autolog', 'mlflow.sklearn.autolog']);

/** The searches and sweeps of a unit, given the `for` loops already found in it. */
export function searchLoops(unit: Unit, notebook: boolean, loops: ExperimentLoop[]): ExperimentLoop[] {
  const out: ExperimentLoop[] = [];
  let logged: Set<string> | undefined; // the loops' combination sets, worked out only if there is a search
  for (const site of unit.callSites) {
    if (site.inLoop) continue; // one search per iteration of a loop: that loop's business
    const env: Env = { ctx: { unit, scope: site.scope, depth: 0 }, st: newState() };
    const callee = site.node.firstChild!;
    const q = qualifiedName(callee, env);
    if (!q) continue;
    if (SEARCHES.test(q)) {
      const search = evaluate(site.node, env);
      const rows = search.t === 'object' ? search.attrs.get('candidates') : undefined;
      if (rows?.t !== 'seq') continue;
      const loop = loopOf(site, rows.items, notebook, { runBy: 'sklearn', tracked: autologged(unit, env) });
      logged ??= new Set(loops.map(l => signatures(l.combinations)));
      if (loop && !(loop.combinations.length && logged.has(signatures(loop.combinations)))) out.push(loop);
    } else if (q === 'wandb.sweep') {
      const args = argNodes(site.node.getChild('ArgList'), unit.source);
      const configNode = args.keywords.get('sweep') ?? args.positional[0];
      const config = configNode ? evaluate(configNode, env) : UNKNOWN;
      const sweep = sweepRows(config, env);
      if (!sweep) continue;
      const projectNode = args.keywords.get('project');
      const project = projectNode ? str(evaluate(projectNode, env)) : str(lookup(config, 'project'));
      const loop = loopOf(site, sweep.rows, notebook, { runBy: 'wandb', tracked: true, keys: sweep.keys });
      if (loop && project) loop.experiment = project;
      if (loop) out.push(loop);
    }
  }
  return out;
}

function lookup(d: Val, key: string): Val {
  if (d.t !== 'dict') return UNKNOWN;
  for (const [k, v] of d.entries) if (keyString(k) === key) return v;
  return UNKNOWN;
}

function signatures(combos: Record<string, unknown>[]): string {
  return combos.map(c => Object.keys(c).sort().map(k => `${k}\u0001${canonicalValue(c[k])}`).join('\u0002')).sort().join('\u0003');
}

/** Whether MLflow's autologging is on before `env`'s code runs (it logs each candidate of a search). */
function autologged(unit: Unit, env: Env): boolean {
  for (let u: Unit | undefined = unit; u; u = u.prev) {
    for (const site of u.callSites) {
      const q = qualifiedName(site.node.firstChild!, { ctx: { unit: u, scope: u.module, depth: 0 }, st: env.st });
      if (q && AUTOLOG.has(q)) return true;
    }
  }
  return false;
}

/**
 * A W&B sweep config's runs: for `method: grid`, every combination of the parameters' `values`
 * (a `value` is a constant), in the order the parameters are written; for random or bayes, the
 * keys only (what is drawn is known at run time). Undefined when it is not a sweep config.
 */
function sweepRows(config: Val, env: Env): { rows: Val[]; keys: string[] } | undefined {
  const method = str(lookup(config, 'method'));
  const params = lookup(config, 'parameters');
  if (!method || params.t !== 'dict') return undefined;
  const axes: [string, Val[]][] = [];
  for (const [k, spec] of params.entries) {
    const key = keyString(k);
    if (key === undefined) return undefined;
    const values = lookup(spec, 'values');
    const value = lookup(spec, 'value');
    const list = values.t !== 'unknown' ? iterate(values) : value.t !== 'unknown' ? [value] : undefined;
    axes.push([key, list && method === 'grid' ? list : [UNKNOWN]]);
  }
  const keys = axes.map(a => a[0]);
  if (method !== 'grid') return { rows: [], keys };
  const rows = crossProduct(axes.map(a => a[1]), env).map(row => dict(row.map((v, i) => [scalar(axes[i][0]), v])));
  return { rows, keys };
}

/** An experiment loop at a call, from the rows (dicts) it runs. */
function loopOf(site: CallSite, rows: Val[], notebook: boolean,
  opts: { runBy: 'sklearn' | 'wandb'; tracked: boolean; keys?: string[] }): ExperimentLoop | undefined {
  const unit = site.scope.unit;
  const keys: string[] = [...opts.keys ?? []];
  const unknown = new Set<string>();
  const combinations: Record<string, unknown>[] = [];
  const repeats: number[] = [];
  const seen = new Map<string, number>();
  const valueSites: ExperimentLoop['valueSites'] = [];
  const placed = new Set<string>();
  for (const row of rows) {
    if (row.t !== 'dict') return undefined;
    const combo: Record<string, unknown> = {};
    for (const [k, v] of row.entries) {
      const key = keyString(k);
      if (key === undefined) return undefined;
      if (!keys.includes(key)) keys.push(key);
      const j = toJSON(v);
      if (j === undefined) { unknown.add(key); continue; }
      combo[key] = j;
      const at = siteOf(v);
      const id = at && `${key}\u0001${at.unit.index}:${at.from}`;
      if (at && id && !placed.has(id)) {
        placed.add(id);
        const { line, col } = at.unit.lines.at(at.from);
        const s: LiteralValue = { value: j, text: at.unit.source.slice(at.from, at.to), from: at.from, to: at.to, line, col };
        if (notebook) s.cell = at.unit.index;
        valueSites.push({ key, value: j, site: s });
      }
    }
    if (!Object.keys(combo).length) continue;
    const sig = signatures([combo]);
    const known = seen.get(sig);
    if (known !== undefined) { repeats[known]++; continue; }
    seen.set(sig, combinations.length);
    combinations.push(combo);
    repeats.push(1);
  }
  valueSites.sort((a, b) => keys.indexOf(a.key) - keys.indexOf(b.key) || a.site.from - b.site.from);
  return {
    line: unit.lines.at(site.node.from).line, from: site.node.from, to: site.node.to,
    keys, unknown: keys.filter(k => unknown.has(k)), combinations, repeats, tracked: opts.tracked,
    valueSites, runtimeSkip: false, notes: [], runBy: opts.runBy,
  };
}

