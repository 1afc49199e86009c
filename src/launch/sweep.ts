import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { renderArguments } from '../core/launch/args';
import type { ArgumentStyle, SweepSpec } from '../core/launch/grid';
import { confirmText, nothingToRunText, planSweep, progressText, summaryText, toRun, type SweepOutcome, type SweepPlan } from '../core/launch/plan';
import { runQueue } from '../core/launch/queue';
import { chooseKeyMetric, configuredKeyMetric } from '../core/runs/keyMetric';
import { higherIsBetter, rankingGoal } from '../core/store/queries';
import type { CombinationState, MatchedRun, RunDetail } from '../core/store/types';
import type { ExperimentLoop } from '../core/analysis';
import { parseRunnerReport, runnerSpec, type LoopRunPlan, type RunnerReport } from '../core/launch/loopRun';
import { runDestination, type Destination } from '../core/launch/destination';
import { keyMetricSettings, setting } from '../settings';
import type { RunsNode } from '../runs/tree';
import type { FolderStore } from '../store/folderStores';
import type { Launcher } from './launcher';

export interface SweepRequest {
  store: FolderStore;
  interpreter: string;
  script: string;
  spec: SweepSpec;
  /**
   * The grid is this loop of the script: its missing combinations run in one process through the
   * runner, which skips the others inside the loop (or, when it cannot, the person is told why).
   */
  loop?: { loop: ExperimentLoop; plan: LoopRunPlan };
  /** The experiment the code names, where its runs will go whatever the lookups' scope. */
  named?: string;
  /** Run every combination of the grid, logged or not, without asking (a rerun). */
  again?: boolean;
  /** Skip the question (the tests; `true` also runs the failed ones, as the first answer does). */
  yes?: boolean;
  /** Cancels like the notification's Cancel button (the tests). */
  token?: vscode.CancellationToken;
}

export interface SweepResult {
  plan: SweepPlan;
  /** How it ran: one process per combination with arguments, or the loop run once in part. */
  mode: 'arguments' | 'loop';
  /** The experiment its runs went to, and why that one. */
  destination: Destination;
  /** Each launched combination (its index in the grid), its run and how it ended. */
  runs: { index: number; runId: string; status: string }[];
  /** Combinations that could not be started (the script failed before logging them), with why. */
  notStarted: { index: number; why: string }[];
  outcome: SweepOutcome;
  cancelled: boolean;
  /** The person declined, or there was nothing to run. */
  started: boolean;
}

/**
 * Runs the combinations of a grid that have no result yet: says what it will do, runs them a few
 * at a time with a cancellable progress notification, and closes with what the skipping saved.
 */
