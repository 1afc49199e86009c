/**
 * Optuna in the loop analysis. A study is a name bound to `optuna.create_study(..)` or
 * `optuna.load_study(..)` (its `study_name` is the experiment RunLens imports it as):
 *
 * - `study.optimize(..)` whose study samples with `GridSampler(search_space)` is a search over the
 *   grid's points: an ExperimentLoop whose keys are the space's parameters (sorted, as GridSampler
 *   sorts them) and whose combinations are its points (`optuna: { kind: 'grid' }`);
 * - `study.enqueue_trial({..})` enqueues a trial with those parameters: in a `for` loop it is a
 *   run per iteration, like `start_run(params=..)` (logging.ts asks enqueueSites);
 * - `trial.suggest_*("lr", ..)` in an objective names a parameter whose tried values a hover shows
 *   (suggestionsOf), with the study the objective is optimised in, when the file says.
 */
import { qualifiedName } from './builtins';
import { crossProduct } from './grids';
import { evaluate, newState } from './evaluator';
import { iterate, keyString, str, toJSON, type Val } from './pyValue';
import { lookup, type Scope, type Unit } from './scope';
import { argNodes, type SyntaxNode } from './syntax';
import { text, type Env } from './evalEnv';
import type { AnalyzeOptions, ExperimentLoop, LiteralValue } from './types';

const STUDY_CALLS = new Set(['optuna.create_study', 'optuna.load_study', 'optuna.study.create_study', 'optuna.study.load_study']);
const GRID_SAMPLERS = new Set(['optuna.samplers.GridSampler', 'optuna.samplers._grid.GridSampler']);
const SUGGEST = /^suggest_(float|int|categorical|uniform|loguniform|discrete_uniform)$/;

/** A `trial.suggest_*` call of an objective. */
export interface OptunaSuggestion {
  /** The parameter's name. */
  param: string;
  /** `float`, `int`, `categorical`, … */
  suggest: string;
  /** The call's offsets, line (1-based) and column (0-based). */
  from: number;
  to: number;
  line: number;
  col: number;
  /** The study the objective is optimised in, when the file names it with a string. */
  study?: string;
}

/** What logging.ts records of an `enqueue_trial` call (a part of its SiteSpec). */
export type EnqueueSite =
  | { kind: 'start'; optuna: true }
  | { kind: 'params'; dict: SyntaxNode }
  | { kind: 'experiment'; via: 'run'; arg: SyntaxNode };

/** A study's creating call, and where it stands. */
interface StudyCall { call: SyntaxNode; env: Env; load: boolean }

/** The study an expression stands for: `optuna.create_study(..)` itself, or a name bound to it. */
function studyOf(node: SyntaxNode, env: Env): StudyCall | undefined {
  if (node.name === 'CallExpression') return studyCall(node, env);
  if (node.name !== 'VariableName') return undefined;
  const r = lookup(env.ctx.scope, text(env, node), node.from);
  const b = r?.binding;
  if (!r || b?.kind !== 'value' || b.path.length || Array.isArray(b.value)) return undefined;
  return studyCall(b.value, { ctx: { unit: r.scope.unit, scope: r.scope, depth: 0 }, st: env.st });
}

function studyCall(call: SyntaxNode, env: Env): StudyCall | undefined {
  if (call.name !== 'CallExpression' || !call.firstChild) return undefined;
  const q = qualifiedName(call.firstChild, env);
  return q && STUDY_CALLS.has(q) ? { call, env, load: q.endsWith('load_study') } : undefined;
}

/** An argument of a study's call: by keyword, or at its position in create_study's (or load_study's) signature. */
function studyArg(s: StudyCall, name: 'study_name' | 'sampler'): SyntaxNode | undefined {
  const args = argNodes(s.call.getChild('ArgList'), s.env.ctx.unit.source);
  // create_study(storage, sampler, pruner, study_name, ..); load_study(study_name, storage, sampler, ..)
  const at = s.load ? { study_name: 0, sampler: 2 }[name] : { study_name: 3, sampler: 1 }[name];
  return args.keywords.get(name) ?? (args.spreads.length ? undefined : args.positional[at]);
}

function studyName(s: StudyCall): string | undefined {
  const node = studyArg(s, 'study_name');
  return node ? str(evaluate(node, s.env)) : undefined;
}

