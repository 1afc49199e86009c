/**
 * Where each key of a logged dict gets its value in the syntax: `{"lr": lr}`, `dict(base, lr=lr)`,
 * `{**base, "lr": lr}`, `a | b`, a name bound to one of those, or changed in place (`cfg["lr"] = lr`,
 * `cfg.update(..)`). So each key can be ranked by the loop its own value depends on, not by the
 * loops any key of the dict depends on.
 */
import { lookup } from './scope';
import { argNodes, commaItems, innerChildren, textOf, type SyntaxNode } from './syntax';
import { keyString } from './pyValue';
import type { Ctx } from './evalEnv';
import { evaluate, newState } from './evaluator';

export type Entry = [key: string, value: SyntaxNode, ctx: Ctx];

const MAX_DEPTH = 6;

export function dictEntries(node: SyntaxNode, ctx: Ctx, depth = 0): Entry[] | undefined {
  if (depth > MAX_DEPTH) return undefined;
  const src = ctx.unit.source;
  const out = new Map<string, Entry>();
  // A later entry takes the key's value (and keeps its place), as in a Python dict.
  const put = (e: Entry) => { out.set(e[0], e); };
  const spread = (n: SyntaxNode) => { for (const e of dictEntries(n, ctx, depth + 1) ?? keysOf(n, ctx)) put(e); };
  switch (node.name) {
    case 'DictionaryExpression':
      for (const item of commaItems(innerChildren(node))) {
        if (item.length === 2 && item[0].name === '**') spread(item[1]);
        else if (item.length === 3) {
          const k = keyString(evaluate(item[0], { ctx, st: newState() }));
          if (k !== undefined) put([k, item[2], ctx]);
        }
      }
      return [...out.values()];
    case 'CallExpression': {
      if (node.firstChild?.name !== 'VariableName' || textOf(src, node.firstChild) !== 'dict') return undefined;
      const args = argNodes(node.getChild('ArgList'), src);
      if (args.positional.length === 1) spread(args.positional[0]);
      for (const s of args.spreads) if (s.double) spread(s.node);
      for (const [k, v] of args.keywords) put([k, v, ctx]);
      return [...out.values()];
    }
    case 'BinaryExpression': {
      const [a, op, b] = [node.firstChild, node.firstChild?.nextSibling, node.lastChild];
      if (!a || !b || !op || textOf(src, op) !== '|') return undefined;
      spread(a);
      spread(b);
      return [...out.values()];
    }
    case 'ParenthesizedExpression': {
      const inner = innerChildren(node);
      return inner.length === 1 ? dictEntries(inner[0], ctx, depth + 1) : undefined;
    }
    case 'VariableName': return nameEntries(textOf(src, node), node.from, ctx, depth);
  }
  return undefined;
}

function nameEntries(name: string, pos: number, ctx: Ctx, depth: number): Entry[] | undefined {
  const r = lookup(ctx.scope, name, pos);
  const b = r?.binding;
  if (!r || !b) return undefined;
  const inner: Ctx = r.scope === ctx.scope ? ctx : { unit: r.scope.unit, scope: r.scope, depth: ctx.depth };
  if (b.kind === 'value') return !b.path.length && !Array.isArray(b.value) ? dictEntries(b.value, inner, depth + 1) : undefined;
  if (b.kind !== 'update') return undefined;
  const before = nameEntries(name, b.at, inner, depth + 1);
  if (!before) return undefined;
  const out = new Map(before.map(e => [e[0], e] as const));
  const change = b.change;
  if (change.op === 'setitem') {
    const k = keyString(evaluate(change.key, { ctx: inner, st: newState() }));
    if (k === undefined) return undefined;
    out.set(k, [k, change.value, inner]);
  } else if (change.op === 'method' && change.method === 'update') {
    const args = argNodes(change.args, inner.unit.source);
    for (const p of args.positional) for (const e of dictEntries(p, inner, depth + 1) ?? keysOf(p, inner)) out.set(e[0], e);
    for (const [k, v] of args.keywords) out.set(k, [k, v, inner]);
  }
  return [...out.values()];
}

/** The keys of a dict expression whose entries cannot be placed, each ranked by the whole expression. */
function keysOf(node: SyntaxNode, ctx: Ctx): Entry[] {
  const v = evaluate(node, { ctx, st: newState() });
  if (v.t !== 'dict') return [];
  const out: Entry[] = [];
  for (const [k] of v.entries) {
    const key = keyString(k);
    if (key !== undefined) out.push([key, node, ctx]);
  }
  return out;
}
