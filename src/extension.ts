import * as path from 'node:path';
import * as vscode from 'vscode';
import { FolderStores } from './store/folderStores';
import type { RunsTreeProvider } from './runs/tree';
import { RunsView } from './runs/view';
import { registerRunCommands } from './runs/commands';
import { RunningStatusItem } from './runs/statusItem';
import { registerPythonClientEnvironment } from './python/terminalEnv';
import { registerLoops, type LoopService } from './loops';
import { registerMlflowImport } from './mlflow/importCommands';
import { registerLaunch } from './launch';
import { registerPanels, type PanelsApi } from './panels';

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

let active: FolderStores | undefined;

/**
 * Only composes: creates the parts, registers them, returns the API. Nothing slow happens here:
 * each folder's store (sql.js WASM, reading `.runlens/`) starts in its worker thread, after
 * activation, and only in folders that have a `.runlens/` (or when a launch or an import needs one).
 * The Runs view gets its data provider first, so a view opened during activation says "Loading
 * runs…" rather than that no provider is registered.
 */
export function activate(context: vscode.ExtensionContext): RunLensApi {
  const log = vscode.window.createOutputChannel('RunLens', { log: true });
  context.subscriptions.push(log);
  try {
    const reporter = {
      problem: (m: string) => log.warn(m),
      info: (m: string) => log.info(m),
    };
    const stores = new FolderStores(context.extensionUri, reporter, log);
    active = stores;
    const view = new RunsView(stores, log);
    context.subscriptions.push(
      view,
      new RunningStatusItem(stores),
      vscode.commands.registerCommand('runlens.showLog', () => log.show()),
    );
    const panels = registerPanels(context, stores, log);
    registerRunCommands(context, stores, view);
    const insights = registerLoops(context, stores, log);
    registerLaunch(context, stores, insights, log);
    registerPythonClientEnvironment(context, path.join(context.extensionPath, 'python'));
    registerMlflowImport(context, stores, log);
    void view.update();
    log.info(`RunLens ${context.extension.packageJSON.version} active in ${vscode.env.appName} ${vscode.version}`);
    return { version: String(context.extension.packageJSON.version), stores, tree: view.tree, view, insights, panels };
  } catch (e) {
    // VS Code shows nothing when activation throws: say it, then rethrow.
    log.error(`RunLens failed to start: ${(e as Error).stack ?? e}`);
    void vscode.window.showErrorMessage(`RunLens failed to start: ${(e as Error).message}`);
    throw e;
  }
}

/** Stores save and release their writer's lock: VS Code waits for this promise. */
export async function deactivate(): Promise<void> {
  await active?.dispose();
  active = undefined;
}
