import * as path from 'node:path';
import * as vscode from 'vscode';
import { StoreClient } from './client';
import type { Reporter } from '../core/store/ingest';

export interface FolderStore {
  folder: vscode.WorkspaceFolder;
  client: StoreClient;
}

/**
 * One store per workspace folder (multi-root: one `.runlens/` each), started lazily in its worker
 * thread the first time something asks, and stopped when the folder leaves the workspace.
 */
export class FolderStores implements vscode.Disposable {
  private readonly starting = new Map<string, Promise<FolderStore | undefined>>();
  private readonly ready = new Map<string, FolderStore>();
  private readonly changed = new vscode.EventEmitter<FolderStore | undefined>();
  readonly onDidChange = this.changed.event;
  private readonly failures = new Map<string, string>();
  private readonly disposables: vscode.Disposable[] = [this.changed];

  constructor(private readonly extensionUri: vscode.Uri, private readonly reporter: Reporter, private readonly log: vscode.LogOutputChannel) {
    this.disposables.push(vscode.workspace.onDidChangeWorkspaceFolders((e) => {
      for (const f of e.removed) void this.stop(f.uri.toString());
      if (e.added.length) this.changed.fire(undefined);
    }));
  }

  folders(): readonly vscode.WorkspaceFolder[] {
    return (vscode.workspace.workspaceFolders ?? []).filter((f) => f.uri.scheme === 'file');
  }

  /** Why a folder's store could not start, if it could not. */
  failure(folder: vscode.WorkspaceFolder): string | undefined {
    return this.failures.get(folder.uri.toString());
  }

  forUri(uri: vscode.Uri): Promise<FolderStore | undefined> {
    const folder = vscode.workspace.getWorkspaceFolder(uri);
    return folder ? this.get(folder) : Promise.resolve(undefined);
  }

  get(folder: vscode.WorkspaceFolder): Promise<FolderStore | undefined> {
    const key = folder.uri.toString();
    let p = this.starting.get(key);
    if (!p) {
      p = this.start(folder);
      this.starting.set(key, p);
    }
    return p;
  }

  async all(): Promise<FolderStore[]> {
    const stores = await Promise.all(this.folders().map((f) => this.get(f)));
    return stores.filter((s): s is FolderStore => !!s);
  }

  private async start(folder: vscode.WorkspaceFolder): Promise<FolderStore | undefined> {
    const dist = vscode.Uri.joinPath(this.extensionUri, 'dist').fsPath;
    const started = Date.now();
    try {
      // Polled twice a second: a new run reaches the tree and the lenses well within a second.
      const client = await StoreClient.start(path.join(dist, 'storeWorker.js'), path.join(dist, 'sql-wasm.wasm'), folder.uri.fsPath, this.reporter, 500);
      const store = { folder, client };
      this.ready.set(folder.uri.toString(), store);
      this.failures.delete(folder.uri.toString());
      this.disposables.push(client.onChange(() => this.changed.fire(store)));
      this.log.info(`Store of ${folder.name} open in ${Date.now() - started} ms (${client.role === 'writer' ? 'this window writes it' : 'following another window read-only'})`);
      this.changed.fire(store);
      return store;
    } catch (e) {
      const message = (e as Error).message;
      this.failures.set(folder.uri.toString(), message);
      this.starting.delete(folder.uri.toString());
      this.log.error(`Could not open the RunLens store of ${folder.name}: ${message}`);
      void vscode.window.showErrorMessage(`RunLens could not open the store of ${folder.name}: ${message}`, 'Show Output').then((a) => { if (a) this.log.show(); });
      this.changed.fire(undefined);
      return undefined;
    }
  }

  private async stop(key: string): Promise<void> {
    const s = this.ready.get(key);
    this.ready.delete(key);
    this.starting.delete(key);
    await s?.client.dispose();
  }

  async dispose(): Promise<void> {
    for (const d of this.disposables) d.dispose();
    await Promise.all([...this.ready.keys()].map((k) => this.stop(k)));
  }
}
