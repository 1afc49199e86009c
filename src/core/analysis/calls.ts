/**
 * Where a function is called from, with each call's arguments bound to its parameters: so a loop
 * over a parameter (`def run_grid(grid): for p in ParameterGrid(grid)`) is enumerated once per call
 * (`run_grid(GRID)` under `if __name__ == "__main__":`, with keywords and defaults, from another
 * function that is itself called, or from a later notebook cell).
 */
import { insideRun } from './logging';
import { lookup, type CallSite, type FunctionInfo, type Scope, type Unit } from './scope';
import { argNodes, type SyntaxNode } from './syntax';
import type { Ctx, Thunk } from './evalEnv';
import { newState } from './evaluator';

/** A way a function's body runs: with the arguments of one call, inside a run or not. */
export interface CallContext {
  ctx: Ctx;
  /** The call that binds the arguments (the outermost when calls chain). */
  call: { unit: Unit; node: SyntaxNode };
  /** The call (or one it is reached through) sits inside a `with` that starts a run. */
  inRun: boolean;
}

const MAX_CHAIN = 3;
const MAX_CONTEXTS = 16;

/** A call's arguments bound to a function's parameters; defaults where the call gives none. */
export function bindArgs(fn: FunctionInfo, call: SyntaxNode, caller: Ctx): Map<string, Thunk> {
  const args = argNodes(call.getChild('ArgList'), caller.unit.source);
  const bound = new Map<string, Thunk>();
  const defCtx: Ctx = { unit: fn.scope.unit, scope: fn.scope.parent ?? fn.scope, depth: caller.depth };
  // After a `*args` spread the positions of later arguments are unknown, so stop there.
  const star = Math.min(...args.spreads.filter(s => !s.double).map(s => s.node.from));
  const placed = args.positional.filter(p => p.from < star);
  fn.params.forEach((p, i) => {
    if (p.kind !== 'plain') return;
    const node = i < placed.length ? placed[i] : args.keywords.get(p.name);
    if (node) bound.set(p.name, { node, ctx: caller });
    else if (p.default && !args.spreads.length) bound.set(p.name, { node: p.default, ctx: defCtx });
  });
  return bound;
}

/**
 * The contexts a function scope's code runs in, one per call outside a loop (a call inside a loop
 * is followed by that loop's analysis). Empty when it is not a function, or nothing calls it.
 */
export function callContexts(scope: Scope, chain = 0): CallContext[] {
  if (scope.kind !== 'function' || chain >= MAX_CHAIN) return [];
  const out: CallContext[] = [];
  const name = fnName(scope);
  for (const unit of scope.unit.notebook ?? [scope.unit]) {
    if (unit.index < scope.unit.index) continue; // an earlier cell cannot call what is defined later
    for (const site of sitesNamed(unit, name)) {
      const fn = site.inLoop ? undefined : called(site, scope);
      if (!fn) continue;
      for (const caller of callerContexts(site, chain)) {
        const ctx: Ctx = { unit: fn.scope.unit, scope: fn.scope, args: bindArgs(fn, site.node, caller.ctx), depth: 0 };
        const inRun = caller.inRun || insideRun(site.node, { ctx: caller.ctx, st: newState() });
        out.push({ ctx, call: caller.call ?? { unit, node: site.node }, inRun });
        if (out.length >= MAX_CONTEXTS) return out;
      }
    }
  }
  return out;
}

/**
 * Whether a function is called, and only from inside loops: those loops' analyses follow its body
 * with their arguments, so its own loops say nothing more.
 */
export function calledOnlyInLoops(scope: Scope): boolean {
  if (scope.kind !== 'function') return false;
  let any = false;
  const name = fnName(scope);
  for (const unit of scope.unit.notebook ?? [scope.unit]) {
    for (const site of sitesNamed(unit, name)) {
      if (!called(site, scope)) continue;
      if (!site.inLoop) return false;
      any = true;
    }
  }
  return any;
}

function fnName(scope: Scope): string {
  const n = scope.node.getChild('VariableName');
  return n ? scope.unit.source.slice(n.from, n.to) : '';
}

const byName = new WeakMap<Unit, Map<string, CallSite[]>>();

/** A unit's call sites of one callee name (built once per unit). */
function sitesNamed(unit: Unit, name: string): CallSite[] {
  let map = byName.get(unit);
  if (!map) {
    map = new Map();
    for (const s of unit.callSites) {
      const list = map.get(s.name);
      if (list) list.push(s); else map.set(s.name, [s]);
    }
    byName.set(unit, map);
  }
  return map.get(name) ?? [];
}

/** The function a call site calls, if it is the one whose scope is `scope`. */
function called(site: CallSite, scope: Scope): FunctionInfo | undefined {
  const b = lookup(site.scope, site.name, site.node.from)?.binding;
  return b?.kind === 'def' && b.fn.scope === scope ? b.fn : undefined;
}

/** Where the calling code itself runs: the module as it is, or each call of the calling function. */
function callerContexts(site: CallSite, chain: number): { ctx: Ctx; call?: CallContext['call']; inRun: boolean }[] {
  const base: Ctx = { unit: site.scope.unit, scope: site.scope, depth: 0 };
  if (site.scope.kind !== 'function') return [{ ctx: base, inRun: false }];
  const up = callContexts(site.scope, chain + 1);
  return up.length ? up : [{ ctx: base, inRun: false }];
}
