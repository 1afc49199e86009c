/**
 * Calls whose result is known without running user code: Python builtins (`range`, `zip`,
 * `enumerate`, `list`, ...), `itertools.product`, sklearn's `ParameterGrid`, numpy's
 * `linspace`/`logspace`/`arange`, and `runlens.grid`/`runlens.sweep`. Everything else is UNKNOWN.
 */
import { parseFloatString } from './literals';
import { CAP, NOTES } from './notes';
import { arange, linspace, logspace } from './numeric';
import { compare, dedupeKeys, lookupKey, order, truthy } from './pyops';
import { importedAs, lookup, starImports } from './scope';
import { crossProduct, parameterGrid, parameterSampler, runlensGrid, runlensSweep, searchObject, SEARCHES } from './grids';
import { callableOf, mapOrFilter } from './callables';
import { formatVal, reprOf, strFormat, strOf } from './formatting';
import { pyRound } from './format';
import { argNodes, type SyntaxNode } from './syntax';
import { dict, int, iterate, keyString, num, scalar, seq, str, UNKNOWN, type Val } from './pyValue';
import { text, type Args, type Env } from './evalEnv';

/** Evaluates an operand with the evaluator the state carries (no import back to it). */
const evaluate = (node: SyntaxNode, env: Env): Val => env.st.evaluate(node, env);

const PY_BUILTINS = new Set(['range', 'len', 'list', 'tuple', 'set', 'frozenset', 'sorted', 'reversed',
  'zip', 'enumerate', 'dict', 'str', 'int', 'float', 'bool', 'abs', 'min', 'max', 'round', 'format', 'repr',
  'map', 'filter']);

/** Modules whose names a `from m import *` may bring in that the analysis knows about. */
const STAR_MODULES = ['mlflow', 'runlens', 'wandb', 'numpy', 'itertools', 'sklearn.model_selection'];

/**
 * The dotted name a callee stands for (`mf.log_param` -> `mlflow.log_param`), or undefined when
 * its root is a value rather than a module (a variable, a loop target, a parameter, a function).
 */
export function qualifiedName(node: SyntaxNode, env: Env, depth = 0): string | undefined {
  if (node.name === 'VariableName') {
    const name = text(env, node);
    if (env.locals?.has(name)) return undefined;
    const imported = importedAs(env.ctx.unit, name);
    if (imported !== undefined) return imported;
    const r = lookup(env.ctx.scope, name, node.from);
    const b = r?.binding;
    // `P = itertools.product`: an alias made by assignment.
    if (b?.kind === 'value' && !b.path.length && !Array.isArray(b.value) && depth < 8
      && (b.value.name === 'VariableName' || b.value.name === 'MemberExpression')) {
      return qualifiedName(b.value, { ctx: { ...env.ctx, scope: r!.scope, unit: r!.scope.unit }, st: env.st }, depth + 1);
    }
    if (b && b.kind !== 'opaque') return undefined;
    if (!r && !PY_BUILTINS.has(name)) {
      const stars = starImports(env.ctx.unit);
      const m = STAR_MODULES.find(s => stars.includes(s));
      if (m) return `${m}.${name}`;
    }
    return name;
  }
  if (node.name === 'MemberExpression' && node.lastChild?.name === 'PropertyName' && node.firstChild) {
    const base = qualifiedName(node.firstChild, env, depth);
    return base === undefined ? undefined : `${base}.${text(env, node.lastChild)}`;
  }
  return undefined;
}


/** Arguments as values, with `*xs` and `**d` spread when they are known. */
function evalArgs(argList: SyntaxNode | null, env: Env): Args | undefined {
  const a = argNodes(argList, env.ctx.unit.source);
  if (a.irregular) return undefined;
  const out: Args = { pos: [], kw: new Map() };
  // argNodes keeps spreads apart; positional order matters only when there is one `*` spread
  // and it comes last, which is how `product(*lists)` is written.
  for (const p of a.positional) out.pos.push(evaluate(p, env));
  for (const s of a.spreads) {
    const v = evaluate(s.node, env);
    if (s.double) {
      if (v.t !== 'dict' || v.open) return undefined;
      for (const [k, item] of v.entries) {
        const key = keyString(k);
        if (key === undefined) return undefined;
        out.kw.set(key, item);
      }
    } else {
      const items = iterate(v);
      if (!items) return undefined;
      const last = a.positional[a.positional.length - 1];
      if (last && last.from > s.node.from) return undefined;
      out.pos.push(...items);
    }
  }
  for (const [k, node] of a.keywords) out.kw.set(k, evaluate(node, env));
  return out;
}

