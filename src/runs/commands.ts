import * as path from 'node:path';
import * as vscode from 'vscode';
import { runRecord } from '../core/runs/record';
import type { CommandSpec } from '../commands';
import { runsFromArgs, type OpenRun } from './ref';
import type { FolderStores } from '../store/folderStores';
import type { RunsNode, RunsTreeProvider } from './tree';
import type { RunsView } from './view';
import { paramsAs } from '../core/runs/format';
import { compileFilter } from '../core/runs/filter';
import type { RunDetail, RunSummary } from '../core/store/types';
import type { JournalEvent } from '../core/store/journal';

/** The Runs view's commands, for the command table (src/commands.ts). Run commands take RunRefs or the tree's nodes. */
export function runCommands(stores: FolderStores, runs: RunsView): CommandSpec[] {
  const { tree, view } = runs;
  const commands: CommandSpec[] = [];
  const reg = (id: string, run: (...args: never[]) => unknown) => { commands.push({ id, run }); };
  /** The runs a command acts on: its arguments, else the tree's selection. */
  const targets = (clicked: unknown, selected?: unknown) => runsFromArgs(stores, clicked, selected, () => view.selection);

  reg('runlens.refresh', async () => {
    stores.retry();
    for (const s of await stores.all()) {
      await s.client.api.refresh();
      // The followed sources too: every tracking server with a full pass (late edits included).
      await s.client.api.syncSources();
    }
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

  reg('runlens.copyParameters', async (clicked?: unknown, selected?: unknown) => {
    const picked = await targets(clicked, selected);
    const runs = (await Promise.all(picked.map((r) => r.store.client.api.run(r.uid)))).filter((r): r is RunDetail => !!r);
    if (!runs.length) return;
    const format = await vscode.window.showQuickPick([
      { label: 'JSON', value: 'json' as const }, { label: 'Python dict', value: 'python' as const }, { label: 'Command-line arguments', value: 'args' as const },
    ], { placeHolder: 'Copy parameters as' });
    if (!format) return;
    const text = runs.map((r: RunSummary) => paramsAs(format.value, r.params)).join('\n');
    await vscode.env.clipboard.writeText(text);
    vscode.window.setStatusBarMessage(`RunLens: copied the parameters of ${runs.length} run${runs.length === 1 ? '' : 's'}`, 3000);
  });

  const edit = async (list: OpenRun[], make: (n: OpenRun) => JournalEvent) => {
    for (const n of list) await n.store.client.api.edit(make(n));
    tree.refresh(true);
  };
  reg('runlens.deleteRun', async (clicked?: unknown, selected?: unknown) => {
    const list = await targets(clicked, selected);
    if (!list.length) return;
    await edit(list, (n) => ({ e: 'delete', run: n.uid }));
    const undo = await vscode.window.showInformationMessage(`RunLens: ${list.length} run${list.length === 1 ? '' : 's'} deleted. The run logs are kept; deleted runs can be shown and restored.`, 'Undo');
    if (undo) await edit(list, (n) => ({ e: 'restore', run: n.uid }));
  });
  reg('runlens.restoreRun', async (clicked?: unknown, selected?: unknown) => {
    await edit(await targets(clicked, selected), (n) => ({ e: 'restore', run: n.uid }));
  });
  reg('runlens.addTag', async (clicked?: unknown, selected?: unknown) => {
    const list = await targets(clicked, selected);
    if (!list.length) return;
    const input = await vscode.window.showInputBox({ prompt: 'Tag as key=value (or just a key)', placeHolder: 'reviewed=yes', validateInput: (v) => (v.trim() ? undefined : 'Type a tag') });
    if (!input) return;
    const eq = input.indexOf('=');
    const key = (eq < 0 ? input : input.slice(0, eq)).trim();
    const value = eq < 0 ? '' : input.slice(eq + 1).trim();
    await edit(list, (n) => ({ e: 'tag', run: n.uid, key, value }));
  });
  reg('runlens.editNote', async (clicked?: unknown) => {
    const [n] = await targets(clicked);
    if (!n) return;
    const run = await n.store.client.api.run(n.uid);
    const text = await vscode.window.showInputBox({ prompt: `Note for ${run?.name ?? n.uid}`, value: run?.note ?? '' });
    if (text === undefined) return;
    await edit([n], (x) => ({ e: 'note', run: x.uid, text }));
  });
  reg('runlens.revealRunLog', async (clicked?: unknown) => {
    const [n] = await targets(clicked);
    if (n) await revealRunRecord(n);
  });
  return commands;
}

/** Shows where a run is recorded: its run log, its MLflow run's meta.yaml, or the MLflow database it came from. */
export async function revealRunRecord(run: OpenRun): Promise<void> {
  const detail = await run.store.client.api.run(run.uid);
  if (!detail) throw new Error(`run ${run.uid} is not in the store of ${run.store.folder.name}`);
  const record = runRecord(run.store.folder.uri.fsPath, detail.source);
  switch (record.kind) {
    case 'missing':
      void vscode.window.showWarningMessage(`RunLens: the record of run ${run.uid} is not where it was (${record.why}).`);
      return;
    case 'mlflow-server':
      await vscode.env.openExternal(vscode.Uri.parse(record.url, true));
      return;
    case 'mlflow-db':
      // A run of an MLflow SQLite store has no file of its own: show the store.
      await vscode.commands.executeCommand('revealInExplorer', vscode.Uri.file(record.file));
      void vscode.window.showInformationMessage(`RunLens: run ${run.uid} comes from the MLflow store ${path.basename(record.file)}.`);
      return;
    default:
      await vscode.window.showTextDocument(vscode.Uri.file(record.file), { preview: true });
  }
}
