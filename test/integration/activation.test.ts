import * as assert from 'assert';
import * as vscode from 'vscode';
import { openWorkspaceFile, runlensExtension, waitFor } from './support/host';

describe('RunLens in a real VS Code extension host', () => {
  it('activates when a Python file of the workspace is opened', async () => {
    const ext = runlensExtension();
    const editor = await openWorkspaceFile('train.py');
    assert.strictEqual(editor.document.languageId, 'python');
    await waitFor('RunLens to activate (onLanguage:python)', () => ext.isActive);
    assert.strictEqual(ext.exports.version, ext.packageJSON.version);
  });

  it('registers every command it contributes', async () => {
    const contributed: string[] = runlensExtension().packageJSON.contributes.commands.map((c: { command: string }) => c.command);
    const registered = new Set(await vscode.commands.getCommands(true));
    assert.deepStrictEqual(contributed.filter((c) => !registered.has(c)), [], 'contributed but not registered');
  });

  it('shows its Runs view in the RunLens container', async () => {
    // Both commands exist only if the container and the view were contributed; they throw otherwise.
    await vscode.commands.executeCommand('workbench.view.extension.runlens');
    await vscode.commands.executeCommand('runlens.runs.focus');
  });
});
