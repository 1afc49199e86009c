import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { renderArguments } from '../core/launch/args';
import type { ArgumentStyle } from '../core/launch/grid';
import type { LoopInsights } from '../lens/loopInsights';
import type { RunsNode } from '../runs/tree';
import type { FolderStore, FolderStores } from '../store/folderStores';
import { chooseGrid, loopGrid, overridesGrid, sweepFileGrid, type GridChoice } from './gridSource';
import { chooseInterpreter, findInterpreter } from './interpreter';
import { Launcher, type LaunchedRun } from './launcher';
import { MissingCombinationsLens } from './missingLens';
import { defaultExperiment, runSweep, type SweepResult } from './sweep';
import { shortId } from '../core/runs/format';

/** What `runlens.runExperiment` takes besides a file's Uri (from the explorer) or nothing (the palette). */
export interface RunExperimentArgs { script?: string }

/** What `runlens.runSweep` takes when called with arguments (the tests, other extensions). */
export interface RunSweepArgs {
  script?: string;
  /** Hydra-style `lr=0.001,0.01 bs=32,64`. */
  overrides?: string;
  sweepFile?: string;
  experiment?: string;
  argumentStyle?: ArgumentStyle;
  yes?: boolean;
  token?: vscode.CancellationToken;
}

/**
 * Launching experiments and sweeps: `RunLens: Run Experiment`, `Run Sweep`, `Rerun with the Same
 * Parameters` (a run in the tree), `Run the N missing combinations` (a lens on a loop). Every
 * one of them runs the workspace's code, so none does anything in an untrusted workspace.
 */
