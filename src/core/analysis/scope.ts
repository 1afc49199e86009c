/**
 * Name bindings: what each name means at a point of a file (or notebook cell). bindings.ts builds
 * them; this module answers lookups.
 *
 * A binding is trusted at a point only if it is the last one before that point in its scope and
 * every block it sits in (a loop body, an `except`) also holds the point; a binding in an `if`
 * branch holds when the evaluator can tell the branch ran. Otherwise the name's value depends on
 * run-time paths and is unknown.
 */
import type { Tree } from '@lezer/common';
import type { LineIndex, SyntaxNode } from './syntax';

/** One parsed source: a file, or a notebook cell that sees the names of the cells before it. */
export interface Unit {
  index: number;
  source: string;
  tree: Tree;
  lines: LineIndex;
  module: Scope;
  prev?: Unit;
  /** Local name -> dotted module path (`mf` -> `mlflow`, `product` -> `itertools.product`). */
  imports: Map<string, string>;
  starImports: string[];
  loops: Map<number, LoopInfo>;
  loopList: LoopInfo[];
  /**
   * Per-node memos for the evaluator, by start offset (literal values, items of a bracketed
   * list). A combination grid evaluates the same syntax thousands of times.
   */
  literals: Map<number, unknown>;
  items: Map<number, SyntaxNode[][]>;
  /** Each variable's name, by where it starts. */
  names: Map<number, string>;
  /** A node's children, by its start, then end (expressions.ts's `kidsOf`). */
  kids: Map<number, Map<number, { type: number; kids: SyntaxNode[] }>>;
  /** Calls made by a statement (`train(cfg)`, `x = run(grid)`, `GridSearchCV(..).fit(X)`). */
  callSites: CallSite[];
  /** In a notebook, every cell's unit, in order: a function may be called in a later cell. */
  notebook?: Unit[];
}

export interface CallSite {
  /** The callee as written (`train`, `wandb.sweep`). */
  name: string;
  /** The CallExpression. */
  node: SyntaxNode;
  scope: Scope;
  /** Inside a `for` of its scope: that loop's analysis follows the call instead. */
  inLoop: boolean;
}

export interface Scope {
  kind: 'module' | 'function' | 'class';
  node: SyntaxNode;
  parent?: Scope;
  unit: Unit;
  bindings: Map<string, Binding[]>;
  /**
   * In-place changes not followed (`xs.pop()`, `xs[i][j] = ..`), by name, and changes to a value
   * another name holds too (`cfg["opt"] = opt; opt.update(..)` changes cfg): they make earlier
   * values stale. Followed changes are bindings (`Change`).
   */
  mutations: Map<string, number[]>;
}

export interface LoopInfo {
  node: SyntaxNode;
  scope: Scope;
  /** Target syntax, split on top-level commas. */
  targets: SyntaxNode[][];
  /** Iterable syntax; several nodes form an implicit tuple (`for x in 1, 2`). */
  iterables: SyntaxNode[];
  body: SyntaxNode;
  /** The nearest `for` around this one in the same scope. */
  outer?: LoopInfo;
}

export interface FunctionInfo {
  name: string;
  node: SyntaxNode;
  scope: Scope;
  body: SyntaxNode;
  params: { name: string; kind: 'plain' | 'star' | 'dstar'; default?: SyntaxNode }[];
}

/** Several nodes stand for an implicit tuple (`a, b = 1, 2`). */
export type ValueRef = SyntaxNode | SyntaxNode[];

/** A block that may not run: a loop body, an `except`, or an `if` branch (`branch` is its Body). */
export interface Block { from: number; to: number; branch?: SyntaxNode }

interface BindingBase {
  name: string;
  /** Where the binding takes effect (after its statement, or at the start of a loop body). */
  pos: number;
  /** The blocks the binding sits in, outermost first. */
  guards: Block[];
}
/**
 * An in-place change to the value a name holds, made by a statement of its own: `x[k] = v`,
 * `x += v`, `x.update(..)`, `x.append(v)`, `x.extend(v)`. Its value is the name's value just before
 * the statement (`at`), changed.
 */
export type Change =
  /** `x[k] = v`, or with `operator`, `x[k] += v`. */
  | { op: 'setitem'; key: SyntaxNode; value: SyntaxNode; operator?: string }
  | { op: 'augment'; operator: string; value: SyntaxNode }
  | { op: 'method'; method: 'update' | 'append' | 'extend'; args: SyntaxNode | null }
  /**
   * The name holds another name's value (`cfg["p"] = params`) that was changed in place since
   * (`params.update(..)`): its `capture` binding again, with `held` as it is at this binding.
   */
  | { op: 'refresh'; capture: Binding; held: string };