export function evalCall(node: SyntaxNode, env: Env): Val {
  const callee = node.firstChild;
  const argList = node.getChild('ArgList');
  if (!callee) return UNKNOWN;
  const q = qualifiedName(callee, env);
  const builtin = (name: string, args: Args) => (PY_BUILTINS.has(name) && FUNCTIONS[name] ? FUNCTIONS[name](args, env) : undefined);
  if (q === 'map' || q === 'filter') return mapOrFilter(q, argList, env, builtin);
  if (q === undefined && callee.name === 'VariableName') {
    // A name bound to a lambda: `scale = lambda k: 10 ** -k`.
    const f = callableOf(callee, env, builtin);
    const args = f && evalArgs(argList, env);
    return f && args && !args.kw.size ? f(args.pos) : UNKNOWN;
  }
  if (q === undefined) {
    // A method on a value: `np.linspace(...).tolist()`, `grid.items()`.
    if (callee.name !== 'MemberExpression' || callee.lastChild?.name !== 'PropertyName' || !callee.firstChild) return UNKNOWN;
    const args = evalArgs(argList, env);
    return args ? method(evaluate(callee.firstChild, env), text(env, callee.lastChild), args) : UNKNOWN;
  }
  const search = SEARCHES.exec(q);
  const fn = FUNCTIONS[q] ?? (search ? (a: Args, e: Env) => searchObject(search[1], a, e)
    : q.startsWith('sklearn.') && q.endsWith('.ParameterGrid') ? parameterGrid
      : q.startsWith('sklearn.') && q.endsWith('.ParameterSampler') ? parameterSampler : undefined);
  if (!fn) return UNKNOWN;
  const args = evalArgs(argList, env);
  if (!args) return UNKNOWN;
  if (q === 'runlens.grid' || q === 'runlens.sweep') env.st.fx.runtimeSkip = true;
  return fn(args, env);
}

type Fn = (a: Args, env: Env) => Val;

