import * as vscode from 'vscode';
import type { CommandSpec } from '../commands';
import { Disposable } from '../disposable';
import { envCredentialsFor, type Credentials } from '../core/mlflowServer/credentials';
import { MlflowRestApi } from '../core/mlflowServer/api';
import { MlflowHttp, ServerError } from '../core/mlflowServer/http';
import { normalizeServerUri, runPageUrl, serverOrigin } from '../core/mlflowServer/uri';
import { parseImportedSource } from '../core/mlflow/apply';
import { mayContactServer } from '../core/store/sourcePolicy';
import type { ServerStatus } from '../core/store/serverFollow';
import type { ServerConfig } from '../store/protocol';
import type { FolderStore, FolderStores } from '../store/folderStores';
import { runsFromArgs } from '../runs/ref';
import { serverSettings } from '../settings/servers';

const SECRET = (origin: string) => `runlens.mlflow.credentials:${origin}`;

/**
 * MLflow tracking servers in the editor: which ones each folder's store follows (the settings, the
 * environment's MLFLOW_TRACKING_URI, and what the person connected to; the policy decides, see
 * core/store/sourcePolicy.ts), with which credentials (the environment's, or those entered once and
 * kept in VS Code's secret storage by origin), and the commands to connect, to give credentials and
 * to open a run in the server's own UI.
 */
export class ServerFeature extends Disposable {
  /** Servers whose refusal of credentials was said, so it is said once. */
  private readonly authSaid = new Set<string>();
  /** The stores told which servers to follow (a store that restarts is a new client, told again). */
  private readonly told = new WeakSet<object>();
  readonly commands: CommandSpec[];

  constructor(private readonly stores: FolderStores, private readonly secrets: vscode.SecretStorage, private readonly log: vscode.LogOutputChannel) {
    super();
    const reconfigureAll = () => void this.configureAll().catch((e: Error) => log.error(`Configuring the MLflow servers failed: ${e.message}`));
    this.track(stores.onDidChange((s) => {
      if (!s) return;
      if (!this.told.has(s.client)) void this.configure(s).catch((e: Error) => log.error(`Configuring the MLflow servers failed: ${e.message}`));
      void this.checkCredentials(s);
    }));
    this.track(vscode.workspace.onDidChangeConfiguration((e) => { if (e.affectsConfiguration('runlens.mlflow')) reconfigureAll(); }));
    this.track(vscode.workspace.onDidGrantWorkspaceTrust(reconfigureAll));
    this.track(secrets.onDidChange((e) => { if (e.key.startsWith('runlens.mlflow.credentials:')) reconfigureAll(); }));
    reconfigureAll();
    this.commands = [
      { id: 'runlens.connectMlflowServer', run: (uri?: string) => this.connect(uri) },
      { id: 'runlens.openInMlflow', run: (clicked?: unknown) => this.openInMlflow(clicked) },
    ];
  }

  private async configureAll(): Promise<void> {
    // A folder whose settings name a server gets a store to follow it into (the environment's alone does not make one).
    for (const folder of this.stores.folders()) {
      if (this.stores.has(folder)) continue;
      const named = serverSettings(folder).servers.filter((s) => s.namedBy.some((n) => n !== 'environment') && mayContactServer(s.namedBy, vscode.workspace.isTrusted));
      if (named.length) await this.stores.get(folder);
    }
    for (const s of await this.stores.all()) await this.configure(s);
  }

  /** Tells a folder's store which servers to follow and how to reach them. */
  async configure(store: FolderStore): Promise<void> {
    const settings = serverSettings(store.folder);
    for (const bad of settings.invalid) this.log.warn(`runlens.mlflow.trackingServers: ${bad} is not an http(s) URI of a tracking server; ignored`);
    const trusted = vscode.workspace.isTrusted;
    const userList = new Set(this.stores.allowedSources.list(store.folder.uri.fsPath));
    const pageSize = Number(process.env.RUNLENS_MLFLOW_PAGE_SIZE) || undefined;
    const configs: ServerConfig[] = [];
    for (const s of settings.servers) {
      const allowed = mayContactServer(s.namedBy, trusted);
      if (!allowed) this.log.info(`${store.folder.name}: not contacting the MLflow server ${s.uri}, which only the workspace's settings name, because the workspace is not trusted`);
      const byUser = s.namedBy.some((n) => n !== 'workspace');
      configs.push({ uri: s.uri, experiments: s.experiments, allowed, configured: true, credentials: allowed ? await this.credentials(s.uri, byUser) : undefined, pageSize });
    }
    // Servers the folder's store follows by the journal (Connect…, `runlens import http://…`): their credentials.
    for (const [uri, src] of Object.entries(await store.client.api.sources())) {
      if (src.kind !== 'mlflow-server' || configs.some((c) => c.uri === uri)) continue;
      configs.push({ uri, allowed: false, configured: false, credentials: userList.has(uri) ? await this.credentials(uri, true) : undefined, pageSize });
    }
    this.told.add(store.client);
    await store.client.api.configureServers(configs);
  }

  private async credentials(uri: string, namedByUser: boolean): Promise<Credentials | undefined> {
    return await this.keptCredentials(uri) ?? envCredentialsFor(uri, process.env, namedByUser);
  }

  /** The credentials entered for the server's origin and kept in VS Code's secret storage, if any. */
  async keptCredentials(uri: string): Promise<Credentials | undefined> {
    const kept = await this.secrets.get(SECRET(serverOrigin(uri)));
    if (kept) { try { return JSON.parse(kept) as Credentials; } catch { /* entered again when asked */ } }
    return undefined;
  }

