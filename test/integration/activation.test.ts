import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import { openWorkspaceFile, runlensExtension, waitFor, workspaceFolder } from './support/host';

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

  // This file runs first: the workspace is a fresh copy of the fixture, without a `.runlens/`.
  it('greets a folder without a store with the "no runs yet" welcome, never the error, and creates nothing', async () => {
    const { view } = await runlensExtension().activate();
    await view.update();
    assert.strictEqual(view.state, 'empty');
    assert.strictEqual(view.view.message, undefined, 'no loading or error line over the welcome');
    assert.strictEqual(fs.existsSync(path.join(workspaceFolder().uri.fsPath, '.runlens')), false, 'opening the view wrote nothing into the folder');
  });

  it('Rebuild the Store works in a folder without a store: it creates the store', async () => {
    const { view, stores } = await runlensExtension().activate();
    await vscode.commands.executeCommand('runlens.rebuildStore');
    assert.strictEqual(fs.existsSync(path.join(workspaceFolder().uri.fsPath, '.runlens', 'runs')), true);
    assert.strictEqual(stores.failure(workspaceFolder()), undefined);
    assert.strictEqual(view.state, 'empty', 'a store with no runs is still "no runs yet"');
  });
});

describe('one disposal tree', () => {
  it('a store whose thread stops, retried again and again, holds one client and its listeners, not one set per try', async () => {
    const { stores } = await runlensExtension().activate();
    const folder = workspaceFolder();
    const first = await stores.get(folder);
    assert.ok(first, 'the store opened');
    const parts = stores.liveParts();
    assert.ok(parts >= 3, `a client and its listeners are held (${parts})`);
    for (let i = 0; i < 3; i++) {
      const s = await stores.get(folder);
      // The thread dies (as a crash would): the worker is ended under the client's feet.
      await (s!.client as unknown as { worker: { terminate(): Promise<number> } }).worker.terminate();
      await waitFor('the store to be seen failed', () => stores.failure(folder));
      stores.retry();
      await waitFor('the store to open again', async () => (await stores.get(folder)) && !stores.failure(folder));
    }
    assert.strictEqual(stores.liveParts(), parts, 'each retry let go of the last try\'s client and listeners');
  });
});
