/**
 * What evaluating Python syntax carries along: where the code runs (Ctx), the enumeration's state
 * (EvalState, which also holds the evaluator itself) and the two together (Env). Shared by the
 * evaluator (evaluator.ts) and the modules it dispatches to, none of which import it.
 */
import type { LoopInfo, Scope, Unit } from './scope';
import { textOf, type SyntaxNode } from './syntax';
import type { At, Val } from './pyValue';

/** Where code runs: its scope, and for a function inlined at a call, that call's arguments. */
export interface Ctx {
  unit: Unit;
  scope: Scope;
  args?: Map<string, Thunk>;
  /** How many calls deep this context is inlined (0: the code being analysed). */
  depth: number;
}

/** An argument: syntax to evaluate where the call stands, or a value already known. */
export type Thunk = { node: SyntaxNode; ctx: Ctx } | { val: Val };

export interface Effects {
  notes: Set<string>;
  /** A run-time skip was seen (`runlens.grid(...)` as an iterable). */
  runtimeSkip: boolean;
}

export interface EvalState {
  /** The current row of each loop being enumerated. */
  iter: Map<LoopInfo, Val>;
  fx: Effects;
  /** Count of loop-variable and argument reads: a value computed without any can be cached. */
  reads: number;
  depth: number;
  /**
   * The evaluator, reached through the state so that the modules it calls (expressions,
   * builtins, grids) can evaluate their operands without importing it back.
   */
  evaluate(node: SyntaxNode, env: Env): Val;
}

export interface Env {
  ctx: Ctx;
  st: EvalState;
  /** Comprehension variables. */
  locals?: Map<string, Val>;
  /** Names to look up at another position than where they are written (a refreshed capture, scope.ts). */
  rebound?: Map<string, number>;
}

/** A call's arguments as values. */
export interface Args { pos: Val[]; kw: Map<string, Val> }

export function text(env: Env, node: SyntaxNode): string {
  return textOf(env.ctx.unit.source, node);
}

export function at(env: Env, node: SyntaxNode): At {
  return { unit: env.ctx.unit, from: node.from, to: node.to };
}
