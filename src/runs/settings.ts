import * as vscode from 'vscode';
import type { KeyMetricSettings } from '../core/runs/keyMetric';

/** The key-metric settings of a workspace folder (`runlens.keyMetric`, `runlens.keyMetricByExperiment`). */
export function keyMetricSettings(scope: vscode.Uri | undefined): KeyMetricSettings {
  const config = vscode.workspace.getConfiguration('runlens', scope);
  return { keyMetric: config.get<string>('keyMetric', ''), byExperiment: config.get<Record<string, string>>('keyMetricByExperiment', {}) };
}