export async function runSweep(req: SweepRequest, launcher: Launcher, log: vscode.LogOutputChannel): Promise<SweepResult> {
  const { store, spec } = req;
  const api = store.client.api;
  const label = path.relative(store.folder.uri.fsPath, req.script) || path.basename(req.script);
  const style = spec.argumentStyle ?? setting('sweep.argumentStyle', store.folder.uri);
  const metric = spec.metric?.name ?? chooseKeyMetric(configuredKeyMetric(keyMetricSettings(store.folder.uri), spec.experiment), await api.metricNames());
  const goal = spec.metric?.goal ?? setting('keyMetricGoal', store.folder.uri);

  // A named experiment is a scope: only its runs count. Otherwise any run holding the combination
  // counts, as on the CodeLens, so the sweep and the lens agree on what is missing.
  const lookup = async (combos: Record<string, unknown>[]): Promise<CombinationState[]> => {
    let experimentId: number | undefined;
    if (spec.experiment) {
      experimentId = await api.experimentId(spec.experiment);
      if (experimentId === undefined) return combos.map(() => ({ state: 'never-run', counts: {}, runs: [], best: null }));
    }
    return api.lookup(spec.keys, combos, { metric, goal, experimentId });
  };
  await api.refresh(); // what finished or was killed a moment ago counts
  const states = await lookup(spec.combinations);
  // A study's direction decides what "best" means for its metrics, as it did in the lookup.
  const scope = spec.experiment ? await api.experimentId(spec.experiment) : undefined;
  const declared = metric ? await api.declaredGoal(metric, scope) : undefined;
  const plan = planSweep(states, higherIsBetter(metric ?? '', rankingGoal(declared, goal)));
  const destination = runDestination(req.named ?? spec.experiment, await earlierExperiment(store, states));
  const experiment = destination.name;
  const mode = req.loop ? 'loop' : 'arguments';
  const empty: SweepOutcome = { finished: 0, failed: 0, killed: 0, notStarted: 0, skippedLate: 0 };
  const nothing = { plan, mode, destination, runs: [], notStarted: [], outcome: empty, cancelled: false, started: false } as const;
  const withFailed = req.again ? spec.combinations.map((_, i) => i) : toRun(plan, true);
  if (!withFailed.length) {
    void vscode.window.showInformationMessage(`RunLens: ${nothingToRunText(plan, metric)}`);
    return { ...nothing, runs: [], notStarted: [] };
  }
  if (req.loop && !req.loop.plan.ok) {
    // The loop cannot be run in part: say why, and offer the whole script, which runs them all.
    const all = `Run All ${plan.total}`;
    const answer = req.yes ? undefined : await vscode.window.showWarningMessage(
      `RunLens cannot run only the missing combinations: ${req.loop.plan.reason}.`,
      { modal: true, detail: `Running ${label} as it is runs all ${plan.total} combinations of the loop, including the ${plan.finished.length} already logged.` }, all);
    if (answer === all) await vscode.commands.executeCommand('runlens.runExperiment', { script: req.script, all: true });
    return { ...nothing, runs: [], notStarted: [] };
  }

  const how = req.loop?.plan.ok ? loopHow(req.loop.loop, label, withFailed.length === plan.total) : argumentsHow(spec, withFailed[0], style, label);
  const indices = req.yes || req.again ? withFailed : await askFirst(plan, metric, `${how} The runs go to the experiment "${experiment}"${destination.from === 'code' ? ' (named in the code)' : destination.from === 'earlier runs' ? ' (where the earlier runs are)' : ''}.${req.loop ? '' : ` ${setting('sweep.concurrency', store.folder.uri)} at a time (setting runlens.sweep.concurrency).`}`);
  if (!indices) return { ...nothing, runs: [], notStarted: [] };
  if (req.loop?.plan.ok) return runLoop(req as SweepRequest & { loop: { plan: { ok: true } } }, indices, { plan, states, destination, label, lookup, launcher, log });

  const concurrency = setting('sweep.concurrency', store.folder.uri);
  const sweepId = crypto.randomBytes(4).toString('hex');
  const outcome: SweepOutcome = { ...empty };
  const runs: SweepResult['runs'] = [];
  const notStarted: SweepResult['notStarted'] = [];
  const running = new Set<{ stop(): Promise<void> }>();
  let cancelled = false;
  log.info(`Sweep ${sweepId} of ${label}: ${indices.length} of ${plan.total} combinations to run, ${concurrency} at a time`);

  await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `RunLens: sweep of ${label}`, cancellable: true }, async (progress, token) => {
    const cancel = () => {
      if (cancelled) return;
      cancelled = true;
      log.info(`Sweep ${sweepId}: cancelled; stopping ${running.size} running combination(s)`);
      for (const r of running) void r.stop();
    };
    const subscriptions = [token.onCancellationRequested(cancel), req.token?.onCancellationRequested(cancel)];
    let reported = 0;
    const report = () => {
      const done = outcome.finished + outcome.failed + outcome.killed + outcome.skippedLate + notStarted.length;
      const percent = (100 * done) / indices.length;
      progress.report({ message: progressText(done, running.size, indices.length - done - running.size, outcome.failed), increment: percent - reported });
      reported = percent;
    };
    report();
    try {
      const neverStarted = await runQueue(indices, concurrency, async (index) => {
        const combo = spec.combinations[index];
        // Checked again at its turn: another window, or a sweep started meanwhile, may have run it.
        const [now] = await lookup([combo]);
        if (now.state === 'finished' || now.state === 'running') { outcome.skippedLate++; report(); return; }
        const launched = await launcher.launch({
          store, interpreter: req.interpreter, script: req.script, params: combo, args: renderArguments(combo, style),
          experiment, tags: { 'runlens.sweep': sweepId }, label: `${label} ${renderArguments(combo, 'hydra').join(' ')}`,
        });
        running.add(launched);
        if (cancelled) void launched.stop(); // cancelled while it was being launched
        report();
        const end = await launched.outcome;
        running.delete(launched);
        if (end.notStarted) {
          notStarted.push({ index, why: end.error?.message || end.error?.type || 'the script exited before it logged the run' });
          outcome.notStarted++;
        } else {
          runs.push({ index, runId: launched.runId, status: end.status });
          outcome[end.status]++;
        }
        report();
      }, () => cancelled);
      outcome.notStarted += neverStarted.length;
    } finally {
      for (const s of subscriptions) s?.dispose();
    }
  });

  return finish({ plan, mode, destination, runs, notStarted, outcome, cancelled, started: true }, { store, states, label, log, sweepId });
}

