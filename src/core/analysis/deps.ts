/**
 * Which enclosing loops an expression's value depends on, following names through assignments
 * (`cfg = {"lr": lr}`) and through the arguments of inlined calls. This is what tells an
 * experiment loop (its variable reaches a logged value) from a loop over data or epochs.
 */
import type { LoopRef } from './nest';
import { candidates, type Binding, type LoopInfo, type ValueRef } from './scope';
import { textOf, type SyntaxNode } from './syntax';
import type { Ctx } from './evalEnv';
import { branchConditions } from './evaluator';

const COMPREHENSIONS = new Set(['ArrayComprehensionExpression', 'ComprehensionExpression',
  'SetComprehensionExpression', 'DictionaryComprehensionExpression']);

/** The loops a value depends on, each with the first target position read (`for lr, bs in ..`: 0, 1). */
export function loopDeps(ref: ValueRef, ctx: Ctx, innermost: LoopRef | undefined): Map<LoopRef, number> {
  const out = new Map<LoopRef, number>();
  new DepWalker(innermost, out).walkRef(ref, ctx, new Set());
  return out;
}

class DepWalker {
  constructor(private readonly innermost: LoopRef | undefined, private readonly out: Map<LoopRef, number>) {}

  walkRef(ref: ValueRef, ctx: Ctx, shadowed: Set<string>): void {
    for (const n of Array.isArray(ref) ? ref : [ref]) this.walk(n, ctx, shadowed);
  }

  private walk(node: SyntaxNode, ctx: Ctx, shadowed: Set<string>, seen = new Set<Binding>()): void {
    if (node.name === 'LambdaExpression') return;
    if (node.name === 'VariableName') return this.name(node, ctx, shadowed, seen);
    if (COMPREHENSIONS.has(node.name)) shadowed = new Set([...shadowed, ...comprehensionTargets(node, ctx)]);
    for (let c = node.firstChild; c; c = c.nextSibling) {
      // `f(lr=x)`: `lr` names a parameter, it is not read.
      if (c.name === 'VariableName' && c.nextSibling?.name === 'AssignOp' && node.name === 'ArgList') continue;
      this.walk(c, ctx, shadowed, seen);
    }
  }

  private name(node: SyntaxNode, ctx: Ctx, shadowed: Set<string>, seen: Set<Binding>): void {
    const name = textOf(ctx.unit.source, node);
    if (shadowed.has(name)) return;
    this.nameAt(name, node.from, ctx, seen);
  }

  private nameAt(name: string, pos: number, ctx: Ctx, seen: Set<Binding>): void {
    const c = candidates(ctx.scope, name, pos);
    if (!c) return;
    const inner: Ctx = c.scope === ctx.scope ? ctx : { unit: c.scope.unit, scope: c.scope, depth: ctx.depth };
    // `if lr > 0.1: bs = 32 else: bs = 64`: bs depends on lr through the condition too.
    for (const branch of c.branches) {
      for (const { cond } of branchConditions(branch) ?? []) this.walk(cond, inner, new Set(), seen);
    }
    for (const b of c.bindings) {
      if (seen.has(b)) continue;
      seen.add(b);
      if (b.kind === 'loop') {
        const ref = this.find(b.loop);
        const target = b.path[0] ?? 0;
        if (ref) this.out.set(ref, Math.min(this.out.get(ref) ?? target, target));
      } else if (b.kind === 'value') {
        for (const n of Array.isArray(b.value) ? b.value : [b.value]) this.walk(n, inner, new Set(), seen);
      } else if (b.kind === 'update') {
        // What the change puts in, and what the name held before it.
        const ch = b.change;
        if (ch.op === 'refresh') {
          this.nameAt(ch.held, b.pos, inner, seen);
          this.nameAt(name, b.at - 1, inner, seen);
          continue;
        }
        for (const n of ch.op === 'setitem' ? [ch.key, ch.value] : ch.op === 'augment' ? [ch.value] : ch.args ? [ch.args] : []) {
          this.walk(n, inner, new Set(), seen);
        }
        this.nameAt(name, b.at, inner, seen);
      } else if (b.kind === 'param' && c.scope === ctx.scope) {
        const th = ctx.args?.get(name);
        if (th && 'node' in th) this.walk(th.node, th.ctx, new Set(), seen);
      }
    }
  }

  private find(info: LoopInfo): LoopRef | undefined {
    for (let r = this.innermost; r; r = r.parent) if (r.info === info) return r;
    return undefined;
  }
}

function comprehensionTargets(node: SyntaxNode, ctx: Ctx): string[] {
  const names: string[] = [];
  let inTarget = false;
  for (let c = node.firstChild; c; c = c.nextSibling) {
    if (c.name === 'for') inTarget = true;
    else if (c.name === 'in') inTarget = false;
    else if (inTarget) collectNames(c, ctx, names);
  }
  return names;
}

function collectNames(node: SyntaxNode, ctx: Ctx, out: string[]): void {
  if (node.name === 'VariableName') out.push(textOf(ctx.unit.source, node));
  for (let c = node.firstChild; c; c = c.nextSibling) collectNames(c, ctx, out);
}
