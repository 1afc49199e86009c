/**
 * The expression forms the evaluator knows beyond literals and names: containers, operators,
 * subscripts, f-strings and comprehensions, each with Python's meaning.
 */
import { decodeEscapes } from './literals';
import { formatVal, percentFormat } from './formatting';
import { CAP, NOTES } from './notes';
import { arith, compare, dedupeKeys, lookupKey, oneOf, truthy } from './pyops';
import { children, commaItems, innerChildren, type SyntaxNode } from './syntax';
import { dict, int, iterate, scalar, seq, UNKNOWN, type Val } from './pyValue';
import { at, text, type Env } from './evalEnv';

/** Evaluates an operand with the evaluator the state carries (no import back to it). */
const evaluate = (node: SyntaxNode, env: Env): Val => env.st.evaluate(node, env);

/**
 * A node's children, memoised per node: expressions are evaluated once per combination, and a
 * grid has thousands. Nodes are told apart by where they start and end and their type.
 */
export function kidsOf(node: SyntaxNode, env: Env): SyntaxNode[] {
  const memo = env.ctx.unit.kids;
  let byEnd = memo.get(node.from);
  if (!byEnd) memo.set(node.from, byEnd = new Map());
  const hit = byEnd.get(node.to);
  if (hit && hit.type === node.type.id) return hit.kids;
  const out = children(node);
  byEnd.set(node.to, { type: node.type.id, kids: out });
  return out;
}

const TRUE = scalar(true), FALSE = scalar(false);

/** The comma-separated items inside a bracketed node, memoised per node. */
function items(node: SyntaxNode, env: Env): SyntaxNode[][] {
  const memo = env.ctx.unit.items;
  let out = memo.get(node.from);
  if (!out) memo.set(node.from, out = commaItems(innerChildren(node)));
  return out;
}

export function collection(node: SyntaxNode, env: Env): Val {
  const values: Val[] = [];
  for (const item of items(node, env)) {
    if (item.length === 2 && item[0].name === '*') {
      const spread = evaluate(item[1], env);
      if (spread.t !== 'seq') return UNKNOWN;
      values.push(...spread.items);
    } else if (item.length === 1) values.push(evaluate(item[0], env));
    else return UNKNOWN;
  }
  if (node.name === 'SetExpression') {
    // Sets drop duplicates; their order is Python's hash order, which the loop's order does not need.
    const unique: Val[] = [];
    for (const v of values) if (!unique.some(u => compare('==', u, v))) unique.push(v);
    return seq(unique, false, at(env, node));
  }
  return seq(values, node.name === 'TupleExpression', at(env, node));
}

export function dictionary(node: SyntaxNode, env: Env): Val {
  const entries: [Val, Val][] = [];
  let open = false;
  let spreads = false;
  for (const item of items(node, env)) {
    if (item.length === 3 && item[1].name === ':') entries.push([evaluate(item[0], env), evaluate(item[2], env)]);
    else if (item.length === 2 && item[0].name === '**') {
      spreads = true;
      const spread = evaluate(item[1], env);
      if (spread.t === 'dict') { entries.push(...spread.entries); open ||= spread.open; } else open = true;
    } else open = true;
  }
  return dict(spreads || !literalKeys(node, entries, env) ? dedupeKeys(entries) : entries, open, at(env, node));
}

/** Whether a dict display's keys are distinct string literals (as in most configs): no duplicate to fold. */
function literalKeys(node: SyntaxNode, entries: [Val, Val][], env: Env): boolean {
  const memo = env.ctx.unit.literals;
  const key = -1 - node.from; // beside the literals' own memo entries, which are at offsets >= 0
  let known = memo.get(key) as boolean | undefined;
  if (known === undefined) {
    const keys = items(node, env).map(item => item[0]);
    known = keys.every(k => k.name === 'String') && dedupeKeys(entries).length === entries.length;
    memo.set(key, known);
  }
  return known;
}

