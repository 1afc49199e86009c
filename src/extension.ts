import * as path from 'node:path';
import * as vscode from 'vscode';
import { registerCommands } from './commands';
import { VERSION } from './core/version';
import { Disposable } from './disposable';
import { LaunchFeature } from './launch';
import { LoopsFeature, type LoopService } from './loops';
import { MLFLOW_STORES } from './mlflow/importCommands';
import { ServerFeature } from './mlflow/servers';
import { OPTUNA_STORAGES } from './optuna/importCommands';
import { sourceImports } from './sources/importCommands';
import { registerPanels, type PanelsApi } from './panels';
import { registerCodeDiffs } from './runs/code';
import { registerPythonClientEnvironment } from './python/terminalEnv';
import { runCommands } from './runs/commands';
import { RunningStatusItem } from './runs/statusItem';
import type { RunsTreeProvider } from './runs/tree';
import { RunsView } from './runs/view';
import { FolderStores } from './store/folderStores';
import { UserAllowedSources } from './store/allowedSources';
import { UploadFeature } from './upload';

/** What RunLens hands to other extensions and to its own integration tests. */
export interface RunLensApi {
  readonly version: string;
  readonly stores: FolderStores;
  readonly tree: RunsTreeProvider;
  /** The Runs view: its welcome state and message line, for the integration tests. */
  readonly view: RunsView;
  readonly insights: LoopService;
  /** The open editor panels, for the integration tests. */
  readonly panels: PanelsApi;
}

/** The root of the disposal tree: everything RunLens makes hangs below it. */
let root: Disposable | undefined;

/**
 * Only composes: creates the parts, registers them, returns the API. Nothing slow happens here:
 * each folder's store (sql.js WASM, reading `.runlens/`) starts in its worker thread, after
 * activation, and only in folders that have a `.runlens/` (or when a launch or an import needs one).
 * The Runs view gets its data provider first, so a view opened during activation says "Loading
 * runs…" rather than that no provider is registered. Every part is owned by one root (pushed to
 * VS Code once) and every command is declared by its feature and registered in one table.
 */
export function activate(context: vscode.ExtensionContext): RunLensApi {
  const log = vscode.window.createOutputChannel('RunLens', { log: true });
  context.subscriptions.push(log);
  try {
    const owner = root = new Disposable();
    context.subscriptions.push(owner);
    const reporter = {
      problem: (m: string) => log.warn(m),
      info: (m: string) => log.info(m),
    };
    const stores = owner.track(new FolderStores(context.extensionUri, reporter, log, new UserAllowedSources(context.globalState)));
    const view = owner.track(new RunsView(stores, log));
    owner.track(new RunningStatusItem(stores));
    const panels = owner.track(registerPanels(context, stores, log));
    const loops = owner.track(new LoopsFeature(stores, log));
    const launch = owner.track(new LaunchFeature(path.join(context.extensionPath, 'python'), stores, loops.service, log));
    const imports = sourceImports(stores, log, [MLFLOW_STORES, OPTUNA_STORAGES]);
    owner.track(imports.listener);
    const servers = owner.track(new ServerFeature(stores, context.secrets, log));
    owner.track(registerPythonClientEnvironment(context, path.join(context.extensionPath, 'python')));
    const upload = owner.track(new UploadFeature(path.join(context.extensionPath, 'python'), stores, log, context.globalState, {
      kept: (uri) => servers.keptCredentials(uri), ask: (uri) => servers.askCredentials(uri), onDidChange: context.secrets.onDidChange,
    }));
    const code = owner.track(registerCodeDiffs(stores, log, () => view.view.selection));
    owner.track(registerCommands([
      { id: 'runlens.showLog', run: () => log.show() },
      ...runCommands(stores, view),
      ...panels.commands,
      ...code.commands,
      ...loops.commands,
      ...launch.commands,
      ...imports.commands,
      ...servers.commands,
      ...upload.commands,
    ], log));
    void view.update();
    log.info(`RunLens ${VERSION} active in ${vscode.env.appName} ${vscode.version}`);
    return { version: VERSION, stores, tree: view.tree, view, insights: loops.service, panels: panels.api };
  } catch (e) {
    // VS Code shows nothing when activation throws: say it, then rethrow.
    log.error(`RunLens failed to start: ${(e as Error).stack ?? e}`);
    void vscode.window.showErrorMessage(`RunLens failed to start: ${(e as Error).message}`);
    throw e;
  }
}

/** Stores save and release their writer's lock: VS Code waits for this promise. */
export async function deactivate(): Promise<void> {
  await root?.dispose();
  root = undefined;
}
