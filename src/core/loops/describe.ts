/**
 * What RunLens says about one experiment loop: the state of each combination, the metric that
 * ranks them, the lens's title and each literal value's summary. The editor's lens, hovers,
 * diagnostics and launch commands and `runlens analyze` all get it from here, so their counts can
 * never differ.
 */
import type { ExperimentLoop } from '../analysis';
import type { CombinationState } from '../store/types';
import { higherIsBetter, rankingGoal } from '../store/queries';
import { lookupLoop } from './lookup';
import { lensTitle, summarize, valueSummaries, type LoopSummary, type ValueSummary } from './summary';

export interface LoopState {
  loop: ExperimentLoop;
  states: CombinationState[];
  /** The metric the loop's combinations are ranked by, if any was logged. */
  metric: string | undefined;
  summary: LoopSummary;
  values: ValueSummary[];
  title: string;
}

/** What describing a loop needs of a store: the editor's worker or the command line's catalog. */
export interface LoopStorePort {
  lookup(keys: string[], combinations: Record<string, unknown>[], opts: { metric?: string; experimentId?: number; goal: Goal }): Promise<CombinationState[]> | CombinationState[];
  metricsOf(uid: string): Promise<string[]> | string[];
  experimentId(name: string): Promise<number | undefined> | number | undefined;
  metricNames(): Promise<string[]> | string[];
  /** Which way the metric is better as its source says (an Optuna study's direction), if it says. */
  declaredGoal(metric: string, experimentId?: number): Promise<'maximize' | 'minimize' | undefined> | 'maximize' | 'minimize' | undefined;
}

export type Goal = 'maximize' | 'minimize' | 'auto';

export interface DescribeOptions {
  /** The configured key metric for an experiment (`''` when none is). */
  configuredMetric(experiment: string | undefined): string;
  goal: Goal;
  /** A loop whose code names its experiment is matched against that experiment's runs only. */
  sameExperiment: boolean;
  /** The script's current content hash, to say when logged runs came from other code. */
  scriptSha256?: string;
}

export async function describeLoop(loop: ExperimentLoop, port: LoopStorePort, opts: DescribeOptions, available?: string[]): Promise<LoopState> {
  // An untracked loop's runs are logged nowhere a store could find them.
  if (!loop.tracked) return untouchedLoop(loop);
  const experimentId = opts.sameExperiment && loop.experiment !== undefined ? (await port.experimentId(loop.experiment)) ?? -1 : undefined;
  const { metric, states } = await lookupLoop(loop, {
    lookup: (keys, combinations, m) => port.lookup(keys, combinations, { metric: m, goal: opts.goal, experimentId }),
    metricsOf: (uid) => port.metricsOf(uid),
  }, opts.configuredMetric(loop.experiment), available ?? await port.metricNames());
  // A study's direction decides what "best" means for its metrics, as the lookup decided.
  const declared = metric ? await port.declaredGoal(metric, experimentId) : undefined;
  const higher = higherIsBetter(metric ?? '', rankingGoal(declared, opts.goal));
  const summary = summarize(loop, states, higher, opts.scriptSha256);
  return { loop, states, metric, summary, values: valueSummaries(loop, states, higher), title: lensTitle(loop, summary, metric) };
}

/** A loop in a folder where nothing is logged yet (or that logs to no tracker): every combination still to run. */
export function untouchedLoop(loop: ExperimentLoop): LoopState {
  const states = loop.combinations.map((): CombinationState => ({ state: 'never-run', counts: {}, runs: [], best: null }));
  const summary = summarize(loop, states, true);
  return { loop, states, metric: undefined, summary, values: valueSummaries(loop, states, true), title: lensTitle(loop, summary, undefined) };
}

/** Loops worth a lens: some combination is known, with some key. */
export function describable(loop: ExperimentLoop): boolean {
  return loop.combinations.length > 0 && loop.keys.length > 0;
}