export function unary(node: SyntaxNode, env: Env): Val {
  const [op, operand] = kidsOf(node, env);
  if (!operand) return UNKNOWN;
  const opText = text(env, op);
  const v = evaluate(operand, env);
  if (opText === 'not') {
    const t = truthy(v);
    return t === undefined ? UNKNOWN : t ? FALSE : TRUE;
  }
  if (v.t !== 'scalar' || (typeof v.v !== 'number' && typeof v.v !== 'boolean' && typeof v.v !== 'bigint')) return UNKNOWN;
  const n = typeof v.v === 'boolean' ? Number(v.v) : v.v;
  // `-1e-3` is one literal to a reader: keep the site of the whole expression.
  const site = operand.name === 'Number' ? at(env, node) : undefined;
  if (opText === '-') {
    if (typeof n === 'bigint') return scalar(-n, false, site);
    return scalar(n === 0 && !v.float ? 0 : -n, v.float, site); // an int has no negative zero
  }
  if (opText === '+') return scalar(n, v.float, site);
  if (opText === '~') return typeof n === 'number' && Number.isSafeInteger(n) && !v.float ? scalar(-n - 1) : UNKNOWN;
  return UNKNOWN;
}

const COMPARE = new Set(['==', '!=', '<>', '<', '>', '<=', '>=', 'in', 'not in', 'is', 'is not']);

const partsMemo = new WeakMap<SyntaxNode[], { left: SyntaxNode; op: string; right: SyntaxNode }>();

function binaryParts(node: SyntaxNode, env: Env): { left: SyntaxNode; op: string; right: SyntaxNode } | undefined {
  const k = kidsOf(node, env);
  if (k.length < 3) return undefined;
  let parts = partsMemo.get(k);
  if (!parts) partsMemo.set(k, parts = { left: k[0], op: k.slice(1, -1).map(c => text(env, c)).join(' '), right: k[k.length - 1] });
  return parts;
}

export function binary(node: SyntaxNode, env: Env): Val {
  const parts = binaryParts(node, env);
  if (!parts) return UNKNOWN;
  const { left, op, right } = parts;
  if (op === 'and' || op === 'or') {
    const a = evaluate(left, env);
    const t = truthy(a);
    if (t === undefined) return UNKNOWN;
    return (op === 'and') === t ? evaluate(right, env) : a;
  }
  if (COMPARE.has(op)) return comparison(node, env);
  const a = evaluate(left, env);
  if (op === '%' && a.t === 'scalar' && typeof a.v === 'string') {
    const s = percentFormat(a.v, evaluate(right, env));
    return s === undefined ? UNKNOWN : scalar(s);
  }
  return arith(op, a, evaluate(right, env));
}

/** `a < b < c` means `a < b and b < c`; the grammar nests it as `(a < b) < c`. */
function comparison(node: SyntaxNode, env: Env): Val {
  const operands: SyntaxNode[] = [];
  const ops: string[] = [];
  let n: SyntaxNode = node;
  for (;;) {
    const parts = binaryParts(n, env);
    if (!parts || !COMPARE.has(parts.op)) { operands.unshift(n); break; }
    operands.unshift(parts.right);
    ops.unshift(parts.op);
    if (parts.left.name !== 'BinaryExpression') { operands.unshift(parts.left); break; }
    n = parts.left;
  }
  let result: boolean | undefined = true;
  let a = evaluate(operands[0], env);
  for (let i = 0; i < ops.length; i++) {
    const b = evaluate(operands[i + 1], env);
    const r = compare(ops[i], a, b);
    if (r === false) return FALSE;
    if (r === undefined) result = undefined;
    a = b;
  }
  return result === undefined ? UNKNOWN : TRUE;
}

