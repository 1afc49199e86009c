/**
 * The one rule for the metric that ranks runs, used by the tree, the panels, the CodeLens and the
 * command line: the configured one (per experiment, else for all), else a score if one was logged
 * (accuracy, f1, auc, …), else a loss, else the first.
 */
import type { RunSummary } from '../store/types';

export interface KeyMetricSettings {
  keyMetric: string;
  byExperiment: Record<string, string>;
}

export function chooseKeyMetric(configured: string, available: string[]): string | undefined {
  if (configured) return configured;
  const score = available.find((m) => /(^|[_/.-])(acc|accuracy|f1|auc|roc_auc|score|precision|recall|r2|map|bleu)([_/.-]|$)/i.test(m));
  return score ?? available.find((m) => /loss/i.test(m)) ?? available[0];
}

export function configuredKeyMetric(settings: KeyMetricSettings, experiment: string | undefined): string {
  return (experiment !== undefined && settings.byExperiment[experiment]) || settings.keyMetric;
}

/** The metric a run is shown with: the configured one if the run logged it, else the rule above over its metrics. */
export function keyMetricOf(run: RunSummary, settings: KeyMetricSettings): string | undefined {
  const configured = configuredKeyMetric(settings, run.experiment);
  if (configured && run.metrics[configured]) return configured;
  return chooseKeyMetric('', Object.keys(run.metrics).sort());
}
