/**
 * Static `continue` filters: `if lr > 0.1 and bs == 64: continue` drops those combinations.
 * Conditions are evaluated with the current loop values; one that cannot be decided keeps the
 * combination (and says so), unless it asks a tracker at run time, which is a run-time skip.
 */
import type { LoopRef } from './nest';
import { NOTES } from './notes';
import { truthy } from './pyops';
import type { EvalState } from './evalEnv';
import { evaluate } from './evaluator';

/** Whether the current row of `loop` is skipped by one of its `continue` statements. */
export function isFiltered(loop: LoopRef, st: EvalState): boolean {
  for (const guards of loop.continues) {
    let result: boolean | undefined = true;
    let runtime = false;
    for (const g of guards) {
      const t = truthy(evaluate(g.cond, { ctx: loop.ctx, st }));
      if (t === undefined) { result = undefined; runtime ||= g.runtime; }
      else if (t !== g.want) { result = false; break; }
    }
    if (result === true) return true;
    if (result === undefined) {
      if (runtime) st.fx.runtimeSkip = true;
      else st.fx.notes.add(NOTES.filterUnknown);
    }
  }
  return false;
}
