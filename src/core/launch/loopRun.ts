/**
 * Running only some combinations of an experiment loop: how, and the runner's instructions.
 *
 * A loop whose values are written in the script runs in ONE process, through the Python client's
 * runner (python/runlens/_runner.py): the file runs unchanged, and at the top of the loop's
 * innermost body every iteration whose combination is not on the to-do list is skipped. That needs
 * to know, for each key that varies, how to read its value there: the analysis says
 * (`ExperimentLoop.guard`). When it cannot, the loop cannot be run in part, and the caller says why.
 */
import { canonicalValue, combinationKey, portableValue } from '../params/canonical';
import type { ExperimentLoop } from '../analysis';

/** What the runner reads from its spec file (python/runlens/_runner.py documents it). */
export interface RunnerSpec {
  script: string;
  line: number;
  col: number;
  reads: Record<string, string>;
  todo: { index: number; values: Record<string, unknown> }[];
  args: string[];
  report?: string;
}

export type LoopRunPlan =
  | { ok: true; line: number; col: number; reads: Record<string, string> }
  | { ok: false; reason: string };

/** Whether (and how) the runner can run just some combinations of `loop`. */
export function planLoopRun(loop: ExperimentLoop): LoopRunPlan {
  if (loop.runBy) {
    const who = loop.runBy === 'sklearn' ? "scikit-learn's search" : "W&B's sweep agent";
    return { ok: false, reason: `the combinations at line ${loop.line} are run by ${who}, not by a for loop of the script, so RunLens cannot run only some of them` };
  }
  const guard = loop.guard;
  if (!guard) {
    return { ok: false, reason: `the loop at line ${loop.line} has loops side by side inside it, so RunLens cannot tell from one place which combination an iteration is` };
  }
  const reads = guard.reads;
  const readKeys = Object.keys(reads);
  const partly = loop.unknown.filter((k) => loop.combinations.some((c) => k in c));
  if (partly.length) {
    return { ok: false, reason: `some values of ${partly.map((k) => `'${k}'`).join(', ')} are only known when the script runs (chosen among lists, or read from its arguments), so RunLens cannot list the combinations to run` };
  }
  const varying = loop.keys.filter((k) => new Set(loop.combinations.map((c) => (k in c ? canonicalValue(c[k]) : '\u0000'))).size > 1);
  const unread = varying.filter((k) => !(k in reads));
  if (unread.length) {
    return { ok: false, reason: `the value of ${unread.map((k) => `'${k}'`).join(', ')} is computed inside the loop, so RunLens cannot read it where an iteration starts` };
  }
  // The reads must tell every combination apart, or skipping one would skip another with it.
  const seen = new Set<string>();
  for (const c of loop.combinations) {
    if (readKeys.some((k) => !(k in c))) return { ok: false, reason: `some combinations of the loop at line ${loop.line} have no value for ${readKeys.filter((k) => loop.combinations.some((x) => !(k in x))).join(', ')}` };
    const id = combinationKey(readKeys.map((k) => [k, canonicalValue(c[k])]));
    if (seen.has(id)) return { ok: false, reason: `two combinations of the loop at line ${loop.line} look the same where an iteration starts` };
    seen.add(id);
  }
  return { ok: true, line: guard.line, col: guard.col, reads };
}

/** The runner's spec for running the combinations `todo` (indices into `loop.combinations`). */
export function runnerSpec(script: string, plan: Extract<LoopRunPlan, { ok: true }>, loop: ExperimentLoop, todo: number[], report?: string): RunnerSpec {
  const keys = Object.keys(plan.reads);
  return {
    script, line: plan.line, col: plan.col, reads: plan.reads,
    // A tuple or list goes as the text str() gives it, which the runner compares with what it reads.
    todo: todo.map((index) => ({ index, values: Object.fromEntries(keys.map((k) => [k, portableValue(loop.combinations[index][k])])) })),
    args: [], ...(report ? { report } : {}),
  };
}

/** What the runner reported: the to-do combinations the loop reached, and those it never produced. */
export interface RunnerReport { reached: number[]; unreached: number[]; skipped: number }

export function parseRunnerReport(text: string): RunnerReport | undefined {
  try {
    const r = JSON.parse(text) as Partial<RunnerReport>;
    const ints = (v: unknown) => Array.isArray(v) && v.every((x) => Number.isInteger(x));
    if (!ints(r.reached) || !ints(r.unreached) || typeof r.skipped !== 'number') return undefined;
    return r as RunnerReport;
  } catch {
    return undefined;
  }
}