export function member(node: SyntaxNode, env: Env): Val {
  const kids = kidsOf(node, env);
  if (kids[1]?.name === '.' && kids[2]?.name === 'PropertyName') {
    // Attributes of the few library objects the analysis models; others are not known.
    const base = evaluate(kids[0], env);
    return base.t === 'object' ? base.attrs.get(text(env, kids[2])) ?? UNKNOWN : UNKNOWN;
  }
  if (kids[1]?.name !== '[') return UNKNOWN;
  const base = evaluate(kids[0], env);
  const inside = kids.slice(2, -1);
  if (inside.some(k => k.name === ':')) return slice(base, inside, env);
  const items = commaItems(inside);
  if (items.length !== 1 || items[0].length !== 1) {
    const key = seq(items.map(i => (i.length === 1 ? evaluate(i[0], env) : UNKNOWN)), true);
    return base.t === 'dict' ? lookupKey(base, key) ?? UNKNOWN : UNKNOWN;
  }
  return subscript(base, evaluate(items[0][0], env));
}

function subscript(base: Val, key: Val): Val {
  // `GRIDS[args.size]`: one of the dict's values, chosen at run time.
  if (base.t === 'dict' && key.t === 'unknown') return base.open ? UNKNOWN : oneOf(base.entries.map(e => e[1]));
  if (base.t === 'dict') return lookupKey(base, key) ?? UNKNOWN;
  const i = int(key);
  if (i === undefined) return UNKNOWN;
  if (base.t === 'seq') {
    const j = i < 0 ? base.items.length + i : i;
    return base.items[j] ?? UNKNOWN;
  }
  if (base.t === 'scalar' && typeof base.v === 'string') {
    const chars = [...base.v];
    const c = chars[i < 0 ? chars.length + i : i];
    return c === undefined ? UNKNOWN : scalar(c);
  }
  return UNKNOWN;
}

function slice(base: Val, inside: SyntaxNode[], env: Env): Val {
  if (base.t !== 'seq') return UNKNOWN;
  const bounds: (number | undefined)[] = [undefined, undefined, undefined];
  let slot = 0;
  for (const k of inside) {
    if (k.name === ':') { slot++; continue; }
    const n = int(evaluate(k, env));
    if (n === undefined || slot > 2) return UNKNOWN;
    bounds[slot] = n;
  }
  const [start, stop, step = 1] = bounds;
  if (step !== 1) return UNKNOWN;
  return seq(base.items.slice(start ?? 0, stop), base.tuple);
}