/** The closing message and log line, with the sweep's runs a click away. */
function finish(result: SweepResult, ctx: { store: FolderStore; states: CombinationState[]; label: string; log: vscode.LogOutputChannel; sweepId: string }): SweepResult {
  const text = summaryText(ctx.label, result.plan, result.outcome, result.cancelled, result.notStarted);
  ctx.log.info(`Sweep ${ctx.sweepId}: ${text}`);
  for (const n of result.notStarted) ctx.log.warn(`Sweep ${ctx.sweepId}: combination ${n.index + 1} was not started: ${n.why}`);
  // The sweep's runs: those it launched and the finished ones it skipped, one per combination.
  const uids = [...result.runs.map((r) => r.runId), ...result.plan.finished.map((i) => ctx.states[i].runs[0]?.uid)].filter((u): u is string => !!u);
  void offerRuns(`RunLens: ${text}`, ctx.store, uids, result.notStarted.length > 0);
  return result;
}

/** The experiment of the newest run that already holds one of the grid's combinations, if any. */
async function earlierExperiment(store: FolderStore, states: CombinationState[]): Promise<string | undefined> {
  let newest: MatchedRun | undefined;
  for (const st of states) for (const r of st.runs) if (!newest || (r.startTime ?? 0) > (newest.startTime ?? 0)) newest = r;
  return newest ? (await store.client.api.run(newest.uid))?.experiment : undefined;
}

function argumentsHow(spec: SweepSpec, first: number, style: ArgumentStyle, label: string): string {
  const example = renderArguments(spec.combinations[first], style).join(' ');
  return `Each combination runs ${label} in its own process, with its parameters as arguments (${example || 'none'}) and in RUNLENS_PARAMS.`;
}

function loopHow(loop: ExperimentLoop, label: string, all: boolean): string {
  return all ? `${label} runs once, unchanged, in one process: its loop at line ${loop.line} runs them all.`
    : `They run as ${label}'s loop at line ${loop.line}, in one process: the file runs unchanged, and every other combination of the loop is skipped.`;
}

interface LoopContext {
  plan: SweepPlan;
  states: CombinationState[];
  destination: Destination;
  label: string;
  lookup: (combos: Record<string, unknown>[]) => Promise<CombinationState[]>;
  launcher: Launcher;
  log: vscode.LogOutputChannel;
}

/**
 * Runs the chosen combinations of a loop in one process, through the Python client's runner, and
 * follows them in the store: the runs are the script's own, logged as it logs them.
 */
