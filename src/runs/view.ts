import * as vscode from 'vscode';
import type { FolderStores } from '../store/folderStores';
import { RunsTreeProvider, type RunsNode } from './tree';
import { filterMessage, viewState, type FolderFacts, type ViewState } from '../core/runs/viewState';
import { serverNotice } from '../core/runs/format';
import { STORE_DIR } from '../core/store/workspaceStore';
import { OUTBOX_DIR } from '../core/upload/outbox';

export const LOADING_MESSAGE = 'Loading runs…';

/**
 * The Runs view: its tree, the welcome content it shows when it has nothing to list (through the
 * `runlens.state` context key), and its message line (loading, the active filter and how many runs
 * it leaves, a store that failed). Made first in activate(), so the view has its data provider
 * before anything slow starts and never says that none is registered.
 */
export class RunsView implements vscode.Disposable {
  readonly tree: RunsTreeProvider;
  readonly view: vscode.TreeView<RunsNode>;
  /** What the view last showed; 'loading' until the stores of the folders were looked at. */
  state: ViewState | 'loading' = 'loading';
  private readonly disposables: vscode.Disposable[] = [];
  private dirty = false;
  private running: Promise<void> | undefined;

  constructor(private readonly stores: FolderStores, private readonly log: vscode.LogOutputChannel) {
    this.tree = new RunsTreeProvider(stores);
    this.view = vscode.window.createTreeView<RunsNode>('runlens.runs', { treeDataProvider: this.tree, showCollapseAll: true, canSelectMany: true });
    this.view.message = LOADING_MESSAGE;
    this.disposables.push(this.tree, this.view, stores.onDidChange(() => { this.tree.refresh(); void this.update(); }));
    // A run that reaches its tracking server leaves the outbox: its row stops saying "not uploaded".
    const outbox = vscode.workspace.createFileSystemWatcher(`**/${STORE_DIR}/${OUTBOX_DIR}/*.json`, false, true, false);
    this.disposables.push(outbox, outbox.onDidCreate(() => this.tree.refresh()), outbox.onDidDelete(() => this.tree.refresh()));
  }

  /** Shows only the runs matching `filter` (empty: every run), and says so in the message line. */
  setFilter(filter: string): Promise<void> {
    this.tree.options.filter = filter.trim();
    void vscode.commands.executeCommand('setContext', 'runlens.filtered', !!this.tree.options.filter);
    return this.refresh();
  }

  /** Redraws the tree now and brings the state and the message up to date. */
  refresh(): Promise<void> {
    this.tree.refresh(true);
    return this.update();
  }

  /**
   * Looks at every folder's store again and updates the welcome state and the message. Calls that
   * come while one runs are folded into one more run after it; the promise settles when the state
   * is up to date.
   */
  update(): Promise<void> {
    this.dirty = true;
    this.running ??= (async () => {
      try {
        while (this.dirty) {
          this.dirty = false;
          await this.compute();
        }
      } catch (e) {
        this.log.error(`The Runs view could not be brought up to date: ${(e as Error).stack ?? e}`);
      } finally {
        this.running = undefined;
      }
    })();
    return this.running;
  }

  private async compute(): Promise<void> {
    const folders = this.stores.folders();
    const open = await this.stores.all();
    const facts: FolderFacts[] = await Promise.all(folders.map(async (folder) => {
      const store = open.find((s) => s.folder === folder);
      return { hasStore: this.stores.has(folder), failed: !!this.stores.failure(folder), runs: store ? await store.client.api.countRuns(undefined, true) : undefined };
    }));
    const state = viewState(facts);
    const lines: string[] = [];
    const filter = this.tree.options.filter;
    if (filter && state === 'ready') {
      let matching = 0;
      let total = 0;
      for (const s of open) {
        total += await s.client.api.countRuns(undefined, this.tree.options.showDeleted);
        matching += await s.client.api.countRuns(undefined, this.tree.options.showDeleted, filter).catch(() => 0);
      }
      lines.push(filterMessage(filter, matching, total));
    }
    // A tracking server that is not up to date: its runs are shown as last synced, and the line says so.
    for (const s of open) {
      for (const server of await s.client.api.servers().catch(() => [])) {
        const notice = serverNotice(server);
        if (notice) lines.push(`${server.uri}: ${notice}`);
      }
    }
    // With runs in another folder the view lists those; the folder whose store failed is named here.
    const failed = folders.filter((f) => this.stores.failure(f));
    if (state !== 'error' && failed.length) lines.push(`The store of ${failed.map((f) => f.name).join(', ')} could not be opened: the RunLens output says why.`);
    this.state = state;
    await vscode.commands.executeCommand('setContext', 'runlens.state', state);
    this.view.message = lines.join(' · ') || undefined;
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
  }
}