const FUNCTIONS: Record<string, Fn> = {
  range: ({ pos, kw }, env) => {
    if (kw.size || pos.length < 1 || pos.length > 3) return UNKNOWN;
    const ns = pos.map(int);
    if (ns.some(n => n === undefined)) return UNKNOWN;
    const [start, stop, step] = pos.length === 1 ? [0, ns[0]!, 1] : [ns[0]!, ns[1]!, ns[2] ?? 1];
    if (step === 0) return UNKNOWN;
    const len = Math.max(0, Math.ceil((stop - start) / step));
    const items: Val[] = [];
    for (let i = 0; i < Math.min(len, CAP); i++) items.push(scalar(start + i * step));
    if (len > CAP) env.st.fx.notes.add(NOTES.capped);
    return seq(items);
  },
  len: ({ pos }) => {
    const v = pos[0];
    if (pos.length !== 1) return UNKNOWN;
    if (v.t === 'seq') return scalar(v.items.length);
    if (v.t === 'dict' && !v.open) return scalar(v.entries.length);
    if (v.t === 'scalar' && typeof v.v === 'string') return scalar([...v.v].length);
    return UNKNOWN;
  },
  list: a => sequenceOf(a, false),
  tuple: a => sequenceOf(a, true),
  set: a => unique(sequenceOf(a, false)),
  frozenset: a => unique(sequenceOf(a, false)),
  reversed: a => {
    const s = sequenceOf(a, false);
    return s.t === 'seq' ? seq([...s.items].reverse()) : UNKNOWN;
  },
  sorted: ({ pos, kw }) => {
    const items = pos.length === 1 ? iterate(pos[0]) : undefined;
    if (!items || [...kw.keys()].some(k => k !== 'reverse')) return UNKNOWN;
    const reverse = kw.has('reverse') ? truthy(kw.get('reverse')!) : false;
    let ok = reverse !== undefined;
    const sorted = [...items].sort((x, y) => {
      const o = order(x, y);
      if (o === undefined) ok = false;
      return o ?? 0;
    });
    if (reverse) sorted.reverse();
    return ok ? seq(sorted) : UNKNOWN;
  },
  zip: ({ pos, kw }) => {
    if ([...kw.keys()].some(k => k !== 'strict')) return UNKNOWN;
    const lists = pos.map(iterate);
    if (!lists.length || lists.some(l => !l)) return UNKNOWN;
    const n = Math.min(...lists.map(l => l!.length));
    const rows: Val[] = [];
    for (let i = 0; i < n; i++) rows.push(seq(lists.map(l => l![i]), true));
    return seq(rows);
  },
  enumerate: ({ pos, kw }) => {
    const items = pos.length >= 1 ? iterate(pos[0]) : undefined;
    const start = pos.length === 2 ? int(pos[1]) : kw.has('start') ? int(kw.get('start')!) : 0;
    if (!items || start === undefined) return UNKNOWN;
    return seq(items.map((v, i) => seq([scalar(start + i), v], true)));
  },
  dict: ({ pos, kw }) => {
    const entries: [Val, Val][] = [];
    if (pos.length > 1) return UNKNOWN;
    if (pos.length === 1) {
      const base = pos[0];
      if (base.t === 'dict') { if (base.open) return UNKNOWN; entries.push(...base.entries); }
      else {
        const pairs = iterate(base);
        if (!pairs) return UNKNOWN;
        for (const p of pairs) {
          if (p.t !== 'seq' || p.items.length !== 2) return UNKNOWN;
          entries.push([p.items[0], p.items[1]]);
        }
      }
    }
    for (const [k, v] of kw) entries.push([scalar(k), v]);
    return dict(dedupeKeys(entries));
  },
  str: ({ pos, kw }) => {
    if (kw.size || pos.length > 1) return UNKNOWN;
    if (!pos.length) return scalar('');
    const s = strOf(pos[0]);
    return s === undefined ? UNKNOWN : scalar(s);
  },
  repr: ({ pos, kw }) => {
    const s = pos.length === 1 && !kw.size ? reprOf(pos[0]) : undefined;
    return s === undefined ? UNKNOWN : scalar(s);
  },
  format: ({ pos, kw }) => {
    const spec = pos.length === 2 ? str(pos[1]) : pos.length === 1 ? '' : undefined;
    const s = spec !== undefined && !kw.size ? formatVal(pos[0], spec) : undefined;
    return s === undefined ? UNKNOWN : scalar(s);
  },
  round: ({ pos, kw }) => {
    const x = pos[0];
    const digits = pos.length === 2 ? (pos[1].t === 'scalar' && pos[1].v === null ? undefined : int(pos[1])) : undefined;
    if (kw.size || pos.length < 1 || pos.length > 2 || x.t !== 'scalar' || (pos.length === 2 && digits === undefined && !(pos[1].t === 'scalar' && pos[1].v === null))) return UNKNOWN;
    if (typeof x.v !== 'number' && typeof x.v !== 'bigint' && typeof x.v !== 'boolean') return UNKNOWN;
    const r = pyRound({ value: typeof x.v === 'boolean' ? Number(x.v) : x.v, float: !!x.float }, digits);
    return r ? scalar(r.value, r.float) : UNKNOWN;
  },
  int: ({ pos, kw }) => {
    if (kw.size || pos.length !== 1) return UNKNOWN;
    const v = pos[0];
    const s = str(v);
    if (s !== undefined) return /^\s*[+-]?\d+\s*$/.test(s) ? scalar(parseInt(s, 10)) : UNKNOWN;
    const n = num(v);
    return n === undefined || !Number.isFinite(n) ? UNKNOWN : scalar(Math.trunc(n));
  },
  float: ({ pos, kw }) => {
    if (kw.size || pos.length > 1) return UNKNOWN;
    if (!pos.length) return scalar(0, true);
    const s = str(pos[0]);
    const n = s !== undefined ? parseFloatString(s) : num(pos[0]);
    return n === undefined ? UNKNOWN : scalar(n, true);
  },
  bool: ({ pos, kw }) => {
    if (kw.size || pos.length > 1) return UNKNOWN;
    const t = pos.length ? truthy(pos[0]) : false;
    return t === undefined ? UNKNOWN : scalar(t);
  },
  abs: ({ pos }) => {
    const n = pos.length === 1 ? num(pos[0]) : undefined;
    return n === undefined ? UNKNOWN : scalar(Math.abs(n), pos[0].t === 'scalar' && !!pos[0].float);
  },
  min: a => extreme(a, -1),
  max: a => extreme(a, 1),
  'itertools.product': ({ pos, kw }, env) => {
    const repeat = kw.has('repeat') ? int(kw.get('repeat')!) : 1;
    const lists = pos.map(iterate);
    if (repeat === undefined || repeat < 0 || lists.some(l => !l) || [...kw.keys()].some(k => k !== 'repeat')) return UNKNOWN;
    const pools: Val[][] = [];
    for (let r = 0; r < repeat; r++) pools.push(...(lists as Val[][]));
    return seq(crossProduct(pools, env).map(row => seq(row, true)));
  },
  'numpy.linspace': ({ pos, kw }) => {
    const p = params(pos, kw, ['start', 'stop', 'num', 'endpoint']);
    if (!p) return UNKNOWN;
    const start = p.start && num(p.start), stop = p.stop && num(p.stop);
    const n = p.num ? int(p.num) : 50;
    const endpoint = p.endpoint ? truthy(p.endpoint) : true;
    if (start === undefined || stop === undefined || n === undefined || endpoint === undefined || n > CAP) return UNKNOWN;
    return seq(linspace(start, stop, n, endpoint).map(v => scalar(v, true)));
  },
  'numpy.logspace': ({ pos, kw }, env) => {
    const p = params(pos, kw, ['start', 'stop', 'num', 'endpoint', 'base']);
    if (!p) return UNKNOWN;
    const start = p.start && num(p.start), stop = p.stop && num(p.stop), base = p.base ? num(p.base) : 10;
    const n = p.num ? int(p.num) : 50;
    const endpoint = p.endpoint ? truthy(p.endpoint) : true;
    if (start === undefined || stop === undefined || base === undefined || n === undefined || endpoint === undefined || n > CAP) return UNKNOWN;
    env.st.fx.notes.add(NOTES.logspace);
    return seq(logspace(start, stop, n, endpoint, base).map(v => scalar(v, true)));
  },
  'numpy.arange': ({ pos, kw }, env) => {
    const p = params(pos.length === 1 ? [scalar(0), pos[0]] : pos, kw, ['start', 'stop', 'step']);
    if (!p || !p.stop) return UNKNOWN;
    const parts = [p.start ?? scalar(0), p.stop, p.step ?? scalar(1)];
    const ints = parts.map(int);
    if (ints.every(i => i !== undefined)) {
      return FUNCTIONS.range({ pos: ints.map(i => scalar(i!)), kw: new Map() }, env);
    }
    const [a, b, s] = parts.map(num);
    if (a === undefined || b === undefined || s === undefined) return UNKNOWN;
    const values = arange(a, b, s, CAP);
    return values ? seq(values.map(v => scalar(v, true))) : UNKNOWN;
  },
  // An MLflow entity that is a (key, value) pair to `log_batch(params=[..])`.
  'mlflow.entities.Param': ({ pos, kw }) => {
    const key = pos[0] ?? kw.get('key'), value = pos[1] ?? kw.get('value');
    return key && value && pos.length + kw.size === 2 ? seq([key, value], true) : UNKNOWN;
  },
  // Values here are never changed in place (a change makes a new value), so a copy is the value.
  'copy.copy': ({ pos, kw }) => (pos.length === 1 && !kw.size ? pos[0] : UNKNOWN),
  'copy.deepcopy': ({ pos, kw }) => (pos.length === 1 && !kw.size ? pos[0] : UNKNOWN),
  'numpy.array': a => sequenceOf(a, false),
  'numpy.asarray': a => sequenceOf(a, false),
  // At run time these leave out what has a result; statically they list every combination.
  'runlens.grid': runlensGrid,
  'runlens.sweep': runlensSweep,
};