export type Binding = BindingBase & (
  | { kind: 'value'; value: ValueRef; path: number[]; cache?: unknown }
  | { kind: 'update'; change: Change; at: number; cache?: unknown }
  | { kind: 'loop'; loop: LoopInfo; path: number[] }
  | { kind: 'param'; fn: FunctionInfo }
  | { kind: 'def'; fn: FunctionInfo }
  | { kind: 'opaque' });

export interface Resolved { binding: Binding; scope: Scope }

/**
 * The active experiment is process state set by a call, so each `set_experiment(..)` call is
 * recorded as a binding of this name (not a Python identifier): `lookup` then answers which call
 * ran last before a point, with the same rules for branches, loops, functions and earlier cells
 * as for any name. The binding's value is the call.
 */
export const SET_EXPERIMENT = '<set_experiment>';

/**
 * Whether an `if` branch (its Body) ran in the case being evaluated: true, false, or cannot tell.
 * Without one, a binding made in a branch that does not hold the point is unknown.
 */
export type BranchDecider = (branch: SyntaxNode) => boolean | undefined;

const OPAQUE: Binding = { kind: 'opaque', name: '', pos: 0, guards: [] };

/**
 * What `name` means at `pos` inside `scope`. Undefined when nothing binds it (a builtin, or a
 * module the file forgot to import). Inside a function, module names are looked up as they stand
 * at the end of the module, since functions usually run after the module has been executed.
 */
export function lookup(scope: Scope, name: string, pos: number, decide?: BranchDecider): Resolved | undefined {
  let s: Scope | undefined = scope;
  let p = pos;
  while (s) {
    const list = s.bindings.get(name);
    if (list) {
      // Branches are decided only in the scope being evaluated, where the decider's values live.
      const b = latest(list, s, p, s === scope ? decide : undefined);
      if (b) return { binding: b, scope: s };
      if (s.kind !== 'module') return { binding: OPAQUE, scope: s }; // local, but not bound yet
    }
    if (s.kind === 'module') {
      const prev: Unit | undefined = s.unit.prev;
      s = prev?.module;
      p = Infinity;
    } else {
      s = s.parent;
      if (s?.kind === 'module') p = Infinity;
      else if (s) p = s.node.to;
    }
  }
  return undefined;
}

/**
 * Every binding `name` may have at `pos`: the `if`-branch bindings back to the first one that
 * certainly holds, with the branches they depend on. For dependency tracking, which must follow
 * all of them.
 */
export function candidates(scope: Scope, name: string, pos: number): { bindings: Binding[]; branches: SyntaxNode[]; scope: Scope } | undefined {
  const r = lookup(scope, name, pos);
  if (!r) return undefined;
  const p = r.scope === scope ? pos : Infinity;
  const bindings: Binding[] = [];
  const branches: SyntaxNode[] = [];
  const list = r.scope.bindings.get(name) ?? [];
  for (let i = list.length - 1; i >= 0; i--) {
    const b = list[i];
    if (b.pos > p) continue;
    let certain = true;
    let onlyBranches = true;
    for (const g of b.guards) {
      if (g.from <= p && p <= g.to) continue;
      certain = false;
      if (g.branch) branches.push(g.branch); else onlyBranches = false;
    }
    if (!onlyBranches) break; // bound in a loop or `except` elsewhere: unknown, nothing to follow
    bindings.push(b);
    if (certain) break;
  }
  return { bindings, branches, scope: r.scope };
}

/** The binding in force at `pos`, stepping back over `if` branches that did not run. */
function latest(list: Binding[], scope: Scope, pos: number, decide?: BranchDecider): Binding | undefined {
  for (let i = list.length - 1; i >= 0; i--) {
    const b = list[i];
    if (b.pos > pos) continue;
    const v = validity(b, scope, pos, decide);
    if (v === 'yes') return b;
    if (v === 'unknown') return OPAQUE;
  }
  return undefined;
}

function validity(b: Binding, scope: Scope, pos: number, decide?: BranchDecider): 'yes' | 'no' | 'unknown' {
  for (const g of b.guards) {
    if (g.from <= pos && pos <= g.to) continue;
    const ran = g.branch && decide ? decide(g.branch) : undefined;
    if (ran === undefined) return 'unknown';
    if (!ran) return 'no';
  }
  const changes = scope.mutations.get(b.name);
  return changes && changes.some(m => m > b.pos && m <= pos) ? 'unknown' : 'yes';
}

/** The dotted module path a local name was imported as, in this unit or an earlier one. */
export function importedAs(unit: Unit, name: string): string | undefined {
  for (let u: Unit | undefined = unit; u; u = u.prev) {
    const q = u.imports.get(name);
    if (q !== undefined) return q;
  }
  return undefined;
}

export function starImports(unit: Unit): string[] {
  const out: string[] = [];
  for (let u: Unit | undefined = unit; u; u = u.prev) out.push(...u.starImports);
  return out;
}
