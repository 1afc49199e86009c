import * as vscode from 'vscode';
import { setting } from '../settings';
import { formatMetric } from '../core/runs/format';
import type { LoopInsight, LoopService } from './service';
import { Disposable } from '../disposable';

/**
 * Optional diagnostics on literal values whose every combination is already logged
 * (`runlens.diagnostics.level`), set whenever the service works out a document's loops.
 */
export class LoopDiagnostics extends Disposable {
  private readonly collection = this.track(vscode.languages.createDiagnosticCollection('runlens'));

  constructor(loops: LoopService) {
    super();
    this.track(loops.onDidCompute(({ doc, insights }) => this.update(doc, insights)));
    this.track(vscode.workspace.onDidCloseTextDocument((d) => this.collection.delete(d.uri)));
  }

  private update(doc: vscode.TextDocument, insights: LoopInsight[]): void {
    const level = setting('diagnostics.level', doc.uri);
    if (level === 'off' || !insights.length) { this.collection.delete(doc.uri); return; }
    const severity = { error: vscode.DiagnosticSeverity.Error, warning: vscode.DiagnosticSeverity.Warning, information: vscode.DiagnosticSeverity.Information, hint: vscode.DiagnosticSeverity.Hint }[level];
    const list: vscode.Diagnostic[] = [];
    for (const ins of insights) {
      for (const v of ins.values) {
        if ((v.site.cell ?? ins.cell) !== ins.cell || !v.combinations || v.logged < v.combinations) continue;
        const d = new vscode.Diagnostic(new vscode.Range(doc.positionAt(v.site.from), doc.positionAt(v.site.to)),
          `Every combination with ${v.key}=${v.site.text} is already logged (${v.logged})${v.best !== null && ins.metric ? `; best ${ins.metric} ${formatMetric(v.best)}` : ''}.`, severity);
        d.source = 'RunLens';
        d.code = 'already-logged';
        list.push(d);
      }
    }
    this.collection.set(doc.uri, list);
  }
}
