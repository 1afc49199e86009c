import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { StoreClient } from './client';
import { Disposable } from '../disposable';
import type { Reporter } from '../core/store/ingest';
import { STORE_DIR } from '../core/store/workspaceStore';
import type { UserAllowedSources } from './allowedSources';
import { serverSettings } from '../settings/servers';

export interface FolderStore {
  folder: vscode.WorkspaceFolder;
  client: StoreClient;
}

/**
 * One store per workspace folder (multi-root: one `.runlens/` each), each in its worker thread.
 * A folder that has no `.runlens/` yet gets none until something needs to write there (a launch, an
 * import) or a Python process creates it: opening a Python file writes nothing into a folder.
 * A store that fails to start stays failed, said once, until the user asks again (Refresh).
 */
export class FolderStores extends Disposable {
  private readonly starting = new Map<string, Promise<FolderStore | undefined>>();
  private readonly changed = this.track(new vscode.EventEmitter<FolderStore | undefined>());
  readonly onDidChange = this.changed.event;
  private readonly failures = new Map<string, string>();
  /** Per folder: its store's client and the listeners on it, let go of together when the store stops or fails. */
  private readonly parts = new Map<string, Disposable>();

  constructor(private readonly extensionUri: vscode.Uri, private readonly reporter: Reporter, private readonly log: vscode.LogOutputChannel,
    /** The sources outside each folder this user allowed its store to follow. */
    readonly allowedSources: UserAllowedSources) {
    super();
    // A Python process that logs the folder's first run creates `.runlens/`: follow it from then on.
    // The folder itself is watched too: its first run log, written the moment the folder is made, is
    // often not reported at all (a new directory is watched only once the watcher sees it).
    const follow = (uri: vscode.Uri) => {
      const folder = vscode.workspace.getWorkspaceFolder(uri);
      if (folder && !this.starting.has(folder.uri.toString())) void this.get(folder);
    };
    const watchers = [`**/${STORE_DIR}`, `**/${STORE_DIR}/**`].map((glob) => vscode.workspace.createFileSystemWatcher(glob, false, true, true));
    for (const w of watchers) { this.track(w); this.track(w.onDidCreate(follow)); }
    this.track(vscode.workspace.onDidChangeWorkspaceFolders((e) => {
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

  /** The store of the folder holding `uri`; with `create: false`, only if the folder has one already. */
  forUri(uri: vscode.Uri, { create = true } = {}): Promise<FolderStore | undefined> {
    const folder = vscode.workspace.getWorkspaceFolder(uri);
    if (!folder || (!create && !this.has(folder))) return Promise.resolve(undefined);
    return this.get(folder);
  }

  /** The folder's store, started (and `.runlens/` created) if it is not yet. */
  get(folder: vscode.WorkspaceFolder): Promise<FolderStore | undefined> {
    const key = folder.uri.toString();
    let p = this.starting.get(key);
    if (!p) {
      p = this.start(folder);
      this.starting.set(key, p);
    }
    return p;
  }

  /** Whether the folder has a store, running or on disk. */
  has(folder: vscode.WorkspaceFolder): boolean {
    return this.starting.has(folder.uri.toString()) || fs.existsSync(path.join(folder.uri.fsPath, STORE_DIR));
  }

  /** The stores of every folder that has one. */
  async all(): Promise<FolderStore[]> {
    const stores = await Promise.all(this.folders().filter((f) => this.has(f)).map((f) => this.get(f)));
    return stores.filter((s): s is FolderStore => !!s);
  }

  /** Tries again the stores that failed to start or stopped. */
  retry(): void {
    for (const key of this.failures.keys()) this.starting.delete(key);
    this.failures.clear();
    this.changed.fire(undefined);
  }

  private async start(folder: vscode.WorkspaceFolder): Promise<FolderStore | undefined> {
    const dist = vscode.Uri.joinPath(this.extensionUri, 'dist').fsPath;
    const key = folder.uri.toString();
    const started = Date.now();
    try {
      // Polled twice a second: a new run reaches the tree and the lenses well within a second.
      const client = await StoreClient.start(path.join(dist, 'storeWorker.js'), path.join(dist, 'sql-wasm.wasm'), folder.uri.fsPath, this.reporter, 500,
        this.allowedSources.list(folder.uri.fsPath), serverSettings(folder).pollMs);
      const store = { folder, client };
      const parts = new Disposable();
      void this.parts.get(key)?.dispose();
      this.parts.set(key, parts);
      parts.track({ dispose: () => client.dispose() });
      parts.track(client.onChange(() => this.changed.fire(store)));
      parts.track(client.onExit((why) => {
        if (this.starting.get(key) === undefined) return;
        this.fail(key, folder, `the store's thread stopped (${why})`);
      }));
      this.log.info(`Store of ${folder.name} open in ${Date.now() - started} ms (${client.role === 'writer' ? 'this window writes it' : 'following another window read-only'})`);
      this.changed.fire(store);
      return store;
    } catch (e) {
      this.fail(key, folder, (e as Error).message);
      return undefined;
    }
  }

  /** Records a failure, says it once, and leaves the folder alone until retry(). */
  private fail(key: string, folder: vscode.WorkspaceFolder, message: string): void {
    if (this.failures.has(key)) return;
    this.failures.set(key, message);
    // A failed store's client and listeners go now; a retry starts afresh.
    void this.parts.get(key)?.dispose();
    this.parts.delete(key);
    this.starting.set(key, Promise.resolve(undefined));
    this.log.error(`The RunLens store of ${folder.name} is not available: ${message}`);
    void vscode.window.showErrorMessage(`RunLens could not open the store of ${folder.name}: ${message}`, 'Show Output', 'Retry').then((a) => {
      if (a === 'Show Output') this.log.show();
      if (a === 'Retry') this.retry();
    });
    this.changed.fire(undefined);
  }

  private async stop(key: string): Promise<void> {
    const pending = this.starting.get(key);
    this.starting.delete(key);
    this.failures.delete(key);
    // A store still starting is waited for, so its worker (and its writer's lock) does not outlive it.
    await pending;
    const parts = this.parts.get(key);
    this.parts.delete(key);
    await parts?.dispose();
  }

  /** How many listeners and clients the folders' stores hold now (for the tests: retries must not pile them up). */
  liveParts(): number {
    return [...this.parts.values()].reduce((n, p) => n + p.size, 0);
  }

  override async dispose(): Promise<void> {
    const keys = [...this.starting.keys()];
    await Promise.all([super.dispose(), ...keys.map((k) => this.stop(k))]);
  }
}
