/**
 * Gathering a loop nest: walk an outermost `for` (and the bodies of same-file functions it calls,
 * with their arguments bound) and collect the nested loops, the logging calls, and the
 * `continue` statements with the conditions that guard them.
 */
import { classifyAssign, classifyCall, startsRun, type SiteSpec } from './logging';
import { lookup, type FunctionInfo, type LoopInfo } from './scope';
import type { SyntaxNode } from './syntax';
import { text, type Ctx, type Env } from './evalEnv';
import { branchConditions, newState } from './evaluator';
import { bindArgs } from './calls';

/** One `for` as reached from the analysed loop (a function's loop is reached once per call). */
export interface LoopRef {
  info: LoopInfo;
  ctx: Ctx;
  parent?: LoopRef;
  /** One entry per `continue` aimed at this loop: the conditions that must all hold for it to run. */
  continues: Guard[][];
  breaks: boolean;
}

export interface Guard {
  cond: SyntaxNode;
  /** Whether the condition must be true (an `if` branch) or false (an earlier branch not taken). */
  want: boolean;
  /** The condition asks a tracker at run time (`runlens.exists(...)`). */
  runtime: boolean;
}

export type Site = SiteSpec & { node: SyntaxNode; ctx: Ctx; loop?: LoopRef; order: number };

export interface Nest { loops: LoopRef[]; sites: Site[] }

/** The nearest of `l` and the loops around it that is in `set`. */
export function nearestIn(l: LoopRef | undefined, set: Set<LoopRef>): LoopRef | undefined {
  for (; l; l = l.parent) if (set.has(l)) return l;
  return undefined;
}

/** Whether `l` is `root` or inside it. */
export function isUnder(l: LoopRef | undefined, root: LoopRef): boolean {
  for (; l; l = l.parent) if (l === root) return true;
  return false;
}

const MAX_INLINE_DEPTH = 3;

export function gatherNest(root: LoopInfo, ctx: Ctx): Nest {
  const nest: Nest = { loops: [], sites: [] };
  const env: Env = { ctx, st: newState() };
  new Gatherer(nest).forStatement(root, env, undefined, []);
  return nest;
}

class Gatherer {
  /** How many `with …start_run(…)` blocks enclose the node being visited. */
  private runDepth = 0;

  constructor(private readonly nest: Nest) {}

  forStatement(info: LoopInfo, env: Env, loop: LoopRef | undefined, stack: FunctionInfo[]): void {
    for (const it of info.iterables) this.visit(it, env, loop, loop, stack);
    const ref: LoopRef = { info, ctx: env.ctx, parent: loop, continues: [], breaks: false };
    this.nest.loops.push(ref);
    this.visit(info.body, env, ref, ref, stack);
  }

  /** `inner` is the loop a `continue` here would resume: a `while` shields it (undefined). */
  private visit(node: SyntaxNode, env: Env, loop: LoopRef | undefined, inner: LoopRef | undefined,
    stack: FunctionInfo[]): void {
    switch (node.name) {
      case 'FunctionDefinition': case 'ClassDefinition': case 'DecoratedStatement': case 'LambdaExpression':
        return; // defined here, not run here
      case 'ForStatement': {
        const info = env.ctx.unit.loops.get(node.from);
        if (info) return this.forStatement(info, env, loop, stack);
        break;
      }
      case 'WhileStatement':
        for (let c = node.firstChild; c; c = c.nextSibling) this.visit(c, env, loop, undefined, stack);
        return;
      case 'ContinueStatement': {
        const guards = inner && guardsOf(node, inner.info.body, env);
        if (inner && guards) inner.continues.push(guards);
        return;
      }
      case 'BreakStatement':
        if (inner) inner.breaks = true;
        return;
      case 'CallExpression':
        this.addSites(classifyCall(node, env), node, env, loop);
        this.inline(node, env, loop, stack);
        break;
      case 'AssignStatement':
        this.addSites(classifyAssign(node, env), node, env, loop);
        break;
      case 'WithStatement': {
        if (!startsRun(node, env)) break;
        // A run started inside the iteration's run is a child run (MLflow's nested=True): what it
        // logs (a fold, a trial) belongs to the child, not to the combination the loop runs.
        if (this.runDepth > 0) return;
        this.runDepth++;
        for (let c = node.firstChild; c; c = c.nextSibling) this.visit(c, env, loop, inner, stack);
        this.runDepth--;
        return;
      }
    }
    for (let c = node.firstChild; c; c = c.nextSibling) this.visit(c, env, loop, inner, stack);
  }

  private addSites(specs: SiteSpec[], node: SyntaxNode, env: Env, loop: LoopRef | undefined): void {
    for (const s of specs) this.nest.sites.push({ ...s, node, ctx: env.ctx, loop, order: this.nest.sites.length });
  }

  /** A call to a function of this file (or an earlier cell): walk its body with the arguments bound. */
  private inline(call: SyntaxNode, env: Env, loop: LoopRef | undefined, stack: FunctionInfo[]): void {
    const callee = call.firstChild;
    if (callee?.name !== 'VariableName' || env.ctx.depth >= MAX_INLINE_DEPTH) return;
    const r = lookup(env.ctx.scope, text(env, callee), callee.from);
    if (r?.binding.kind !== 'def' || stack.includes(r.binding.fn)) return;
    const fn = r.binding.fn;
    const bound = bindArgs(fn, call, env.ctx);
    const ctx: Ctx = { unit: fn.scope.unit, scope: fn.scope, args: bound, depth: env.ctx.depth + 1 };
    this.visit(fn.body, { ctx, st: env.st }, loop, undefined, [...stack, fn]);
  }
}


/**
 * The conditions under which a `continue` runs, from the `if`/`elif`/`else` branches between it
 * and its loop's body. Undefined when it is not a filter: no condition at all, or inside an
 * `except`/`finally`/`else` of a `try` (error handling, not a choice of combinations).
 */
function guardsOf(cont: SyntaxNode, loopBody: SyntaxNode, env: Env): Guard[] | undefined {
  const guards: Guard[] = [];
  for (let n: SyntaxNode | null = cont.parent; n; n = n.parent) {
    if (n.name !== 'Body') continue;
    if (n.from === loopBody.from && n.to === loopBody.to) break;
    const owner = n.parent;
    if (!owner) return undefined;
    if (owner.name === 'TryStatement') {
      if (owner.getChild('Body')?.from !== n.from) return undefined;
    } else if (owner.name === 'IfStatement') {
      for (const { cond, want } of branchConditions(n) ?? []) guards.push({ cond, want, runtime: asksTracker(cond, env) });
    } else if (owner.name !== 'WithStatement') return undefined;
  }
  return guards.length ? guards : undefined;
}

function asksTracker(cond: SyntaxNode, env: Env): boolean {
  let found = false;
  const walk = (n: SyntaxNode): void => {
    if (found) return;
    if (n.name === 'CallExpression' && classifyCall(n, env).some(s => s.kind === 'exists')) { found = true; return; }
    for (let c = n.firstChild; c; c = c.nextSibling) walk(c);
  };
  walk(cond);
  return found;
}
