/**
 * Functions passed around as values: lambdas (`map(lambda k: 10 ** -k, range(3))`, or a name bound
 * to one, `scale = lambda k: ..; scale(2)`) and builtins named as functions (`map(float, xs)`).
 * A lambda's body is evaluated with its parameters bound; nothing else of user code is run.
 */
import { lookup } from './scope';
import { children, commaItems, innerChildren, type SyntaxNode } from './syntax';
import { iterate, seq, UNKNOWN, type Val } from './pyValue';
import { truthy } from './pyops';
import { text, type Args, type Ctx, type Env } from './evalEnv';

export type Callable = (args: Val[]) => Val;
/** Calls a builtin by name (`float`, `round`), or undefined when it is not one the analysis knows. */
export type BuiltinCaller = (name: string, args: Args) => Val | undefined;

/** The function a syntax node stands for, if the analysis can call it. */
export function callableOf(node: SyntaxNode, env: Env, builtin: BuiltinCaller, depth = 0): Callable | undefined {
  if (node.name === 'LambdaExpression') return lambda(node, env);
  if (node.name !== 'VariableName' || depth > 4) return undefined;
  const name = text(env, node);
  const r = lookup(env.ctx.scope, name, node.from);
  if (!r) {
    if (builtin(name, { pos: [], kw: new Map() }) === undefined) return undefined;
    return args => builtin(name, { pos: args, kw: new Map() }) ?? UNKNOWN;
  }
  const b = r.binding;
  if (b.kind !== 'value' || b.path.length || Array.isArray(b.value)) return undefined;
  const ctx: Ctx = r.scope === env.ctx.scope ? env.ctx : { unit: r.scope.unit, scope: r.scope, depth: env.ctx.depth };
  return callableOf(b.value, { ctx, st: env.st }, builtin, depth + 1);
}

function lambda(node: SyntaxNode, env: Env): Callable | undefined {
  const kids = children(node);
  const params = node.getChild('ParamList');
  const body = kids[kids.length - 1];
  const names: { name: string; fallback?: SyntaxNode }[] = [];
  for (const item of commaItems(params ? innerChildren(params) : [])) {
    if (item[0]?.name !== 'VariableName' || (item.length !== 1 && item[1]?.name !== 'AssignOp')) return undefined;
    names.push({ name: text(env, item[0]), fallback: item[2] });
  }
  if (!body || body === params) return undefined;
  return args => {
    if (args.length > names.length) return UNKNOWN;
    const locals = new Map(env.locals ?? []);
    for (let i = 0; i < names.length; i++) {
      const v = i < args.length ? args[i] : names[i].fallback ? env.st.evaluate(names[i].fallback!, env) : undefined;
      if (!v) return UNKNOWN;
      locals.set(names[i].name, v);
    }
    return env.st.evaluate(body, { ...env, locals });
  };
}

/** `map(f, *iterables)` and `filter(f, iterable)`, given the call's argument nodes. */
export function mapOrFilter(which: 'map' | 'filter', argList: SyntaxNode | null, env: Env, builtin: BuiltinCaller): Val {
  const items = commaItems(argList ? innerChildren(argList) : []);
  if (items.length < 2 || items.some(i => i.length !== 1)) return UNKNOWN;
  const [fnNode, ...rest] = items.map(i => i[0]);
  const lists = rest.map(n => iterate(env.st.evaluate(n, env)));
  if (lists.some(l => !l)) return UNKNOWN;
  if (which === 'filter') {
    if (lists.length !== 1) return UNKNOWN;
    const keep: Val[] = [];
    const f: Callable | undefined = fnNode.name === 'None' ? (args: Val[]) => args[0] : callableOf(fnNode, env, builtin);
    if (!f) return UNKNOWN;
    for (const v of lists[0]!) {
      const t = truthy(f([v]));
      if (t === undefined) return UNKNOWN;
      if (t) keep.push(v);
    }
    return seq(keep);
  }
  const f = callableOf(fnNode, env, builtin);
  if (!f) return UNKNOWN;
  const n = Math.min(...lists.map(l => l!.length));
  const out: Val[] = [];
  for (let i = 0; i < n; i++) out.push(f(lists.map(l => l![i])));
  return seq(out);
}
