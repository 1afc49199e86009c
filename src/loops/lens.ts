import * as vscode from 'vscode';
import { planSweep, runLensTitle } from '../core/launch/plan';
import { PYTHON_DOCUMENTS } from './selector';
import type { LoopService } from './service';
import { Disposable } from '../disposable';
import { refTo } from '../runs/ref';

/**
 * Each loop's lenses, in order: what is logged (a click lists every combination), then, in a
 * trusted workspace and on a file a process can run, `Run the 3 missing combinations` or
 * `Run all 6`; on a loop that logs to no tracker, `Track This Loop with RunLens` instead.
 */
export class LoopLensProvider extends Disposable implements vscode.CodeLensProvider {
  private readonly changed = this.track(new vscode.EventEmitter<void>());
  readonly onDidChangeCodeLenses = this.changed.event;

  constructor(private readonly loops: LoopService) {
    super();
    this.track(loops.onDidChange(() => this.changed.fire()));
    this.track(vscode.workspace.onDidGrantWorkspaceTrust(() => this.changed.fire()));
    this.track(vscode.languages.registerCodeLensProvider(PYTHON_DOCUMENTS, this));
  }

  async provideCodeLenses(doc: vscode.TextDocument): Promise<vscode.CodeLens[]> {
    const insights = await this.loops.insights(doc);
    const runnable = vscode.workspace.isTrusted && doc.uri.scheme === 'file';
    return insights.flatMap((ins, i) => {
      const pos = doc.positionAt(ins.loop.from);
      const range = new vscode.Range(pos, pos);
      const lenses = [new vscode.CodeLens(range, {
        title: ins.title,
        tooltip: ins.loop.optuna?.kind === 'grid'
          ? `Show every point of this GridSampler's grid and its trials${ins.loop.experiment ? ` (study ${ins.loop.experiment})` : ''}`
          : `Show every combination of this loop and its runs${ins.loop.experiment ? ` (experiment ${ins.loop.experiment})` : ''}`,
        command: 'runlens.showCombinations',
        arguments: [doc.uri, i],
      })];
      // A loop that logs nowhere: the offer to track it, not to run it (its runs would count nowhere).
      if (!ins.loop.tracked) {
        if (!ins.loop.runBy) {
          lenses.push(new vscode.CodeLens(range, {
            title: '$(add) Track This Loop with RunLens',
            tooltip: 'Run each iteration inside runlens.start_run with the loop\'s parameters: the Refactor menu offers the change, Ctrl+Enter previews it, one undo takes it back',
            command: 'runlens.trackLoop',
            arguments: [doc.uri, i],
          }));
        }
        return lenses;
      }
      if (ins.loop.runBy) return lenses; // a library runs these combinations, not a for of the script
      // The same count the sweep will ask to run: neither finished nor running now.
      // An Optuna grid search is run by its own sampler, which skips the points its study has already done.
      const run = runnable && ins.loop.optuna?.kind !== 'grid' ? runLensTitle(planSweep(ins.states, true)) : undefined;
      if (run?.n) {
        lenses.push(new vscode.CodeLens(range, {
          title: `$(play) ${run.title}`,
          tooltip: `Run ${doc.fileName.split(/[\\/]/).pop()} once, executing only the iterations of this loop that have no result yet`,
          command: 'runlens.runMissingCombinations',
          arguments: [doc.uri, i],
        }));
      }
      // Logged from other code than the file's: what changed, a click away (a file's script only; a
      // notebook's cells are not the script its runs kept).
      if (ins.summary.changedRun && ins.store && doc.uri.scheme === 'file') {
        lenses.push(new vscode.CodeLens(range, {
          title: '$(git-compare) Compare Code',
          tooltip: 'Some of these runs were logged from another version of this file: the code the newest of them ran, beside this file',
          command: 'runlens.compareCodeWithFile',
          arguments: [refTo({ store: ins.store, uid: ins.summary.changedRun }), doc.uri],
        }));
      }
      return lenses;
    });
  }
}
