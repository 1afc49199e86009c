import * as vscode from 'vscode';
import { planSweep, toRun } from '../core/launch/plan';
import type { LoopInsights } from '../lens/loopInsights';

/**
 * The second lens on an experiment loop: `Run the 3 missing combinations`, which hands what the
 * first lens counts as not logged to the sweep launcher. Only in trusted workspaces (it runs the
 * workspace's code) and only on files, which a process can run.
 */
export class MissingCombinationsLens implements vscode.CodeLensProvider, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeCodeLenses = this.changed.event;
  private readonly disposables: vscode.Disposable[];

  constructor(private readonly insights: LoopInsights) {
    this.disposables = [
      this.changed,
      insights.onDidChangeCodeLenses(() => this.changed.fire()),
      vscode.workspace.onDidGrantWorkspaceTrust(() => this.changed.fire()),
      // VS Code orders a line's lenses by their providers' selector scores, newest provider first
      // on a tie. A wildcard scores below the loop lens's `python`, so this lens comes second;
      // provideCodeLenses keeps to Python files itself.
      vscode.languages.registerCodeLensProvider({ language: '*' }, this),
    ];
  }

  async provideCodeLenses(doc: vscode.TextDocument): Promise<vscode.CodeLens[]> {
    if (!vscode.workspace.isTrusted || doc.languageId !== 'python' || doc.uri.scheme !== 'file') return [];
    const all = await this.insights.insights(doc);
    return all.flatMap((ins, index) => {
      // The same count the sweep will ask to run: neither finished nor running now.
      const n = toRun(planSweep(ins.states, true), true).length;
      if (!n) return [];
      const pos = doc.positionAt(ins.loop.from);
      return [new vscode.CodeLens(new vscode.Range(pos, pos), {
        title: `$(play) Run the ${n} missing combination${n === 1 ? '' : 's'}`,
        tooltip: `Run ${doc.fileName.split(/[\\/]/).pop()} once per combination that has no result, with its parameters as arguments and in RUNLENS_PARAMS`,
        command: 'runlens.runMissingCombinations',
        arguments: [doc.uri, index],
      })];
    });
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
  }
}
