import type { ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { CommandSpec } from '../commands';
import { STORE_DIR } from '../core/store/workspaceStore';
import type { Credentials } from '../core/mlflowServer/credentials';
import { normalizeServerUri } from '../core/mlflowServer/uri';
import { byServer, uploadCredentials, waitingRuns, type UploadOutcome } from '../core/upload/outbox';
import { startUploader } from '../core/upload/uploader';
import { Disposable } from '../disposable';
import { findInterpreter } from '../launch/interpreter';
import type { FolderStores } from '../store/folderStores';
import { runsFromArgs } from '../runs/ref';
import { serverSettings } from '../settings/servers';

/** How often the window that writes a folder's store tries the runs still waiting (doubling while they fail, to RETRY_MAX_MS). */
const RETRY_MS = 60_000;
const RETRY_MAX_MS = 15 * 60_000;
/** After the outbox changes (a run was queued, or its process ended), a first try this much later. */
const SETTLE_MS = 5_000;
/** Runs another process is uploading, or a window that is not the writer yet: looked at again this much later. */
const RECHECK_MS = 15_000;
const ALLOWED_KEY = 'runlens.upload.allowedServers';

/** The credentials the editor keeps for tracking servers (src/mlflow/servers.ts), as the upload needs them. */
export interface KeptCredentials {
  /** Those entered for the server's origin and kept in VS Code's secret storage. */
  kept(uri: string): Promise<Credentials | undefined>;
  /** Asks the person for them (and keeps them); false when they gave none. */
  ask(uri: string): Promise<boolean>;
  /** Fires when kept credentials change. */
  readonly onDidChange: vscode.Event<unknown>;
}

/**
 * Runs that wait to be uploaded to an MLflow tracking server (a server that was down while they
 * were logged, or a process that died before its upload finished) are uploaded by the window that
 * writes the folder's store, in the background, with a status bar count of runs waiting, and by
 * `RunLens: Upload Pending Runs` now. The uploading itself is the Python client's
 * (`python -m runlens.upload`: core/upload/outbox.ts), run with the user's interpreter, so the
 * extension, the client and a terminal resume one another exactly and never upload a run twice.
 *
 * A run is sent only to a server this person named on this machine (MLFLOW_TRACKING_URI or
 * RUNLENS_TRACKING_URI in VS Code's environment, `runlens.mlflow.trackingServers` in their user
 * settings, one they connected the folder to, or one confirmed once in this command), never to one
 * only a file of the workspace names, and only in a trusted workspace (it runs the folder's
 * interpreter). Its credentials are those the editor keeps for the server's origin (entered once,
 * in VS Code's secret storage), else MLflow's variables when VS Code's environment names that
 * server: handed to the uploader in its environment, never written to a file.
 */
export class UploadFeature extends Disposable {
  readonly commands: CommandSpec[];
  private readonly item = vscode.window.createStatusBarItem('runlens.upload', vscode.StatusBarAlignment.Left, 9);
  private readonly running = new Map<string, ChildProcess>();
  private readonly nextTry = new Map<string, { at: number; wait: number }>();
  private settle: NodeJS.Timeout | undefined;
  private readonly timer: NodeJS.Timeout;

  /** Servers whose refusal of credentials was said, so it is said once. */
  private readonly authSaid = new Set<string>();

  constructor(private readonly clientDir: string, private readonly stores: FolderStores,
    private readonly log: vscode.LogOutputChannel, private readonly state: vscode.Memento,
    private readonly credentials: KeptCredentials) {
    super();
    this.item.name = 'RunLens runs waiting to be uploaded';
    this.item.command = 'runlens.uploadPendingRuns';
    this.track(this.item);
    const watcher = this.track(vscode.workspace.createFileSystemWatcher(`**/${STORE_DIR}/outbox/*.json`));
    const changed = () => this.changed();
    this.track(watcher.onDidCreate(changed));
    this.track(watcher.onDidDelete(changed));
    this.track(stores.onDidChange(changed));
    this.track(vscode.workspace.onDidGrantWorkspaceTrust(changed));
    // New credentials: the runs that waited for them are tried again now.
    this.track(credentials.onDidChange(() => { this.nextTry.clear(); this.authSaid.clear(); changed(); }));
    this.timer = setInterval(() => void this.background(), RETRY_MS);
    this.track({ dispose: () => { clearInterval(this.timer); if (this.settle) clearTimeout(this.settle); for (const p of this.running.values()) p.kill(); } });
    this.commands = [{ id: 'runlens.uploadPendingRuns', runsWorkspaceCode: true, run: (clicked?: unknown) => this.uploadNow(clicked) }];
    this.changed();
  }

  /**
   * The runs waiting in every folder, per server: those of the outbox whose process is done with
   * them. A run still running is being uploaded by its own process; it is not waiting.
   */
  async waiting(): Promise<Map<vscode.WorkspaceFolder, Map<string, number>>> {
    const all = new Map<vscode.WorkspaceFolder, Map<string, number>>();
    for (const folder of this.stores.folders()) {
      const runs = waitingRuns(storeDir(folder));
      if (!runs.length) continue;
      const store = this.stores.has(folder) ? await this.stores.get(folder) : undefined;
      const idle = [];
      for (const run of runs) {
        const status = store ? (await store.client.api.run(run.runId).catch(() => undefined))?.status : undefined;
        if (status !== 'running') idle.push(run);
      }
      const counts = byServer(idle);
      if (counts.size) all.set(folder, counts);
    }
    return all;
  }

  private changed(): void {
    void this.showCount();
    if (this.settle) clearTimeout(this.settle);
    this.settle = setTimeout(() => { this.settle = undefined; void this.background(); }, SETTLE_MS);
  }

  private async showCount(): Promise<void> {
    const servers = new Map<string, number>();
    for (const counts of (await this.waiting()).values()) for (const [s, n] of counts) servers.set(s, (servers.get(s) ?? 0) + n);
    const total = [...servers.values()].reduce((a, b) => a + b, 0);
    if (!total) { this.item.hide(); return; }
    this.item.text = `$(cloud-upload) ${total}`;
    const where = [...servers].map(([s, n]) => `${n} to ${s || 'a server'}`).join(', ');
    this.item.tooltip = `RunLens: ${total} run${total === 1 ? '' : 's'} waiting to be uploaded (${where}). Click to upload now.`;
    this.item.show();
  }

  /**
   * The servers this person named on this machine for the folder: VS Code's environment, their
   * user settings, the servers they connected the folder to, and those confirmed here.
   */
  private allowedServers(folder: vscode.WorkspaceFolder): Set<string> {
    const allowed = new Set(this.state.get<string[]>(ALLOWED_KEY, []));
    for (const v of [process.env.RUNLENS_TRACKING_URI, process.env.MLFLOW_TRACKING_URI, ...this.stores.allowedSources.list(folder.uri.fsPath)]) {
      try { if (v?.trim()) allowed.add(normalizeServerUri(v)); } catch { /* not a server's URI */ }
    }
    for (const s of serverSettings(folder).servers) if (s.namedBy.some((n) => n !== 'workspace')) allowed.add(s.uri);
    return allowed;
  }

  /** What the window that writes a folder's store does by itself: the allowed servers' runs, with backoff. */
  private async background(): Promise<void> {
    if (!vscode.workspace.isTrusted) return;
    let soon = false;
    for (const [folder, counts] of await this.waiting()) {
      const store = await this.stores.get(folder);
      // Asked of the store's thread: a window that opened reading takes over writing when the
      // writer goes (its lock goes stale), and then uploads what waits.
      if (!store || await store.client.api.role().catch(() => 'reader') !== 'writer') { soon = true; continue; }
      const allowed = this.allowedServers(folder);
      for (const server of counts.keys()) {
        const key = `${folder.uri.toString()} ${server}`;
        const next = this.nextTry.get(key);
        if (!allowed.has(server) || this.running.has(key) || (next && Date.now() < next.at)) continue;
        const outcome = await this.upload(folder, server);
        if (outcome?.auth) this.offerCredentials(server, outcome.problems.join('; '));
        if (!outcome || outcome.waiting) {
          // The server is down or refuses, or the uploader cannot run: later and later.
          const wait = Math.min(RETRY_MAX_MS, next ? next.wait * 2 : RETRY_MS);
          this.nextTry.set(key, { at: Date.now() + wait, wait });
        } else {
          this.nextTry.delete(key);
          // Runs another process was uploading (their own, a moment ago): looked at again soon.
          soon ||= outcome.busy > 0;
        }
      }
    }
    await this.showCount();
    if (soon && !this.settle) this.settle = setTimeout(() => { this.settle = undefined; void this.background(); }, RECHECK_MS);
  }

  /** A server that refuses the credentials: said once, with the way to give them. */
  private offerCredentials(server: string, why: string): void {
    if (this.authSaid.has(server)) return;
    this.authSaid.add(server);
    const enter = 'Enter Credentials…';
    void vscode.window.showWarningMessage(`RunLens: runs wait to be uploaded: ${why || `${server} refused the credentials`}`, enter)
      .then((a) => { if (a === enter) void this.credentials.ask(server); });
  }

  /** RunLens: Upload Pending Runs (of every folder, or of the folders of the runs it was given). */
  private async uploadNow(clicked?: unknown): Promise<void> {
    const only = clicked === undefined ? undefined : new Set((await runsFromArgs(this.stores, clicked)).map((r) => r.store.folder));
    const waiting = new Map([...await this.waiting()].filter(([folder]) => !only?.size || only.has(folder)));
    if (!waiting.size) {
      void vscode.window.showInformationMessage('RunLens: no runs are waiting to be uploaded.');
      return;
    }
    const jobs: [vscode.WorkspaceFolder, string][] = [];
    for (const [folder, counts] of waiting) {
      const allowed = this.allowedServers(folder);
      for (const [server, n] of counts) {
        if (!server) continue;
        if (!allowed.has(server)) {
          const upload = 'Upload';
          const answer = await vscode.window.showWarningMessage(
            `Upload ${n} run${n === 1 ? '' : 's'} of ${folder.name} to ${server}? Only this folder's run logs name that server: RunLens sends runs only to a server you name.`,
            { modal: true }, upload);
          if (answer !== upload) continue;
          allowed.add(server);
          await this.state.update(ALLOWED_KEY, [...new Set([...this.state.get<string[]>(ALLOWED_KEY, []), server])]);
        }
        jobs.push([folder, server]);
      }
    }
    const outcomes = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: 'RunLens: uploading runs', cancellable: true },
      async (progress, token) => {
        const done: [string, UploadOutcome | undefined][] = [];
        for (const [folder, server] of jobs) {
          if (token.isCancellationRequested) break;
          progress.report({ message: `${folder.name} to ${server}` });
          const key = `${folder.uri.toString()} ${server}`;
          const cancel = token.onCancellationRequested(() => this.running.get(key)?.kill());
          try { done.push([server, await this.upload(folder, server)]); } finally { cancel.dispose(); }
          this.nextTry.delete(key);
        }
        return done;
      });
    await this.showCount();
    const uploaded = outcomes.reduce((a, [, o]) => a + (o?.done ?? 0), 0);
    const problems = [...new Set(outcomes.flatMap(([, o]) => o?.problems ?? []))];
    const notes = [...new Set(outcomes.flatMap(([, o]) => o?.notes ?? []))];
    const left = outcomes.reduce((a, [, o]) => a + (o ? o.waiting + o.busy : 0), 0);
    const refusedBy = outcomes.filter(([, o]) => o?.auth).map(([server]) => server);
    if (problems.length || left) {
      const enter = 'Enter Credentials…';
      const show = 'Show Output';
      void vscode.window.showWarningMessage(`RunLens uploaded ${uploaded} run${uploaded === 1 ? '' : 's'}; ${left} still wait${left === 1 ? 's' : ''}: ${problems.join('; ') || 'another process is uploading them'}.`, ...(refusedBy.length ? [enter] : []), show)
        .then(async (a) => {
          if (a === show) this.log.show();
          if (a === enter) for (const server of new Set(refusedBy)) if (!await this.credentials.ask(server)) break;
        });
    } else if (notes.length) {
      // A server that keeps no artifacts: the runs are up, their files stay in .runlens.
      const show = 'Show Output';
      const more = notes.length > 1 ? ` (and ${notes.length - 1} more in the output)` : '';
      void vscode.window.showInformationMessage(`RunLens uploaded ${uploaded} run${uploaded === 1 ? '' : 's'}; ${notes[0]}${more}.`, show)
        .then((a) => { if (a === show) this.log.show(); });
    } else {
      void vscode.window.showInformationMessage(`RunLens uploaded ${uploaded} run${uploaded === 1 ? '' : 's'}.`);
    }
  }

  /** Runs the Python client's uploader for one folder and server; undefined when it could not run. */
  private async upload(folder: vscode.WorkspaceFolder, server: string): Promise<UploadOutcome | undefined> {
    const key = `${folder.uri.toString()} ${server}`;
    const python = await findInterpreter(folder, this.log);
    if (!python) {
      this.log.warn(`Runs of ${folder.name} wait to be uploaded to ${server}, and no Python interpreter was found to upload them with (runlens.pythonPath)`);
      return undefined;
    }
    const credentials = uploadCredentials(server, process.env, await this.credentials.kept(server));
    this.log.info(`Uploading the runs of ${folder.name} waiting for ${server} (${python} -m runlens.upload)`);
    const run = startUploader(python, server, storeDir(folder), this.clientDir, credentials);
    this.running.set(key, run.child);
    const { outcome, failure, stderr } = await run.done;
    this.running.delete(key);
    for (const line of stderr.split('\n')) if (line.trim()) this.log.info(line);
    if (!outcome) {
      this.log.warn(`The uploader for ${folder.name} did not run: ${failure}`);
      return undefined;
    }
    this.log.info(`Uploaded ${outcome.done} run${outcome.done === 1 ? '' : 's'} of ${folder.name} to ${server} (${outcome.points} metric points, ${outcome.files} artifact file${outcome.files === 1 ? '' : 's'}); ${outcome.waiting + outcome.busy} still wait`);
    return outcome;
  }
}

function storeDir(folder: vscode.WorkspaceFolder): string {
  return path.join(folder.uri.fsPath, STORE_DIR);
}