/** Match positional and keyword arguments to parameter names; undefined on anything else. */
function params(pos: Val[], kw: Map<string, Val>, names: string[]): Record<string, Val | undefined> | undefined {
  if (pos.length > names.length) return undefined;
  const out: Record<string, Val | undefined> = {};
  pos.forEach((v, i) => { out[names[i]] = v; });
  for (const [k, v] of kw) {
    if (!names.includes(k) || out[k]) return undefined; // dtype, retstep, axis: not modelled
    out[k] = v;
  }
  return out;
}

function sequenceOf({ pos, kw }: Args, tuple: boolean): Val {
  if (kw.size || pos.length > 1) return UNKNOWN;
  if (!pos.length) return seq([], tuple);
  const items = iterate(pos[0]);
  return items ? seq(items, tuple) : UNKNOWN;
}

function unique(v: Val): Val {
  if (v.t !== 'seq') return UNKNOWN;
  const out: Val[] = [];
  for (const item of v.items) if (!out.some(u => compare('==', u, item))) out.push(item);
  return seq(out);
}

function extreme({ pos, kw }: Args, sign: number): Val {
  if (kw.size) return UNKNOWN;
  const items = pos.length === 1 ? iterate(pos[0]) : pos;
  if (!items?.length) return UNKNOWN;
  let best = items[0];
  for (const v of items.slice(1)) {
    const o = order(v, best);
    if (o === undefined) return UNKNOWN;
    if (o * sign > 0) best = v;
  }
  return best;
}

