import * as fs from 'node:fs';
import * as path from 'node:path';
import { RUN_LOG_SOURCE } from '../core/store/history';
import { parseImportedSource } from '../core/mlflow/apply';
import * as vscode from 'vscode';
import type { FolderStores } from '../store/folderStores';
import type { RunsNode, RunsTreeProvider } from './tree';
import type { RunsView } from './view';
import { paramsAs } from '../core/runs/format';
import { compileFilter } from '../core/runs/filter';
import type { RunSummary } from '../core/store/types';
import type { JournalEvent } from '../core/store/journal';

type RunNode = RunsNode & { kind: 'run' };

/** The runs a tree command acts on: the clicked one, or every selected one. */
function targets(node: RunNode | undefined, selected: readonly RunsNode[] | undefined, view: vscode.TreeView<RunsNode>): RunNode[] {
  const list = (selected?.length ? selected : node ? [node] : view.selection).filter((n): n is RunNode => n?.kind === 'run');
  return list;
}

export function registerRunCommands(context: vscode.ExtensionContext, stores: FolderStores, runs: RunsView): void {
  const { tree, view } = runs;
  const reg = (id: string, fn: (...args: never[]) => unknown) => context.subscriptions.push(vscode.commands.registerCommand(id, fn));

  reg('runlens.refresh', async () => {
    stores.retry();
    for (const s of await stores.all()) await s.client.api.refresh();
    await runs.refresh();
  });
  reg('runlens.filterRuns', async () => {
    const filter = await vscode.window.showInputBox({
      title: 'Filter runs',
      prompt: "e.g. params.lr = 0.01 and metrics.accuracy > 0.8 · params.optimizer in ('adam', 'sgd') · status = failed or status = crashed",
      value: tree.options.filter,
      validateInput: (q) => { try { compileFilter(q); return undefined; } catch (e) { return (e as Error).message; } },
    });
    // The view's message line shows the filter and how many runs match (the title has no room for it).
    if (filter !== undefined) await runs.setFilter(filter);
  });
  reg('runlens.clearFilter', () => runs.setFilter(''));
  reg('runlens.showMoreRuns', (node: RunsNode & { kind: 'more' }) => tree.showMore(node));
  reg('runlens.rebuildStore', async () => {
    const folders = stores.folders();
    if (!folders.length) { void vscode.window.showInformationMessage('RunLens: open a folder first.'); return; }
    // The folders that have a store (or tried to open one); with none yet, the store is created.
    let targets = folders.filter((f) => stores.has(f));
    if (!targets.length) {
      const picked = folders.length === 1 ? folders[0] : await vscode.window.showWorkspaceFolderPick({ placeHolder: 'Create the RunLens store of which folder?' });
      if (!picked) return;
      targets = [picked];
    }
    stores.retry(); // a store that failed to open gets another go
    await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: 'RunLens: rebuilding the store from the run logs' }, async () => {
      for (const folder of targets) {
        const s = await stores.get(folder);
        if (!s) continue; // it failed again, and said why (a notification and the output)
        const stats = await s.client.api.rebuild();
        void vscode.window.showInformationMessage(`RunLens rebuilt ${s.folder.name}: ${stats.runs} runs from ${stats.files} run logs${stats.problems ? `, ${stats.problems} problems (see the output)` : ''}.`);
      }
    });
    await runs.refresh();
  });
  reg('runlens.sortRuns', async () => {
    const metrics = new Set<string>();
    for (const s of await stores.all()) {
      for (const r of await s.client.api.runs({ limit: 500 })) for (const k of Object.keys(r.metrics)) metrics.add(k);
    }
    type Pick = vscode.QuickPickItem & { sort: RunsTreeProvider['options']['sort'] };
    const items: Pick[] = [
      { label: '$(history) Newest first', sort: { by: 'start_time', descending: true } },
      { label: '$(history) Oldest first', sort: { by: 'start_time', descending: false } },
      ...[...metrics].sort().flatMap((m): Pick[] => [
        { label: `$(arrow-down) ${m}`, description: 'highest first', sort: { metric: m, descending: true } },
        { label: `$(arrow-up) ${m}`, description: 'lowest first', sort: { metric: m, descending: false } },
      ]),
    ];
    const picked = await vscode.window.showQuickPick(items, { placeHolder: 'Sort runs by' });
    if (picked) { tree.options.sort = picked.sort; await runs.refresh(); }
  });
  const toggle = (key: 'showDeleted' | 'showFailed', ctxKey: string) => {
    tree.options[key] = !tree.options[key];
    void vscode.commands.executeCommand('setContext', ctxKey, tree.options[key]);
    void runs.refresh();
  };
  reg('runlens.showDeletedRuns', () => toggle('showDeleted', 'runlens.showDeleted'));
  reg('runlens.hideDeletedRuns', () => toggle('showDeleted', 'runlens.showDeleted'));
  reg('runlens.showFailedRuns', () => toggle('showFailed', 'runlens.showFailed'));
  reg('runlens.hideFailedRuns', () => toggle('showFailed', 'runlens.showFailed'));
  void vscode.commands.executeCommand('setContext', 'runlens.showFailed', true);

  reg('runlens.copyParameters', async (node?: RunNode, selected?: RunsNode[]) => {
    const runs = targets(node, selected, view).map((n) => n.run);
    if (!runs.length) return;
    const format = await vscode.window.showQuickPick([
      { label: 'JSON', value: 'json' as const }, { label: 'Python dict', value: 'python' as const }, { label: 'Command-line arguments', value: 'args' as const },
    ], { placeHolder: 'Copy parameters as' });
    if (!format) return;
    const text = runs.map((r: RunSummary) => paramsAs(format.value, r.params)).join('\n');
    await vscode.env.clipboard.writeText(text);
    vscode.window.setStatusBarMessage(`RunLens: copied the parameters of ${runs.length} run${runs.length === 1 ? '' : 's'}`, 3000);
  });

  const edit = async (nodes: RunNode[], make: (n: RunNode) => JournalEvent) => {
    for (const n of nodes) await n.store.client.api.edit(make(n));
    tree.refresh(true);
  };
  reg('runlens.deleteRun', async (node?: RunNode, selected?: RunsNode[]) => {
    const nodes = targets(node, selected, view);
    if (!nodes.length) return;
    await edit(nodes, (n) => ({ e: 'delete', run: n.run.uid }));
    const undo = await vscode.window.showInformationMessage(`RunLens: ${nodes.length} run${nodes.length === 1 ? '' : 's'} deleted. The run logs are kept; deleted runs can be shown and restored.`, 'Undo');
    if (undo) await edit(nodes, (n) => ({ e: 'restore', run: n.run.uid }));
  });
  reg('runlens.restoreRun', async (node?: RunNode, selected?: RunsNode[]) => {
    await edit(targets(node, selected, view), (n) => ({ e: 'restore', run: n.run.uid }));
  });
  reg('runlens.addTag', async (node?: RunNode, selected?: RunsNode[]) => {
    const nodes = targets(node, selected, view);
    if (!nodes.length) return;
    const input = await vscode.window.showInputBox({ prompt: 'Tag as key=value (or just a key)', placeHolder: 'reviewed=yes', validateInput: (v) => (v.trim() ? undefined : 'Type a tag') });
    if (!input) return;
    const eq = input.indexOf('=');
    const key = (eq < 0 ? input : input.slice(0, eq)).trim();
    const value = eq < 0 ? '' : input.slice(eq + 1).trim();
    await edit(nodes, (n) => ({ e: 'tag', run: n.run.uid, key, value }));
  });
  reg('runlens.editNote', async (node?: RunNode) => {
    const [n] = targets(node, undefined, view);
    if (!n) return;
    const current = (await n.store.client.api.run(n.run.uid))?.note ?? '';
    const text = await vscode.window.showInputBox({ prompt: `Note for ${n.run.name ?? n.run.uid}`, value: current });
    if (text === undefined) return;
    await edit([n], (x) => ({ e: 'note', run: x.run.uid, text }));
  });
  reg('runlens.revealRunLog', async (node?: RunNode) => {
    const [n] = targets(node, undefined, view);
    if (!n) return;
    const detail = await n.store.client.api.run(n.run.uid);
    if (!detail) return;
    const file = recordOf(n.store.folder.uri.fsPath, detail.source);
    if (!file) { void vscode.window.showWarningMessage(`RunLens: the record of run ${n.run.uid} is not where it was (${detail.source}).`); return; }
    if (file.endsWith('.db')) {
      // A run of an MLflow SQLite store has no file of its own: show the store.
      await vscode.commands.executeCommand('revealInExplorer', vscode.Uri.file(file));
      void vscode.window.showInformationMessage(`RunLens: run ${n.run.uid} comes from the MLflow store ${path.basename(file)}.`);
      return;
    }
    await vscode.window.showTextDocument(vscode.Uri.file(file), { preview: true });
  });
}

/** The file that records a run: its run log, its MLflow run folder's meta.yaml, or its MLflow database. */
function recordOf(folder: string, source: string): string | undefined {
  if (RUN_LOG_SOURCE.test(source)) return path.join(folder, '.runlens', source);
  const imported = parseImportedSource(source);
  if (!imported) return undefined;
  if (imported.kind === 'mlflow-db') return fs.existsSync(imported.storePath) ? imported.storePath : undefined;
  return [path.join(imported.storePath, imported.experimentId ?? '', imported.runId, 'meta.yaml'),
    path.join(imported.storePath, '.trash', imported.experimentId ?? '', imported.runId, 'meta.yaml')].find((f) => fs.existsSync(f));
}
