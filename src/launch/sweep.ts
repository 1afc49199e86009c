import * as crypto from 'node:crypto';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { renderArguments } from '../core/launch/args';
import type { ArgumentStyle, SweepSpec } from '../core/launch/grid';
import { confirmText, nothingToRunText, planSweep, progressText, summaryText, toRun, type SweepOutcome, type SweepPlan } from '../core/launch/plan';
import { runQueue } from '../core/launch/queue';
import { chooseKeyMetric, configuredKeyMetric } from '../core/runs/keyMetric';
import { higherIsBetter } from '../core/store/queries';
import type { CombinationState, RunDetail } from '../core/store/types';
import { keyMetricSettings } from '../runs/settings';
import type { RunsNode } from '../runs/tree';
import type { FolderStore } from '../store/folderStores';
import type { Launcher } from './launcher';

export interface SweepRequest {
  store: FolderStore;
  interpreter: string;
  script: string;
  spec: SweepSpec;
  /** Skip the question (the tests; `true` also runs the failed ones, as the first answer does). */
  yes?: boolean;
  /** Cancels like the notification's Cancel button (the tests). */
  token?: vscode.CancellationToken;
}

export interface SweepResult {
  plan: SweepPlan;
  /** Each launched combination (its index in the grid), its run and how it ended. */
  runs: { index: number; runId: string; status: string }[];
  outcome: SweepOutcome;
  cancelled: boolean;
  /** The person declined, or there was nothing to run. */
  started: boolean;
}

/** Where a sweep's runs go when the sweep names no experiment: the script's name (`train` for train.py). */
export function defaultExperiment(script: string): string {
  return path.basename(script).replace(/\.py$/i, '') || 'Default';
}

/**
 * Runs the combinations of a grid that have no result yet: says what it will do, runs them a few
 * at a time with a cancellable progress notification, and closes with what the skipping saved.
 */
export async function runSweep(req: SweepRequest, launcher: Launcher, log: vscode.LogOutputChannel): Promise<SweepResult> {
  const { store, spec } = req;
  const api = store.client.api;
  const config = vscode.workspace.getConfiguration('runlens', store.folder.uri);
  const label = path.relative(store.folder.uri.fsPath, req.script) || path.basename(req.script);
  const experiment = spec.experiment ?? defaultExperiment(req.script);
  const style = spec.argumentStyle ?? config.get<ArgumentStyle>('sweep.argumentStyle', 'argparse');
  const metric = spec.metric?.name ?? chooseKeyMetric(configuredKeyMetric(keyMetricSettings(store.folder.uri), spec.experiment), await api.metricNames());
  const goal = spec.metric?.goal ?? config.get<'maximize' | 'minimize' | 'auto'>('keyMetricGoal', 'auto');

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
  const plan = planSweep(states, higherIsBetter(metric ?? '', goal));
  const empty: SweepOutcome = { finished: 0, failed: 0, killed: 0, notStarted: 0, skippedLate: 0 };
  const withFailed = toRun(plan, true);
  if (!withFailed.length) {
    void vscode.window.showInformationMessage(`RunLens: ${nothingToRunText(plan, metric)}`);
    return { plan, runs: [], outcome: empty, cancelled: false, started: false };
  }

  const indices = req.yes ? withFailed : await askFirst(plan, spec, style, label, experiment, metric, config);
  if (!indices) return { plan, runs: [], outcome: empty, cancelled: false, started: false };

  const concurrency = Math.max(1, Math.floor(config.get<number>('sweep.concurrency', 1)));
  const sweepId = crypto.randomBytes(4).toString('hex');
  const outcome: SweepOutcome = { ...empty };
  const runs: SweepResult['runs'] = [];
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
      const done = outcome.finished + outcome.failed + outcome.killed + outcome.skippedLate;
      const percent = (100 * done) / indices.length;
      progress.report({ message: progressText(done, running.size, indices.length - done - running.size, outcome.failed), increment: percent - reported });
      reported = percent;
    };
    report();
    try {
      const notStarted = await runQueue(indices, concurrency, async (index) => {
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
        runs.push({ index, runId: launched.runId, status: end.status });
        outcome[end.status]++;
        report();
      }, () => cancelled);
      outcome.notStarted = notStarted.length;
    } finally {
      for (const s of subscriptions) s?.dispose();
    }
  });

  const text = summaryText(label, plan, outcome, cancelled);
  log.info(`Sweep ${sweepId}: ${text}`);
  // The sweep's runs: those it launched and the finished ones it skipped, one per combination.
  const uids = [...runs.map((r) => r.runId), ...plan.finished.map((i) => states[i].runs[0]?.uid)].filter((u): u is string => !!u);
  void offerRuns(`RunLens: ${text}`, store, uids);
  return { plan, runs, outcome, cancelled, started: true };
}

/** The question before a sweep starts; the indices to run, or undefined when the person declines. */
async function askFirst(plan: SweepPlan, spec: SweepSpec, style: ArgumentStyle, label: string, experiment: string, metric: string | undefined, config: vscode.WorkspaceConfiguration): Promise<number[] | undefined> {
  const withFailed = toRun(plan, true);
  const all = `Run ${withFailed.length}`;
  const skipFailed = plan.failed.length && plan.missing.length ? `Run ${plan.missing.length}, Skip the Failed` : undefined;
  const example = renderArguments(spec.combinations[withFailed[0]], style).join(' ');
  const answer = await vscode.window.showInformationMessage(confirmText(plan, metric), {
    modal: true,
    detail: `Each combination runs ${label} in its own process, with its parameters as arguments (${example || 'none'}) and in RUNLENS_PARAMS, into the experiment "${experiment}"; ${config.get<number>('sweep.concurrency', 1)} at a time (setting runlens.sweep.concurrency).`,
  }, ...[all, skipFailed].filter((x): x is string => !!x));
  if (answer === all) return withFailed;
  return answer && answer === skipFailed ? toRun(plan, false) : undefined;
}

/** The closing message, with the sweep's runs a click away. */
async function offerRuns(text: string, store: FolderStore, uids: string[]): Promise<void> {
  const compare = uids.length > 1 && (await vscode.commands.getCommands(true)).includes('runlens.compareRuns') ? 'Compare Runs' : undefined;
  const answer = await vscode.window.showInformationMessage(text, ...[compare, 'Show Runs'].filter((x): x is string => !!x));
  if (answer === 'Show Runs') await vscode.commands.executeCommand('runlens.runs.focus');
  if (answer !== compare || !compare) return;
  const details = await Promise.all(uids.map((uid) => store.client.api.run(uid)));
  const nodes: RunsNode[] = details.filter((r): r is RunDetail => !!r).map((run) => ({ kind: 'run', store, run, varying: [], nested: new Map() }));
  await vscode.commands.executeCommand('runlens.compareRuns', nodes[0], nodes);
}
