/**
 * Evaluation of Python expressions to known values, in a context that knows the current value of
 * each enclosing loop's variable. Anything the analysis cannot know (calls into user code,
 * attributes, `argparse`, files, randomness) evaluates to UNKNOWN: nothing is ever guessed.
 */
import { evalCall } from './builtins';
import { applyChange } from './changes';
import { binary, collection, comprehension, dictionary, formatString, kidsOf, member, unary } from './expressions';
import { parseNumber, parseString } from './literals';
import { oneOf, truthy } from './pyops';
import { candidates, lookup, type Binding, type Scope, type ValueRef } from './scope';
import { children, innerChildren, type SyntaxNode } from './syntax';
import { scalar, seq, UNKNOWN, type Val } from './pyValue';
import { at, text, type Ctx, type Env, type EvalState, type Thunk } from './evalEnv';

interface Cached { val: Val; notes: string[]; runtimeSkip: boolean }

export function newState(): EvalState {
  return { iter: new Map(), fx: { notes: new Set(), runtimeSkip: false }, reads: 0, depth: 0, evaluate };
}

export function evaluate(node: SyntaxNode, env: Env): Val {
  switch (node.name) {
    case 'Number': case 'String': case 'None': case 'Boolean': {
      // Literals are immutable: one Val per literal, so every iteration shares it.
      const memo = env.ctx.unit.literals;
      let v = memo.get(node.from) as Val | undefined;
      if (!v) memo.set(node.from, v = literal(node, env));
      return v;
    }
    case 'FormatString': return formatString(node, env);
    case 'ContinuedString': {
      let s = '';
      for (const part of children(node)) {
        const v = evaluate(part, env);
        if (v.t !== 'scalar' || typeof v.v !== 'string') return UNKNOWN;
        s += v.v;
      }
      return scalar(s, false, at(env, node));
    }
    case 'ParenthesizedExpression': {
      const inner = innerChildren(node);
      return inner.length === 1 ? evaluate(inner[0], env) : UNKNOWN;
    }
    case 'ArrayExpression': case 'TupleExpression': case 'SetExpression': return collection(node, env);
    case 'DictionaryExpression': return dictionary(node, env);
    case 'UnaryExpression': return unary(node, env);
    case 'BinaryExpression': return binary(node, env);
    case 'ConditionalExpression': {
      const [a, , cond, , b] = kidsOf(node, env);
      if (!b) return UNKNOWN;
      const t = truthy(evaluate(cond, env));
      return t === undefined ? UNKNOWN : evaluate(t ? a : b, env);
    }
    case 'VariableName': return variable(node, env);
    case 'MemberExpression': return member(node, env);
    case 'CallExpression': return evalCall(node, env);
    case 'ArrayComprehensionExpression': case 'ComprehensionExpression': case 'SetComprehensionExpression':
    case 'DictionaryComprehensionExpression': return comprehension(node, env);
  }
  return UNKNOWN;
}

function literal(node: SyntaxNode, env: Env): Val {
  switch (node.name) {
    case 'Number': {
      const n = parseNumber(text(env, node));
      return n ? scalar(n.value, n.float, at(env, node)) : UNKNOWN;
    }
    case 'String': {
      const s = parseString(text(env, node));
      return s === undefined ? UNKNOWN : scalar(s, false, at(env, node));
    }
    case 'None': return scalar(null, false, at(env, node));
    default: return scalar(text(env, node) === 'True', false, at(env, node));
  }
}

function evaluateRef(ref: ValueRef, env: Env): Val {
  return Array.isArray(ref) ? seq(ref.map(n => evaluate(n, env)), true) : evaluate(ref, env);
}

/** Follow a tuple-unpacking path (`a, (b, c) = ...`) into a value. */
function destructure(v: Val, path: number[]): Val {
  for (const i of path) {
    if (v.t !== 'seq' || i >= v.items.length) return UNKNOWN;
    v = v.items[i];
  }
  return v;
}

function variable(node: SyntaxNode, env: Env): Val {
  const names = env.ctx.unit.names;
  let name = names.get(node.from);
  if (name === undefined) names.set(node.from, name = text(env, node));
  const local = env.locals?.get(name);
  if (local) return local;
  return nameValue(name, node.from, env);
}

/** What `name` holds at `pos` in the scope `env` evaluates in. */
export function nameValue(name: string, at: number, env: Env): Val {
  const pos = env.rebound?.get(name) ?? at;
  const r = lookup(env.ctx.scope, name, pos, branch => branchTaken(branch, env));
  if (!r) return UNKNOWN;
  const b = r.binding;
  switch (b.kind) {
    case 'loop': {
      env.st.reads++;
      const row = env.st.iter.get(b.loop);
      return row ? destructure(row, b.path) : UNKNOWN;
    }
    case 'param': {
      env.st.reads++;
      const th = r.scope === env.ctx.scope ? env.ctx.args?.get(name) : undefined;
      return th ? force(th, env.st) : UNKNOWN;
    }
    case 'value': return destructure(bindingValue(b, r.scope, env, inner => evaluateRef(b.value, inner)), b.path);
    case 'update': {
      const change = b.change;
      // The binding that made the name hold another's value, with that value as it is now.
      if (change.op === 'refresh') {
        return bindingValue(b, r.scope, env, inner => captured(name, change.capture, { ...inner, rebound: new Map([[change.held, b.pos]]) }));
      }
      // The value just before the change, changed: `cfg["lr"] = lr` on `cfg = dict(BASE)`.
      return bindingValue(b, r.scope, env, inner => applyChange(nameValue(name, b.at, inner), change, inner));
    }
    case 'opaque': return selection(name, pos, env);
  }
  return UNKNOWN;
}

