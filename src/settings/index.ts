/**
 * Reading and writing RunLens's settings: the one place that calls `getConfiguration('runlens')`.
 * Types, defaults and allowed values come from the table in src/core/settings, which package.json
 * is written from; a value that is not one of them reads as the default.
 */
import * as vscode from 'vscode';
import { SECTION, settingValue, type SettingKey, type SettingValue } from '../core/settings';
import type { KeyMetricSettings } from '../core/runs/keyMetric';

export type { SettingKey, SettingValue };

/**
 * The value of `runlens.<key>` for `scope` (a workspace folder's or a file's URI; none: the
 * window's), or its default when it is unset or not a valid value.
 */
export function setting<K extends SettingKey>(key: K, scope?: vscode.ConfigurationScope): SettingValue<K> {
  return settingValue(key, vscode.workspace.getConfiguration(SECTION, scope).get(key));
}

/** Writes `runlens.<key>` in `target` (the user's settings, the workspace's, a folder's). */
export async function updateSetting<K extends SettingKey>(key: K, value: SettingValue<K>, target: vscode.ConfigurationTarget, scope?: vscode.ConfigurationScope): Promise<void> {
  await vscode.workspace.getConfiguration(SECTION, scope).update(key, value, target);
}

/** Whether a configuration change touches `runlens.<key>` (none: any RunLens setting), for `scope` if given. */
export function affectsSetting(e: vscode.ConfigurationChangeEvent, key?: SettingKey, scope?: vscode.ConfigurationScope): boolean {
  return e.affectsConfiguration(key ? `${SECTION}.${key}` : SECTION, scope);
}

/** The key-metric settings of a workspace folder (`runlens.keyMetric`, `runlens.keyMetricByExperiment`). */
export function keyMetricSettings(scope: vscode.Uri | undefined): KeyMetricSettings {
  return { keyMetric: setting('keyMetric', scope), byExperiment: setting('keyMetricByExperiment', scope) };
}