export function formatString(node: SyntaxNode, env: Env): Val {
  const src = text(env, node);
  const m = /^([a-zA-Z]*)('''|"""|'|")/.exec(src);
  if (!m || !src.endsWith(m[2]) || src.length < m[0].length + m[2].length) return UNKNOWN;
  const raw = m[1].toLowerCase().includes('r');
  const start = node.from + m[0].length;
  const end = node.to - m[2].length;
  let out = '';
  let pos = start;
  const literal = (to: number): boolean => {
    const piece = env.ctx.unit.source.slice(pos, to).replace(/\{\{/g, '{').replace(/\}\}/g, '}');
    const decoded = raw ? piece : decodeEscapes(piece);
    if (decoded === undefined) return false;
    out += decoded;
    return true;
  };
  for (const field of node.getChildren('FormatReplacement')) {
    if (!literal(field.from)) return UNKNOWN;
    const s = formatField(field, env);
    if (s === undefined) return UNKNOWN;
    out += s;
    pos = field.to;
  }
  if (!literal(end)) return UNKNOWN;
  return scalar(out, false, at(env, node));
}

/** One `{..}` of an f-string: `{lr}`, `{lr:.0e}`, `{name!r:>8}`, `{lr=}`. */
function formatField(field: SyntaxNode, env: Env): string | undefined {
  const parts = children(field).filter(c => c.name !== '{' && c.name !== '}');
  const [expr] = parts;
  if (!expr) return undefined;
  let conversion = '', spec = '', selfDoc = '';
  for (const p of parts.slice(1)) {
    if (p.name === 'FormatConversion') conversion = text(env, p).slice(1);
    else if (p.name === 'FormatSelfDoc') selfDoc = env.ctx.unit.source.slice(field.from + 1, p.to);
    else if (p.name === 'FormatSpec') {
      if (p.getChild('FormatReplacement')) return undefined; // a nested field: `{x:{width}}`
      spec = text(env, p).slice(1);
    } else return undefined;
  }
  // `{lr=}` prints the expression as written and the value's repr, unless a spec or `!s` says otherwise.
  if (selfDoc && !conversion && !spec) conversion = 'r';
  const s = formatVal(evaluate(expr, env), spec, conversion);
  return s === undefined ? undefined : selfDoc + s;
}

/** `[f(x) for x in xs if cond]` and its set, dict and generator forms. */
export function comprehension(node: SyntaxNode, env: Env): Val {
  const kids = children(node).filter(c => !['[', ']', '(', ')', '{', '}'].includes(c.name));
  const firstFor = kids.findIndex(k => k.name === 'for');
  if (firstFor < 1) return UNKNOWN;
  const element = kids.slice(0, firstFor);
  const clauses: SyntaxNode[][] = [];
  for (const k of kids.slice(firstFor)) {
    if (k.name === 'for' || k.name === 'if') clauses.push([k]);
    else clauses[clauses.length - 1].push(k);
  }
  const out: Val[] = [];
  let ok = true;
  const run = (i: number, locals: Map<string, Val>): void => {
    if (!ok) return;
    const inner: Env = { ...env, locals };
    if (i === clauses.length) {
      if (out.length >= CAP) { env.st.fx.notes.add(NOTES.capped); ok = false; return; }
      if (element.length === 1) out.push(evaluate(element[0], inner));
      else if (element.length === 3) out.push(seq([evaluate(element[0], inner), evaluate(element[2], inner)], true));
      else ok = false;
      return;
    }
    const clause = clauses[i];
    if (clause[0].name === 'if') {
      const t = clause[1] ? truthy(evaluate(clause[1], inner)) : undefined;
      if (t === undefined) ok = false; else if (t) run(i + 1, locals);
      return;
    }
    const inAt = clause.findIndex(c => c.name === 'in');
    const iterable = clause[inAt + 1];
    const rows = inAt > 0 && iterable ? iterate(evaluate(iterable, inner)) : undefined;
    if (!rows) { ok = false; return; }
    const targets = commaItems(clause.slice(1, inAt));
    const tuple = targets.length > 1 || clause[inAt - 1].name === ',';
    for (const row of rows) {
      const next = new Map(locals);
      if (!bindPattern(targets, tuple, row, next, env)) { ok = false; return; }
      run(i + 1, next);
    }
  };
  run(0, new Map(env.locals ?? []));
  if (!ok) return UNKNOWN;
  if (node.name === 'DictionaryComprehensionExpression') {
    return dict(dedupeKeys(out.map(v => (v as Extract<Val, { t: 'seq' }>).items as [Val, Val])));
  }
  return seq(out, false);
}

/** Bind comprehension targets (names and nested tuples of names) to a row. */
function bindPattern(targets: SyntaxNode[][], tuple: boolean, row: Val, locals: Map<string, Val>, env: Env): boolean {
  if (!tuple) {
    const t = targets[0];
    if (t?.length !== 1) return false;
    if (t[0].name === 'VariableName') { locals.set(text(env, t[0]), row); return true; }
    if (t[0].name === 'TupleExpression' || t[0].name === 'ParenthesizedExpression' || t[0].name === 'ArrayExpression') {
      const sub = commaItems(innerChildren(t[0]));
      return bindPattern(sub, t[0].name !== 'ParenthesizedExpression', row, locals, env);
    }
    return false;
  }
  if (row.t !== 'seq' || row.items.length !== targets.length) return false;
  return targets.every((t, i) => bindPattern([t], false, row.items[i], locals, env));
}

