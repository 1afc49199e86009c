/**
 * Which combinations of a sweep to run, given what the store knows of each, and how to say so.
 *
 * A combination with a finished run is done: never run again. One running now (in another
 * window, or left by a sweep whose window closed) is skipped too, so no combination runs twice, and
 * so is one queued (an enqueued Optuna trial: Optuna runs it). Killed and crashed ones never
 * produced a result: they are missing and run again, which is what makes a cancelled sweep
 * resumable. Failed ones ran to an error, and pruned ones (an Optuna pruner stopped them early)
 * ran without a result: the person chooses whether to run those again.
 */
import type { CombinationState, MatchedRun } from '../store/types';
import { formatDuration, formatMetric } from '../runs/format';

export interface SweepPlan {
  total: number;
  /** Indices into the grid, in grid order. */
  finished: number[];
  /** Running now, or queued. */
  running: number[];
  /** Failed or pruned: run again only if the person includes them. */
  failed: number[];
  /** Those of `failed` that were pruned, and of `running` that are queued. */
  pruned: number[];
  queued: number[];
  /** Never run, killed or crashed. */
  missing: number[];
  best: { value: number; index: number } | null;
  /** Compute the finished combinations took when they ran, from their logged durations (ms). */
  savedMs: number;
}

export function planSweep(states: CombinationState[], higherIsBetter: boolean): SweepPlan {
  const plan: SweepPlan = { total: states.length, finished: [], running: [], failed: [], pruned: [], queued: [], missing: [], best: null, savedMs: 0 };
  states.forEach((st, i) => {
    if (st.state === 'finished') {
      plan.finished.push(i);
      plan.savedMs += duration(st.runs) ?? 0;
      if (st.best !== null && (plan.best === null || (higherIsBetter ? st.best > plan.best.value : st.best < plan.best.value))) plan.best = { value: st.best, index: i };
    } else if (st.state === 'running' || st.state === 'queued') {
      plan.running.push(i);
      if (st.state === 'queued') plan.queued.push(i);
    } else if (st.state === 'failed' || st.state === 'pruned') {
      plan.failed.push(i);
      if (st.state === 'pruned') plan.pruned.push(i);
    } else plan.missing.push(i);
  });
  return plan;
}

/** The combinations to launch, in grid order. */
export function toRun(plan: SweepPlan, includeFailed: boolean): number[] {
  return (includeFailed ? [...plan.missing, ...plan.failed] : plan.missing).sort((a, b) => a - b);
}

/**
 * The lens that runs a loop's combinations without a result: `Run all 4`, `Run the 3 missing
 * combinations`, or, when all of them ran before and failed (or were pruned), `Retry the 1 failed
 * combination`, so that a combination left out on purpose is not taken for one never run.
 */
export function runLensTitle(plan: SweepPlan): { title: string; n: number } {
  const n = plan.missing.length + plan.failed.length;
  const s = n === 1 ? '' : 's';
  if (n && !plan.missing.length) {
    const which = !plan.pruned.length ? 'failed' : plan.pruned.length === n ? 'pruned' : 'failed or pruned';
    return { title: `Retry the ${n} ${which} combination${s}`, n };
  }
  if (n === plan.total && n > 1) return { title: `Run all ${n}`, n };
  return { title: `Run the ${n} missing combination${s}`, n };
}

/** How long the finished run that counts for a combination took (the lookup lists the best one first). */
function duration(runs: MatchedRun[]): number | undefined {
  const r = runs.find((x) => x.status === 'finished' && x.startTime !== null && x.endTime !== null);
  return r ? Math.max(0, r.endTime! - r.startTime!) : undefined;
}

/** `8 combinations: 3 already logged (best accuracy 0.81), 1 failed before; run 5?` */
export function confirmText(plan: SweepPlan, metric: string | undefined): string {
  const parts: string[] = [];
  if (plan.finished.length) {
    parts.push(`${plan.finished.length} already logged${plan.best && metric ? ` (best ${metric} ${formatMetric(plan.best.value)})` : ''}`);
  }
  const failed = plan.failed.length - plan.pruned.length;
  if (failed) parts.push(`${failed} failed before`);
  if (plan.pruned.length) parts.push(`${plan.pruned.length} pruned before`);
  const running = plan.running.length - plan.queued.length;
  if (running) parts.push(`${running} running now (left alone)`);
  if (plan.queued.length) parts.push(`${plan.queued.length} queued (left alone)`);
  const n = toRun(plan, true).length;
  const head = `${plan.total} combination${plan.total === 1 ? '' : 's'}`;
  return `${head}${parts.length ? ': ' + parts.join(', ') : ', none logged yet'}; run ${n}?`;
}

/** Said when nothing is left: every combination has a result or is running. */
export function nothingToRunText(plan: SweepPlan, metric: string | undefined): string {
  const best = plan.best && metric ? `; best ${metric} ${formatMetric(plan.best.value)}` : '';
  const running = plan.running.length ? ` (${plan.running.length} still running)` : '';
  return `All ${plan.total} combinations are already logged${running}${best}. Nothing to run.`;
}

export interface SweepOutcome {
  finished: number;
  failed: number;
  killed: number;
  /** Not started: cancelled before their turn. */
  notStarted: number;
  /** Found done or running by the time their turn came (another window ran them meanwhile). */
  skippedLate: number;
}

/** The closing message: what ran, what was skipped, and the compute the skipping saved. */
export function summaryText(label: string, plan: SweepPlan, o: SweepOutcome, cancelled: boolean, couldNotStart: { why: string }[] = []): string {
  const ran = o.finished + o.failed + o.killed;
  const how = [o.finished && `${o.finished} finished`, o.failed && `${o.failed} failed`, o.killed && `${o.killed} killed`].filter(Boolean).join(', ');
  const parts = [`${ran} ran${how ? ` (${how})` : ''}`];
  const skipped = plan.finished.length + plan.running.length + o.skippedLate;
  if (skipped) parts.push(`${skipped} skipped as already logged or running`);
  // Not the runs' failures: the script never got to them, and no lens counts them.
  if (couldNotStart.length) {
    const reasons = [...new Set(couldNotStart.map((c) => c.why))];
    parts.push(`${couldNotStart.length} could not be started (${reasons.length === 1 ? reasons[0] : 'see the RunLens output'})`);
  }
  const notStarted = o.notStarted - couldNotStart.length;
  if (notStarted > 0) parts.push(`${notStarted} not started`);
  const saved = plan.savedMs >= 1000 ? `; skipping saved about ${formatDuration(plan.savedMs)} of compute` : '';
  const again = cancelled ? ' Run the sweep again to run only what is still missing.' : '';
  return `Sweep of ${label} ${cancelled ? 'cancelled' : 'done'}: ${parts.join(', ')}${saved}.${again}`;
}

/** `2 done · 1 running · 3 left`, for the progress notification. */
export function progressText(done: number, running: number, left: number, failed: number): string {
  return [`${done} done`, `${running} running`, `${left} left`, failed ? `${failed} failed` : ''].filter(Boolean).join(' · ');
}