async function runLoop(req: SweepRequest & { loop: { loop: ExperimentLoop; plan: LoopRunPlan & { ok: true } } }, indices: number[], ctx: LoopContext): Promise<SweepResult> {
  const { store, spec } = req;
  const { loop, plan: loopPlan } = req.loop;
  const sweepId = crypto.randomBytes(4).toString('hex');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'runlens-loop-'));
  const specFile = path.join(dir, 'spec.json');
  const reportFile = path.join(dir, 'report.json');
  fs.writeFileSync(specFile, JSON.stringify(runnerSpec(req.script, loopPlan, loop, indices, reportFile)));
  const started = Date.now();
  const outcome: SweepOutcome = { finished: 0, failed: 0, killed: 0, notStarted: 0, skippedLate: 0 };
  let cancelled = false;
  let runs: SweepResult['runs'] = [];
  const notStarted: SweepResult['notStarted'] = [];
  ctx.log.info(`Sweep ${sweepId} of ${ctx.label}: ${indices.length} of ${ctx.plan.total} combinations of the loop at line ${loop.line}, in one process`);
  // This sweep's run of a combination: the newest one that started after the sweep did.
  const ours = (st: CombinationState) => st.runs.filter((r) => (r.startTime ?? 0) >= started - 1000).sort((a, b) => (b.startTime ?? 0) - (a.startTime ?? 0))[0];
  const follow = async () => {
    await store.client.api.refresh();
    const states = await ctx.lookup(indices.map((i) => spec.combinations[i]));
    runs = indices.flatMap((index, k) => {
      const r = ours(states[k]);
      return r ? [{ index, runId: r.uid, status: r.status }] : [];
    });
    return runs;
  };

  await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `RunLens: ${indices.length} combination${indices.length === 1 ? '' : 's'} of ${ctx.label}`, cancellable: true }, async (progress, token) => {
    const proc = ctx.launcher.runProcess({
      store, interpreter: req.interpreter, argv: ['-m', 'runlens._runner', specFile], experiment: ctx.destination.name,
      label: `${ctx.label} (${indices.length} of its combinations)`, shown: [], script: req.script,
      note: `only ${indices.length === ctx.plan.total ? `the ${indices.length}` : `${indices.length} of the ${ctx.plan.total}`} combination${indices.length === 1 ? '' : 's'} of the loop at line ${loop.line}`,
    });
    const cancel = () => {
      if (cancelled) return;
      cancelled = true;
      ctx.log.info(`Sweep ${sweepId}: cancelled; stopping the script`);
      void proc.stop();
    };
    const subscriptions = [token.onCancellationRequested(cancel), req.token?.onCancellationRequested(cancel)];
    let reported = 0;
    const report = (list: SweepResult['runs']) => {
      const done = list.filter((r) => r.status !== 'running').length;
      const running = list.length - done;
      const failed = list.filter((r) => r.status === 'failed' || r.status === 'crashed').length;
      const percent = (100 * done) / indices.length;
      progress.report({ message: progressText(done, running, indices.length - done - running, failed), increment: percent - reported });
      reported = percent;
    };
    report([]);
    let exited = false;
    const exit = proc.exited.then((e) => { exited = true; return e; });
    try {
      while (!exited) {
        await Promise.race([exit, new Promise((r) => setTimeout(r, 1000))]);
        report(await follow());
      }
      const e = await exit;
      // The last runs' ends reach the store a moment after the process is gone.
      const list = await follow();
      report(list);
      const reached = readReport(reportFile);
      for (const r of list) {
        const status = r.status === 'crashed' ? 'failed' : r.status === 'running' ? 'killed' : r.status;
        if (status === 'finished' || status === 'failed' || status === 'killed') outcome[status]++;
      }
      const ran = new Set(list.map((r) => r.index));
      // Why the others did not run: the launch's fault (said as "could not be started"), or the
      // script's own end (a failure, a cancel: plainly "not started", as in any sweep).
      const failedExit = !e.spawnError && e.code !== 0 && !e.signal;
      const why = e.spawnError ? `${req.interpreter} could not start: ${e.spawnError}`
        : failedExit && !ran.size ? `the script failed before the loop reached it: ${lastLine(e.stderrTail)}`
          : !failedExit && !e.signal && !cancelled && reached?.unreached.length ? 'the loop did not produce this combination when it ran (its values at run time differ from what the file says)'
            : undefined;
      for (const index of indices) {
        if (ran.has(index)) continue;
        if (why && (!reached || reached.unreached.includes(index))) notStarted.push({ index, why });
        else outcome.notStarted++;
      }
      outcome.notStarted += notStarted.length;
    } finally {
      for (const s of subscriptions) s?.dispose();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
  return finish({ plan: ctx.plan, mode: 'loop', destination: ctx.destination, runs, notStarted, outcome, cancelled, started: true }, { store, states: ctx.states, label: ctx.label, log: ctx.log, sweepId });
}

function readReport(file: string): RunnerReport | undefined {
  try { return parseRunnerReport(fs.readFileSync(file, 'utf8')); } catch { return undefined; }
}

function lastLine(text: string): string {
  return text.replace(/\r/g, '').split('\n').map((l) => l.trim()).filter(Boolean).at(-1) ?? 'it printed nothing on stderr';
}

/** The question before a sweep starts; the indices to run, or undefined when the person declines. */
async function askFirst(plan: SweepPlan, metric: string | undefined, detail: string): Promise<number[] | undefined> {
  const withFailed = toRun(plan, true);
  const all = `Run ${withFailed.length}`;
  const which = plan.pruned.length === plan.failed.length ? 'Pruned' : plan.pruned.length ? 'Failed and Pruned' : 'Failed';
  const skipFailed = plan.failed.length && plan.missing.length ? `Run ${plan.missing.length}, Skip the ${which}` : undefined;
  const answer = await vscode.window.showInformationMessage(confirmText(plan, metric), { modal: true, detail }, ...[all, skipFailed].filter((x): x is string => !!x));
  if (answer === all) return withFailed;
  return answer && answer === skipFailed ? toRun(plan, false) : undefined;
}

/** The closing message, with the sweep's runs a click away. */
async function offerRuns(text: string, store: FolderStore, uids: string[], warn: boolean): Promise<void> {
  const compare = uids.length > 1 && (await vscode.commands.getCommands(true)).includes('runlens.compareRuns') ? 'Compare Runs' : undefined;
  const show = warn ? vscode.window.showWarningMessage : vscode.window.showInformationMessage;
  const answer = await show(text, ...[compare, 'Show Runs', ...(warn ? ['Show Output'] : [])].filter((x): x is string => !!x));
  if (answer === 'Show Output') await vscode.commands.executeCommand('runlens.showLog');
  if (answer === 'Show Runs') await vscode.commands.executeCommand('runlens.runs.focus');
  if (answer !== compare || !compare) return;
  const details = await Promise.all(uids.map((uid) => store.client.api.run(uid)));
  const nodes: RunsNode[] = details.filter((r): r is RunDetail => !!r).map((run) => ({ kind: 'run', store, run, varying: [], nested: new Map() }));
  await vscode.commands.executeCommand('runlens.compareRuns', nodes[0], nodes);
}