/** `x.method(..)`: the receiver, when the callee is a method call of that name (or pattern). */
function receiverOf(call: SyntaxNode, unit: Unit, method: string | RegExp): { receiver: SyntaxNode; name: string } | undefined {
  const callee = call.firstChild;
  if (callee?.name !== 'MemberExpression' || callee.lastChild?.name !== 'PropertyName' || !callee.firstChild) return undefined;
  const name = unit.source.slice(callee.lastChild.from, callee.lastChild.to);
  return (typeof method === 'string' ? name === method : method.test(name)) ? { receiver: callee.firstChild, name } : undefined;
}

/**
 * For logging.ts: `study.enqueue_trial(params)` starts a run of those params (Optuna runs it next),
 * in the study's experiment. Undefined when the call is not one.
 */
export function enqueueSites(call: SyntaxNode, env: Env): EnqueueSite[] | undefined {
  const r = receiverOf(call, env.ctx.unit, 'enqueue_trial');
  const study = r && studyOf(r.receiver, env);
  if (!study) return undefined;
  const args = argNodes(call.getChild('ArgList'), env.ctx.unit.source);
  const params = args.keywords.get('params') ?? args.positional[0];
  const name = studyArg(study, 'study_name');
  return [
    { kind: 'start', optuna: true },
    ...(params ? [{ kind: 'params', dict: params } as const] : []),
    ...(name ? [{ kind: 'experiment', via: 'run', arg: name } as const] : []),
  ];
}

/** The env a node of the unit is evaluated in: its innermost function's scope (module level otherwise). */
function envAt(unit: Unit, pos: number): Env {
  let scope: Scope = unit.module;
  for (let deeper = true; deeper;) {
    deeper = false;
    for (const list of scope.bindings.values()) {
      const def = list.find((b) => b.kind === 'def' && b.fn.node.from < pos && pos < b.fn.node.to);
      if (def?.kind === 'def') { scope = def.fn.scope; deeper = true; break; }
    }
  }
  return { ctx: { unit, scope, depth: 0 }, st: newState() };
}

function calls(unit: Unit, onCall: (call: SyntaxNode) => void): void {
  unit.tree.iterate({ enter: (n) => { if (n.name === 'CallExpression') onCall(n.node); } });
}

/** A unit's loops with its Optuna grid searches among them, in source order. */
export function withGridSearches(unit: Unit, notebook: boolean, loops: ExperimentLoop[], options?: AnalyzeOptions): ExperimentLoop[] {
  let grids: ExperimentLoop[] = [];
  try {
    grids = gridSearches(unit, notebook);
  } catch (e) {
    if (!options?.onError) throw e;
    options.onError(e, 0);
  }
  return grids.length ? [...loops, ...grids].sort((a, b) => a.from - b.from) : loops;
}

/** `study.optimize(..)` of a study that samples with GridSampler: a search over the grid's points. */
export function gridSearches(unit: Unit, notebook: boolean): ExperimentLoop[] {
  const out: ExperimentLoop[] = [];
  calls(unit, (call) => {
    const r = receiverOf(call, unit, 'optimize');
    if (!r) return;
    const env = envAt(unit, call.from);
    const study = studyOf(r.receiver, env);
    const samplerNode = study && studyArg(study, 'sampler');
    if (!study || !samplerNode) return;
    const sampler = samplerNode.name === 'CallExpression' ? { call: samplerNode, env: study.env } : boundCall(samplerNode, study.env);
    if (!sampler?.call.firstChild || !GRID_SAMPLERS.has(qualifiedName(sampler.call.firstChild, sampler.env) ?? '')) return;
    const args = argNodes(sampler.call.getChild('ArgList'), sampler.env.ctx.unit.source);
    const spaceNode = args.keywords.get('search_space') ?? args.positional[0];
    const grid = spaceNode && gridOf(evaluate(spaceNode, sampler.env), env, notebook);
    if (!grid) return;
    const statement = call.parent?.name === 'ExpressionStatement' ? call.parent : call;
    const loop: ExperimentLoop = {
      line: unit.lines.at(statement.from).line, from: statement.from, to: statement.to,
      ...grid, repeats: grid.combinations.map(() => 1), tracked: true, unknown: [], runtimeSkip: false, notes: [], optuna: { kind: 'grid' },
    };
    const name = studyName(study);
    if (name !== undefined) loop.experiment = name;
    out.push(loop);
  });
  return out;
}

function boundCall(node: SyntaxNode, env: Env): { call: SyntaxNode; env: Env } | undefined {
  if (node.name !== 'VariableName') return undefined;
  const r = lookup(env.ctx.scope, text(env, node), node.from);
  const b = r?.binding;
  if (!r || b?.kind !== 'value' || b.path.length || Array.isArray(b.value) || b.value.name !== 'CallExpression') return undefined;
  return { call: b.value, env: { ctx: { unit: r.scope.unit, scope: r.scope, depth: 0 }, st: env.st } };
}