function method(base: Val, name: string, { pos, kw }: Args): Val {
  const s = str(base);
  if (s !== undefined) return stringMethod(s, name, pos, kw);
  if (kw.size) return UNKNOWN;
  switch (name) {
    case 'tolist': case 'copy': return pos.length ? UNKNOWN : base;
  }
  if (base.t !== 'dict' || base.open) return UNKNOWN;
  switch (name) {
    case 'items': return seq(base.entries.map(([k, v]) => seq([k, v], true)));
    case 'keys': return seq(base.entries.map(e => e[0]));
    case 'values': return seq(base.entries.map(e => e[1]));
    case 'get': return pos.length >= 1 ? lookupKey(base, pos[0]) ?? pos[1] ?? scalar(null) : UNKNOWN;
  }
  return UNKNOWN;
}


/** Methods of a known string that run-name and command-line building uses. */
function stringMethod(s: string, name: string, pos: Val[], kw: Map<string, Val>): Val {
  switch (name) {
    case 'format': {
      const out = strFormat(s, pos, kw);
      return out === undefined ? UNKNOWN : scalar(out);
    }
    case 'join': {
      const items = pos.length === 1 && !kw.size ? iterate(pos[0]) : undefined;
      const parts = items?.map(str);
      return parts && parts.every(p => p !== undefined) ? scalar(parts.join(s)) : UNKNOWN;
    }
    case 'lower': return pos.length || kw.size ? UNKNOWN : scalar(s.toLowerCase());
    case 'upper': return pos.length || kw.size ? UNKNOWN : scalar(s.toUpperCase());
    case 'split': {
      if (kw.size || pos.length > 1) return UNKNOWN;
      const sep = pos.length ? str(pos[0]) : undefined;
      if (pos.length && !sep) return UNKNOWN;
      const parts = sep === undefined ? s.split(/\s+/).filter(Boolean) : s.split(sep);
      return seq(parts.map(p => scalar(p)));
    }
  }
  return UNKNOWN;
}
