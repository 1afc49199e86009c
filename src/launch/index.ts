import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { setting } from '../settings';
import { renderArguments } from '../core/launch/args';
import type { ArgumentStyle } from '../core/launch/grid';
import type { LoopService } from '../loops';
import { runsFromArgs } from '../runs/ref';
import type { CommandSpec } from '../commands';
import { Disposable } from '../disposable';
import type { FolderStore, FolderStores } from '../store/folderStores';
import { chooseGrid, loopGrid, overridesGrid, sweepFileGrid, type GridChoice } from './gridSource';
import { chooseInterpreter, findInterpreter } from './interpreter';
import { Launcher, type LaunchedRun } from './launcher';
import { runSweep, type SweepResult } from './sweep';
import { planLoopRun } from '../core/launch/loopRun';
import { CLIENT_DEFAULT_EXPERIMENT } from '../core/launch/destination';
import { planSweep, runLensTitle } from '../core/launch/plan';
import { canonicalValue } from '../core/params/canonical';
import { shortId } from '../core/runs/format';

/** What `runlens.runExperiment` takes besides a file's Uri (from the explorer) or nothing (the palette). */
export interface RunExperimentArgs {
  script?: string;
  /** A script with an experiment loop: run all of it without asking (else the person is asked). */
  all?: boolean;
  /** Skip every question (the tests): a loop's missing combinations run. */
  yes?: boolean;
}

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
export class LaunchFeature extends Disposable {
  readonly commands: CommandSpec[];

  constructor(pythonClientDir: string, stores: FolderStores, insights: LoopService, log: vscode.LogOutputChannel) {
    super();
    this.commands = launchCommands(this.track(new Launcher(pythonClientDir, log)), stores, insights, log);
  }
}

function launchCommands(launcher: Launcher, stores: FolderStores, insights: LoopService, log: vscode.LogOutputChannel): CommandSpec[] {
  const commands: CommandSpec[] = [];
  /** A launch command runs the workspace's code: the command table refuses it in an untrusted workspace. */
  const command = <A extends never[], R>(id: string, run: (...args: A) => Promise<R>) => { commands.push({ id, run, runsWorkspaceCode: true }); };

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
    // A loop of the script being run goes through the runner; any other grid, one process per combination.
    const loop = grid.loop && path.resolve(grid.script ?? '') === path.resolve(script) ? { loop: grid.loop, plan: planLoopRun(grid.loop) } : undefined;
    return runSweep({ ...ready, script, spec, named: grid.loop?.experiment, loop, yes: opts.yes, token: opts.token }, launcher, log);
  };

  /** The experiment loops of a script that have combinations, as the lens sees them. */
  const loopsOf = async (script: string) => {
    const doc = await vscode.workspace.openTextDocument(vscode.Uri.file(script));
    return (await insights.insights(doc)).filter((i) => i.loop.combinations.length && i.loop.keys.length);
  };

  command('runlens.runExperiment', async (arg?: vscode.Uri | RunExperimentArgs): Promise<LaunchedRun | SweepResult | undefined> => {
    const opts = arg instanceof vscode.Uri ? {} : arg ?? {};
    const script = arg instanceof vscode.Uri ? arg.fsPath : opts.script ?? (await chooseScript('the script to run'));
    if (!script) return undefined;
    await saveIfOpen(script);
    // A script with an experiment loop whose combinations are partly logged: by default, only
    // the missing ones run.
    // (An Optuna grid search is run by its own sampler, which skips the points already done, as the lens says.)
    const [first] = opts.all ? [] : (await loopsOf(script)).filter((l) => l.loop.optuna?.kind !== 'grid');
    if (first) {
      const { title, n: missing } = runLensTitle(planSweep(first.states, true));
      const total = first.loop.combinations.length;
      const only = title; // as the loop's lens offers it: `Run the 3 missing combinations`, `Retry the 1 failed combination`
      const all = `Run All ${total}`;
      const answer = opts.yes ? only : missing === total ? all : await vscode.window.showInformationMessage(
        `${path.basename(script)} has an experiment loop at line ${first.loop.line}: ${first.summary.logged} of its ${total} combinations are already logged.`,
        { modal: true, detail: missing ? `${only} runs the script once, skipping every combination that already has a result. ${all} runs the whole script.` : 'Every combination has a result; running all of them pays for them again.' },
        ...(missing ? [only, all] : [all]));
      if (!answer) return undefined;
      if (answer === only) return sweep(loopGrid(first, script), script, { yes: opts.yes });
    }
    const ready = await prepare(script);
    if (!ready) return undefined;
    return launcher.launch({
      ...ready, script, params: {}, args: [], experiment: first?.loop.experiment ?? CLIENT_DEFAULT_EXPERIMENT,
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

  command('runlens.rerunWithSameParameters', async (clicked?: unknown): Promise<LaunchedRun | SweepResult | undefined> => {
    const [run] = await runsFromArgs(stores, clicked);
    if (!run) return undefined;
    const detail = await run.store.client.api.run(run.uid);
    if (!detail?.scriptPath) throw new Error(`run ${shortId(run.uid)} did not record its script, so it cannot be rerun`);
    // A run of an experiment loop runs again as that loop's iteration, the others skipped.
    if (fs.existsSync(detail.scriptPath)) {
      for (const ins of await loopsOf(detail.scriptPath)) {
        const keys = ins.loop.keys.filter((k) => k in detail.params);
        const index = keys.length ? ins.loop.combinations.findIndex((c) => keys.every((k) => k in c && canonicalValue(c[k]) === canonicalValue(detail.params[k]))) : -1;
        if (index < 0) continue;
        const plan = planLoopRun(ins.loop);
        if (!plan.ok) break;
        const ready = await prepare(detail.scriptPath);
        if (!ready) return undefined;
        return runSweep({ ...ready, script: detail.scriptPath, spec: { keys, combinations: [ins.loop.combinations[index]] }, named: ins.loop.experiment ?? detail.experiment,
          loop: { loop: { ...ins.loop, combinations: [ins.loop.combinations[index]] }, plan }, yes: true, again: true }, launcher, log);
      }
    }
    const ready = await prepare(detail.scriptPath);
    if (!ready) return undefined;
    const style = setting('sweep.argumentStyle', ready.store.folder.uri);
    return launcher.launch({
      ...ready, script: detail.scriptPath, params: detail.params, args: renderArguments(detail.params, style),
      experiment: detail.experiment, label: `${path.basename(detail.scriptPath)} (rerun of ${shortId(run.uid)})`,
    });
  });
  return commands;
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