/** GridSampler's points: its parameters sorted by name, crossed in that order; undefined if any part is unknown. */
function gridOf(space: Val, env: Env, notebook: boolean): Pick<ExperimentLoop, 'keys' | 'combinations' | 'valueSites'> | undefined {
  if (space.t !== 'dict' || space.open) return undefined;
  const axes: [string, Val[]][] = [];
  for (const [k, v] of space.entries) {
    const key = keyString(k);
    const values = iterate(v);
    if (key === undefined || !values?.length || values.some((x) => toJSON(x) === undefined)) return undefined;
    axes.push([key, values]);
  }
  axes.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  const keys = axes.map((a) => a[0]);
  const combinations = crossProduct(axes.map((a) => a[1]), env).map((row) => Object.fromEntries(row.map((v, i) => [keys[i], toJSON(v)])));
  const valueSites: ExperimentLoop['valueSites'] = [];
  for (const [key, values] of axes) {
    for (const v of values) {
      if (v.t === 'unknown' || v.t === 'object' || !v.at) continue;
      const { line, col } = v.at.unit.lines.at(v.at.from);
      const site: LiteralValue = { value: toJSON(v), text: v.at.unit.source.slice(v.at.from, v.at.to), from: v.at.from, to: v.at.to, line, col };
      if (notebook) site.cell = v.at.unit.index;
      valueSites.push({ key, value: site.value, site });
    }
  }
  return { keys, combinations, valueSites };
}

/** The `trial.suggest_*("name", ..)` calls of the unit, each with the study its objective is optimised in. */
export function suggestionsOf(unit: Unit): OptunaSuggestion[] {
  const out: OptunaSuggestion[] = [];
  const optimized = optimizedFunctions(unit);
  calls(unit, (call) => {
    const r = receiverOf(call, unit, SUGGEST);
    if (!r) return;
    const env = envAt(unit, call.from);
    const args = argNodes(call.getChild('ArgList'), unit.source);
    const nameNode = args.keywords.get('name') ?? args.positional[0];
    const param = nameNode && str(evaluate(nameNode, env));
    if (param === undefined) return;
    const { line, col } = unit.lines.at(call.from);
    const s: OptunaSuggestion = { param, suggest: r.name.slice('suggest_'.length), from: call.from, to: call.to, line, col };
    const study = optimized.get(enclosingFunction(call, unit) ?? '');
    if (study !== undefined) s.study = study;
    out.push(s);
  });
  return out;
}

/** Function name -> the study it is optimised in (`study.optimize(objective)`, or a lambda calling it), when one study, named, is. */
function optimizedFunctions(unit: Unit): Map<string, string> {
  const found = new Map<string, Set<string | undefined>>();
  calls(unit, (call) => {
    const r = receiverOf(call, unit, 'optimize');
    if (!r) return;
    const study = studyOf(r.receiver, envAt(unit, call.from));
    if (!study) return;
    const args = argNodes(call.getChild('ArgList'), unit.source);
    const fn = args.keywords.get('func') ?? args.positional[0];
    for (const name of fn ? calledNames(fn, unit) : []) {
      const set = found.get(name) ?? new Set();
      set.add(studyName(study));
      found.set(name, set);
    }
  });
  const out = new Map<string, string>();
  for (const [fn, studies] of found) {
    const [only] = studies;
    if (studies.size === 1 && only !== undefined) out.set(fn, only);
  }
  return out;
}

/** `objective`, or the functions a `lambda trial: objective(trial, x)` calls. */
function calledNames(fn: SyntaxNode, unit: Unit): string[] {
  if (fn.name === 'VariableName') return [unit.source.slice(fn.from, fn.to)];
  if (fn.name !== 'LambdaExpression') return [];
  const names: string[] = [];
  const walk = (n: SyntaxNode): void => {
    if (n.name === 'CallExpression' && n.firstChild?.name === 'VariableName') names.push(unit.source.slice(n.firstChild.from, n.firstChild.to));
    for (let c = n.firstChild; c; c = c.nextSibling) walk(c);
  };
  walk(fn);
  return names;
}

function enclosingFunction(node: SyntaxNode, unit: Unit): string | undefined {
  for (let n = node.parent; n; n = n.parent) {
    if (n.name === 'FunctionDefinition') {
      const name = n.getChild('VariableName');
      return name ? unit.source.slice(name.from, name.to) : undefined;
    }
  }
  return undefined;
}