/** A capturing binding's value evaluated afresh (not from its cache), as `env` resolves names. */
function captured(name: string, capture: Binding, env: Env): Val {
  if (capture.kind === 'value') return destructure(evaluateRef(capture.value, env), capture.path);
  if (capture.kind !== 'update' || capture.change.op === 'refresh') return UNKNOWN;
  const { rebound, ...plain } = env;
  return applyChange(nameValue(name, capture.at, plain), capture.change, { ...plain, rebound });
}

/**
 * A name bound in `if` branches the evaluator cannot decide (`if args.quick: lrs = [..] else:
 * lrs = [..]`): what the possible values agree on (`oneOf`). Unknown if any of them is not a plain
 * assignment or the value was changed in place since.
 */
function selection(name: string, pos: number, env: Env): Val {
  const c = candidates(env.ctx.scope, name, pos);
  if (!c || c.bindings.length < 2 || !c.branches.length) return UNKNOWN;
  const at = c.scope === env.ctx.scope ? pos : Infinity;
  const changes = c.scope.mutations.get(name) ?? [];
  const vals: Val[] = [];
  for (const b of c.bindings) {
    if (b.kind !== 'value' || changes.some(m => m > b.pos && m <= at)) return UNKNOWN;
    vals.push(destructure(bindingValue(b, c.scope, env, inner => evaluateRef(b.value, inner)), b.path));
  }
  return oneOf(vals);
}

/** Whether an `if`/`elif`/`else` branch (its Body) runs with the current values. */
function branchTaken(body: SyntaxNode, env: Env): boolean | undefined {
  const conds = branchConditions(body);
  if (!conds) return undefined;
  for (const { cond, want } of conds) {
    const t = truthy(evaluate(cond, env));
    if (t === undefined) return undefined;
    if (t !== want) return false;
  }
  return true;
}

/**
 * The conditions that decide whether a branch of an `if` runs: the earlier conditions false,
 * its own true. Undefined if `body` is not a branch of an `if`.
 */
export function branchConditions(body: SyntaxNode): { cond: SyntaxNode; want: boolean }[] | undefined {
  const owner = body.parent;
  if (owner?.name !== 'IfStatement') return undefined;
  const out: { cond: SyntaxNode; want: boolean }[] = [];
  for (let k = owner.firstChild; k; k = k.nextSibling) {
    const cond = k.nextSibling;
    if ((k.name === 'if' || k.name === 'elif') && cond && cond.name !== 'Body') {
      const mine = cond.nextSibling?.from === body.from;
      out.push({ cond, want: mine });
      if (mine) break;
    }
  }
  return out;
}

export function force(th: Thunk, st: EvalState): Val {
  return 'val' in th ? th.val : guarded(st, () => evaluate(th.node, { ctx: th.ctx, st }));
}

function guarded(st: EvalState, f: () => Val): Val {
  if (st.depth > 40) return UNKNOWN; // a cycle, or a chain too long to be a literal
  st.depth++;
  try { return f(); } finally { st.depth--; }
}

/**
 * The value a binding gives its name (`compute`, in the binding's scope). Values that read no loop
 * variable or argument are cached on the binding, so every iteration sees the same objects.
 */
function bindingValue(b: Extract<Binding, { kind: 'value' | 'update' }>, scope: Scope, env: Env, compute: (env: Env) => Val): Val {
  const st = env.st;
  const cached = b.cache as Cached | undefined;
  if (cached) {
    for (const n of cached.notes) st.fx.notes.add(n);
    st.fx.runtimeSkip ||= cached.runtimeSkip;
    return cached.val;
  }
  const ctx: Ctx = scope === env.ctx.scope ? env.ctx : { unit: scope.unit, scope, depth: env.ctx.depth };
  const outer = st.fx;
  st.fx = { notes: new Set(), runtimeSkip: false };
  const reads = st.reads;
  try {
    const val = guarded(st, () => compute({ ctx, st }));
    if (st.reads === reads) b.cache = { val, notes: [...st.fx.notes], runtimeSkip: st.fx.runtimeSkip };
    return val;
  } finally {
    for (const n of st.fx.notes) outer.notes.add(n);
    outer.runtimeSkip ||= st.fx.runtimeSkip;
    st.fx = outer;
  }
}

