import * as assert from 'assert';
import * as vscode from 'vscode';
import { SECTION, SETTINGS, settingDefault, type SettingKey } from '../../src/core/settings';
import { setting } from '../../src/settings';

describe('RunLens\'s settings in VS Code', () => {
  const keys = Object.keys(SETTINGS) as SettingKey[];

  it('are all known to VS Code from the manifest\'s titled groups, each with the table\'s default', () => {
    const config = vscode.workspace.getConfiguration(SECTION);
    for (const key of keys) {
      assert.ok(config.has(key), `VS Code does not know runlens.${key}`);
      assert.deepStrictEqual(config.inspect(key)?.defaultValue, settingDefault(key), `runlens.${key}'s default`);
    }
  });

  it('read as the user set them, and as the default when the value is not one the setting allows', async () => {
    const config = vscode.workspace.getConfiguration(SECTION);
    try {
      await config.update('sweep.concurrency', 3, vscode.ConfigurationTarget.Workspace);
      await config.update('keyMetricGoal', 'maximise', vscode.ConfigurationTarget.Workspace);
      assert.strictEqual(setting('sweep.concurrency'), 3);
      assert.strictEqual(setting('keyMetricGoal'), 'auto');
    } finally {
      await config.update('sweep.concurrency', undefined, vscode.ConfigurationTarget.Workspace);
      await config.update('keyMetricGoal', undefined, vscode.ConfigurationTarget.Workspace);
    }
  });
});
