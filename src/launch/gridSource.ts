import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { setting } from '../settings';
import * as yaml from 'js-yaml';
import { expandGrid, type SweepSpec } from '../core/launch/grid';
import { parseOverrides } from '../core/launch/overrides';
import { looksLikeSweep, parseSweepFile } from '../core/launch/sweepFile';
import type { LoopInsight, LoopService } from '../loops';
import type { ExperimentLoop } from '../core/analysis';
import { matchableKeys } from '../core/loops/lookup';

/** A grid to sweep, and the script it belongs to when the grid says (a loop's file, a sweep file's program). */
export interface GridChoice {
  spec: SweepSpec;
  script?: string;
  /** For messages: where the grid came from. */
  from: string;
  /** The grid is this experiment loop of `script`: it runs through the loop runner. */
  loop?: ExperimentLoop;
}

/**
 * The grid of an experiment loop, matched as the CodeLens matches it: the keys known statically,
 * and (setting runlens.lens.scope) only the runs of the experiment the loop names, if it names one.
 */
export function loopGrid(ins: LoopInsight, file: string): GridChoice {
  const keys = matchableKeys(ins.loop);
  const scoped = setting('lens.scope', vscode.Uri.file(file)) === 'experiment';
  return {
    spec: { keys, combinations: ins.loop.combinations, experiment: scoped ? ins.loop.experiment : undefined },
    script: file, from: `the loop at line ${ins.loop.line} of ${path.basename(file)}`, loop: ins.loop,
  };
}

export function sweepFileGrid(file: string, text = fs.readFileSync(file, 'utf8'), folder?: vscode.WorkspaceFolder): GridChoice {
  const spec = parseSweepFile(text);
  let script: string | undefined;
  if (spec.script) {
    // W&B runs `program` from where the agent starts (the project root); RunLens also accepts it next to the file.
    const candidates = [path.resolve(path.dirname(file), spec.script), ...(folder ? [path.resolve(folder.uri.fsPath, spec.script)] : [])];
    script = candidates.find((c) => fs.existsSync(c)) ?? candidates[0];
  }
  return { spec, script, from: path.basename(file) };
}

export function overridesGrid(text: string): GridChoice {
  const axes = parseOverrides(text);
  return { spec: { keys: axes.map((a) => a.key), combinations: expandGrid(axes) }, from: text.trim() };
}

/**
 * The grid a palette invocation means: the loop under the cursor, the sweep file being edited,
 * or else what the person picks (a loop of the current file, a sweep file, typed parameters).
 */
export async function chooseGrid(insights: LoopService): Promise<GridChoice | undefined> {
  // With the focus in a terminal or a panel there is no active editor; one editor on screen is still what the person means.
  const visible = vscode.window.visibleTextEditors.filter((e) => e.document.uri.scheme === 'file');
  const editor = vscode.window.activeTextEditor ?? (visible.length === 1 ? visible[0] : undefined);
  const doc = editor?.document;
  const pythonFile = doc?.languageId === 'python' && doc.uri.scheme === 'file' ? doc : undefined;
  const loops = pythonFile ? (await insights.insights(pythonFile)).filter((i) => i.loop.combinations.length) : [];
  if (pythonFile && editor) {
    const at = pythonFile.offsetAt(editor.selection.active);
    const under = loops.find((i) => i.loop.from <= at && at <= i.loop.to);
    if (under) return loopGrid(under, pythonFile.uri.fsPath);
  }
  if (doc && doc.uri.scheme === 'file' && /\.(ya?ml|json)$/i.test(doc.fileName) && sweepDocument(doc.getText())) {
    return sweepFileGrid(doc.uri.fsPath, doc.getText(), vscode.workspace.getWorkspaceFolder(doc.uri));
  }
  type Item = vscode.QuickPickItem & { pick: () => Promise<GridChoice | undefined> | GridChoice | undefined };
  const items: Item[] = [
    ...loops.map((i): Item => ({
      label: `$(symbol-array) Loop at line ${i.loop.line}`, description: `${i.loop.keys.join(', ')} · ${i.loop.combinations.length} combinations`,
      detail: i.title, pick: () => loopGrid(i, pythonFile!.uri.fsPath),
    })),
    { label: '$(file) Sweep File…', description: 'a W&B grid sweep or a RunLens sweep (YAML or JSON)', pick: pickSweepFile },
    { label: '$(edit) Type Parameters…', description: 'lr=0.001,0.01 batch_size=32,64', pick: typeOverrides },
  ];
  const picked = await vscode.window.showQuickPick(items, { placeHolder: 'Which grid should RunLens sweep?' });
  return picked?.pick();
}

function sweepDocument(text: string): boolean {
  try { return looksLikeSweep(yaml.load(text)); } catch { return false; }
}

async function pickSweepFile(): Promise<GridChoice | undefined> {
  const found = await vscode.workspace.findFiles('**/*.{yaml,yml,json}', '{**/node_modules/**,**/.runlens/**,**/.git/**,**/mlruns/**}', 500);
  const sweeps = found.filter((uri) => {
    try { return fs.statSync(uri.fsPath).size < 256 * 1024 && sweepDocument(fs.readFileSync(uri.fsPath, 'utf8')); } catch { return false; }
  });
  let file: string | undefined;
  if (sweeps.length) {
    const other = { label: '$(folder-opened) Another File…', uri: undefined };
    const picked = await vscode.window.showQuickPick([...sweeps.map((uri) => ({ label: vscode.workspace.asRelativePath(uri), uri })), other], { placeHolder: 'The sweep file' });
    if (!picked) return undefined;
    file = picked.uri?.fsPath;
  }
  if (!file) {
    const chosen = await vscode.window.showOpenDialog({ canSelectMany: false, filters: { 'Sweep files': ['yaml', 'yml', 'json'] }, openLabel: 'Sweep' });
    file = chosen?.[0]?.fsPath;
  }
  return file ? sweepFileGrid(file, undefined, vscode.workspace.getWorkspaceFolder(vscode.Uri.file(file))) : undefined;
}

async function typeOverrides(): Promise<GridChoice | undefined> {
  const text = await vscode.window.showInputBox({
    title: 'RunLens: Run Sweep', prompt: 'Parameters and their values, Hydra style: key=v1,v2 (also range(0,10,2) and choice(a,b))',
    placeHolder: 'lr=0.001,0.01 batch_size=32,64',
    validateInput: (v) => {
      try { overridesGrid(v); return undefined; } catch (e) { return (e as Error).message; }
    },
  });
  return text ? overridesGrid(text) : undefined;
}