  /** A server that refuses the credentials: said once, with the way to give them. */
  private async checkCredentials(store: FolderStore): Promise<void> {
    let statuses: ServerStatus[];
    try { statuses = await store.client.api.servers(); } catch { return; }
    for (const s of statuses) {
      if (s.state !== 'auth') { this.authSaid.delete(s.uri); continue; }
      if (this.authSaid.has(s.uri)) continue;
      this.authSaid.add(s.uri);
      const enter = 'Enter Credentials…';
      void vscode.window.showWarningMessage(`RunLens: ${s.message ?? `the MLflow server ${s.uri} needs credentials`}`, enter).then((a) => { if (a === enter) void this.askCredentials(s.uri); });
    }
  }

  /** Asks for a token or a user name and password, and keeps them in VS Code's secret storage for the server's origin. */
  async askCredentials(uri: string): Promise<boolean> {
    const origin = serverOrigin(uri);
    const kind = await vscode.window.showQuickPick([
      { label: 'A token', value: 'token' as const, description: 'sent as Authorization: Bearer …, like MLFLOW_TRACKING_TOKEN' },
      { label: 'A user name and a password', value: 'basic' as const, description: 'like MLFLOW_TRACKING_USERNAME and MLFLOW_TRACKING_PASSWORD' },
    ], { placeHolder: `Credentials for ${origin} (kept in VS Code's secret storage, sent to ${origin} only)` });
    if (!kind) return false;
    let creds: Credentials | undefined;
    if (kind.value === 'token') {
      const token = await vscode.window.showInputBox({ prompt: `Token for ${origin}`, password: true, ignoreFocusOut: true });
      if (token) creds = { token };
    } else {
      const username = await vscode.window.showInputBox({ prompt: `User name for ${origin}`, ignoreFocusOut: true });
      const password = username ? await vscode.window.showInputBox({ prompt: `Password of ${username} for ${origin}`, password: true, ignoreFocusOut: true }) : undefined;
      if (username && password) creds = { username, password };
    }
    if (!creds) return false;
    await this.secrets.store(SECRET(origin), JSON.stringify(creds));
    this.authSaid.delete(uri);
    return true;
  }

  /**
   * RunLens: Connect to an MLflow Tracking Server…: asks for the URI, tests it (asking for
   * credentials if it wants them), offers its experiments, then follows the chosen ones from this
   * folder, as `runlens import http://…` does.
   */
  async connect(given?: string): Promise<void> {
    const folders = this.stores.folders();
    if (!folders.length) { void vscode.window.showInformationMessage('RunLens: open a folder first.'); return; }
    const raw = given ?? await vscode.window.showInputBox({
      title: 'Connect to an MLflow Tracking Server', prompt: 'The server\'s URI, as MLFLOW_TRACKING_URI names it', placeHolder: 'http://mlflow.example.com:5000',
      value: process.env.MLFLOW_TRACKING_URI?.startsWith('http') ? process.env.MLFLOW_TRACKING_URI : undefined,
      validateInput: (v) => { try { normalizeServerUri(v); return undefined; } catch (e) { return (e as Error).message; } },
    });
    if (!raw) return;
    const uri = normalizeServerUri(raw);
    const folder = folders.length === 1 ? folders[0] : await vscode.window.showWorkspaceFolderPick({ placeHolder: `Follow ${uri} from which folder?` });
    if (!folder) return;
    let experiments: string[] | undefined;
    for (let attempt = 0; ; attempt++) {
      try {
        const api = new MlflowRestApi(new MlflowHttp(uri, { credentials: await this.credentials(uri, true), where: 'editor', timeoutMs: 15_000 }));
        const version = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `RunLens: connecting to ${uri}` }, () => api.version().catch(() => 'unknown'));
        const all = (await api.experiments()).filter((e) => e.lifecycle === 'active');
        this.log.info(`${uri} answers (MLflow ${version}), ${all.length} experiments`);
        const picked = await vscode.window.showQuickPick(all.map((e) => ({ label: e.name, picked: true })), {
          canPickMany: true, title: `Follow which experiments of ${uri}? (MLflow ${version})`, placeHolder: 'All of them, unless you unselect some',
        });
        if (!picked) return;
        experiments = picked.length === all.length ? undefined : picked.map((p) => p.label);
        break;
      } catch (e) {
        if (e instanceof ServerError && e.problem === 'auth' && attempt === 0 && await this.askCredentials(uri)) continue;
        throw e;
      }
    }
    const store = await this.stores.get(folder);
    if (!store) return;
    await this.stores.allowedSources.add(folder.uri.fsPath, uri);
    await this.configure(store);
    await store.client.api.allowSource(uri);
    const result = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `RunLens: syncing ${uri}` },
      () => store.client.api.importSource('mlflow-server', uri, experiments));
    void vscode.window.showInformationMessage(`RunLens follows ${uri}${experiments ? ` (${experiments.join(', ')})` : ''}: ${result.runs} runs synced. They count for every duplicate check, and new ones appear as they are logged.`);
  }

  /** Opens a run of a tracking server on its page in the server's own UI. */
  async openInMlflow(clicked?: unknown): Promise<void> {
    for (const run of await runsFromArgs(this.stores, clicked)) {
      const detail = await run.store.client.api.run(run.uid);
      const src = detail && parseImportedSource(detail.source);
      if (!src || src.kind !== 'mlflow-server') { void vscode.window.showInformationMessage(`RunLens: run ${detail?.name ?? run.uid} does not come from an MLflow tracking server.`); continue; }
      await vscode.env.openExternal(vscode.Uri.parse(runPageUrl(src.storePath, src.runId), true));
    }
  }
}