export function registerLaunch(context: vscode.ExtensionContext, stores: FolderStores, insights: LoopInsights, log: vscode.LogOutputChannel): void {
  const launcher = new Launcher(path.join(context.extensionPath, 'python'), log);
  context.subscriptions.push(launcher, new MissingCombinationsLens(insights));

  /** Registers a launch command: refused with a reason when untrusted; its errors reach the person once. */
  const command = <A extends unknown[], R>(id: string, fn: (...args: A) => Promise<R>) => {
    context.subscriptions.push(vscode.commands.registerCommand(id, async (...args: A): Promise<R | undefined> => {
      if (!vscode.workspace.isTrusted) {
        const manage = 'Manage Workspace Trust';
        const answer = await vscode.window.showWarningMessage('RunLens launches experiments only in a trusted workspace, because launching runs this workspace\'s code. Runs, CodeLens warnings and everything else work as they are.', manage);
        if (answer === manage) await vscode.commands.executeCommand('workbench.trust.manage');
        return undefined;
      }
      try {
        return await fn(...args);
      } catch (e) {
        log.error(`${id} failed: ${(e as Error).stack ?? e}`);
        void vscode.window.showErrorMessage(`RunLens: ${(e as Error).message}`);
        return undefined;
      }
    }));
  };

  /** The store and interpreter a script runs with; undefined (having said why) when there is none. */
  const prepare = async (script: string): Promise<{ store: FolderStore; interpreter: string } | undefined> => {
    if (!fs.existsSync(script)) throw new Error(`${script} does not exist on this machine`);
    const folder = vscode.workspace.getWorkspaceFolder(vscode.Uri.file(script)) ?? stores.folders()[0];
    if (!folder) throw new Error('open the folder of the experiment first: runs are recorded in its .runlens folder');
    const store = await stores.get(folder);
    if (!store) throw new Error(`the store of ${folder.name} could not be opened (see the RunLens output)`);
    const interpreter = (await findInterpreter(folder, log)) ?? (await chooseInterpreter(folder));
    return interpreter ? { store, interpreter } : undefined;
  };

  const sweep = async (grid: GridChoice, scriptHint: string | undefined, opts: Pick<RunSweepArgs, 'yes' | 'token' | 'experiment' | 'argumentStyle'> = {}): Promise<SweepResult | undefined> => {
    const script = scriptHint ?? grid.script ?? (await chooseScript(`the script to run for each combination of ${grid.from}`));
    if (!script) return undefined;
    const ready = await prepare(script);
    if (!ready) return undefined;
    const spec = { ...grid.spec, experiment: opts.experiment ?? grid.spec.experiment, argumentStyle: opts.argumentStyle ?? grid.spec.argumentStyle };
    return runSweep({ ...ready, script, spec, yes: opts.yes, token: opts.token }, launcher, log);
  };

  command('runlens.runExperiment', async (arg?: vscode.Uri | RunExperimentArgs): Promise<LaunchedRun | undefined> => {
    const script = arg instanceof vscode.Uri ? arg.fsPath : arg?.script ?? (await chooseScript('the script to run'));
    if (!script) return undefined;
    await saveIfOpen(script);
    const ready = await prepare(script);
    if (!ready) return undefined;
    return launcher.launch({
      ...ready, script, params: {}, args: [], experiment: defaultExperiment(script),
      label: path.basename(script),
    });
  });

  command('runlens.runSweep', async (arg?: RunSweepArgs): Promise<SweepResult | undefined> => {
    let grid: GridChoice | undefined;
    if (arg?.sweepFile) grid = sweepFileGrid(arg.sweepFile, undefined, vscode.workspace.getWorkspaceFolder(vscode.Uri.file(arg.sweepFile)));
    else if (arg?.overrides) grid = overridesGrid(arg.overrides);
    else grid = await chooseGrid(insights);
    if (!grid) return undefined;
    const script = arg?.script ?? grid.script ?? activePythonFile();
    if (script) await saveIfOpen(script);
    return sweep(grid, script, arg);
  });

  command('runlens.runMissingCombinations', async (uri?: vscode.Uri, index: number = 0, opts?: Pick<RunSweepArgs, 'yes' | 'token'>): Promise<SweepResult | undefined> => {
    const doc = uri ? await vscode.workspace.openTextDocument(uri) : vscode.window.activeTextEditor?.document;
    if (!doc || doc.uri.scheme !== 'file') return undefined;
    const ins = (await insights.insights(doc))[index];
    if (!ins) { void vscode.window.showInformationMessage('RunLens: no experiment loop here.'); return undefined; }
    await saveIfOpen(doc.uri.fsPath);
    return sweep(loopGrid(ins, doc.uri.fsPath), doc.uri.fsPath, opts);
  });

  command('runlens.rerunWithSameParameters', async (node?: RunsNode): Promise<LaunchedRun | undefined> => {
    if (node?.kind !== 'run') return undefined;
    const detail = await node.store.client.api.run(node.run.uid);
    if (!detail?.scriptPath) throw new Error(`run ${shortId(node.run.uid)} did not record its script, so it cannot be rerun`);
    const ready = await prepare(detail.scriptPath);
    if (!ready) return undefined;
    const style = vscode.workspace.getConfiguration('runlens', ready.store.folder.uri).get<ArgumentStyle>('sweep.argumentStyle', 'argparse');
    return launcher.launch({
      ...ready, script: detail.scriptPath, params: detail.params, args: renderArguments(detail.params, style),
      experiment: detail.experiment, label: `${path.basename(detail.scriptPath)} (rerun of ${shortId(node.run.uid)})`,
    });
  });
}

function activePythonFile(): string | undefined {
  const doc = vscode.window.activeTextEditor?.document;
  return doc?.languageId === 'python' && doc.uri.scheme === 'file' ? doc.uri.fsPath : undefined;
}

/** The active Python file, or one picked from the workspace. */
async function chooseScript(purpose: string): Promise<string | undefined> {
  const active = activePythonFile();
  if (active) return active;
  const files = await vscode.workspace.findFiles('**/*.py', '{**/node_modules/**,**/.runlens/**,**/.git/**,**/.venv/**,**/venv/**,**/site-packages/**}', 2000);
  if (!files.length) { void vscode.window.showInformationMessage('RunLens: this workspace has no Python file to run.'); return undefined; }
  const picked = await vscode.window.showQuickPick(
    files.map((uri) => ({ label: vscode.workspace.asRelativePath(uri), uri })).sort((a, b) => a.label.localeCompare(b.label)),
    { placeHolder: `Pick ${purpose}` });
  return picked?.uri.fsPath;
}

/** Runs what the person sees: an open script with unsaved edits is saved first, as the Python extension's Run does. */
async function saveIfOpen(file: string): Promise<void> {
  const doc = vscode.workspace.textDocuments.find((d) => d.uri.scheme === 'file' && d.uri.fsPath === file);
  if (doc?.isDirty) await doc.save();
}
