import * as path from 'node:path';
import * as vscode from 'vscode';
import { FolderStores } from './store/folderStores';
import { UserAllowedSources } from './store/allowedSources';
import { RunsTreeProvider, type RunsNode } from './runs/tree';
import { registerRunCommands } from './runs/commands';
import { RunningStatusItem } from './runs/statusItem';
import { registerPythonClientEnvironment } from './python/terminalEnv';
import { LoopInsights, registerCombinationPicker } from './lens/loopInsights';
import { registerMlflowImport } from './mlflow/importCommands';
import { registerLaunch } from './launch';
import { registerPanels, type PanelsApi } from './panels';

/** What RunLens hands to other extensions and to its own integration tests. */
export interface RunLensApi {
  readonly version: string;
  readonly stores: FolderStores;
  readonly tree: RunsTreeProvider;
  readonly insights: LoopInsights;
  /** The open editor panels, for the integration tests. */
  readonly panels: PanelsApi;
}

let active: FolderStores | undefined;

/**
 * Only composes: creates the parts, registers them, returns the API. Nothing slow happens here:
 * each folder's store (sql.js WASM, reading `.runlens/`) starts in its worker thread, after
 * activation, and only in folders that have a `.runlens/` (or when a launch or an import needs one).
 */
export function activate(context: vscode.ExtensionContext): RunLensApi {
  const log = vscode.window.createOutputChannel('RunLens', { log: true });
  context.subscriptions.push(log);
  try {
    const reporter = {
      problem: (m: string) => log.warn(m),
      info: (m: string) => log.info(m),
    };
    const stores = new FolderStores(context.extensionUri, reporter, log, new UserAllowedSources(context.globalState));
    active = stores;
    const tree = new RunsTreeProvider(stores);
    const view = vscode.window.createTreeView<RunsNode>('runlens.runs', { treeDataProvider: tree, showCollapseAll: true, canSelectMany: true });
    context.subscriptions.push(
      tree, view,
      stores.onDidChange(() => { tree.refresh(); void updateState(stores); }),
      new RunningStatusItem(stores),
      vscode.commands.registerCommand('runlens.showLog', () => log.show()),
    );
    const panels = registerPanels(context, stores, log);
    registerRunCommands(context, stores, tree, view);
    const insights = new LoopInsights(stores, log);
    context.subscriptions.push(insights);
    registerCombinationPicker(context, insights);
    registerLaunch(context, stores, insights, log);
    registerPythonClientEnvironment(context, path.join(context.extensionPath, 'python'));
    registerMlflowImport(context, stores, log);
    void updateState(stores);
    log.info(`RunLens ${context.extension.packageJSON.version} active in ${vscode.env.appName} ${vscode.version}`);
    return { version: String(context.extension.packageJSON.version), stores, tree, insights, panels };
  } catch (e) {
    // VS Code shows nothing when activation throws: say it, then rethrow.
    log.error(`RunLens failed to start: ${(e as Error).stack ?? e}`);
    void vscode.window.showErrorMessage(`RunLens failed to start: ${(e as Error).message}`);
    throw e;
  }
}

/** Sets `runlens.state` for the view's welcome content: no folder, a store that failed, no runs yet, or ready. */
async function updateState(stores: FolderStores): Promise<void> {
  const folders = stores.folders();
  let state = 'noFolder';
  if (folders.length) {
    const open = await stores.all();
    if (!open.length) state = 'error';
    else {
      const counts = await Promise.all(open.map((s) => s.client.api.countRuns(undefined, true)));
      state = counts.some((n) => n > 0) ? 'ready' : 'empty';
    }
  }
  await vscode.commands.executeCommand('setContext', 'runlens.state', state);
}

/** Stores save and release their writer's lock: VS Code waits for this promise. */
export async function deactivate(): Promise<void> {
  await active?.dispose();
  active = undefined;
}
