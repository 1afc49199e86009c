import * as vscode from 'vscode';
import { setting } from '../settings';
import { formatMetric } from '../core/runs/format';
import { inlayLabels, type ValueSummary } from '../core/loops/summary';
import { codeSpan, escapeMd } from '../core/text/markdown';
import { PYTHON_DOCUMENTS } from './selector';
import type { LoopService } from './service';

/**
 * After each literal value of an experiment loop's iterables, the best key-metric result of the
 * runs with that value and how many of its combinations are logged: `0.01 ▸ acc 0.81 · 2/2`.
 * `runlens.inlayHints.enabled` turns them off (and VS Code's own `editor.inlayHints.enabled`).
 */
export class LoopInlayHints implements vscode.InlayHintsProvider, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeInlayHints = this.changed.event;
  private readonly disposables: vscode.Disposable[];

  constructor(private readonly loops: LoopService) {
    this.disposables = [
      this.changed,
      loops.onDidChange(() => this.changed.fire()),
      vscode.languages.registerInlayHintsProvider(PYTHON_DOCUMENTS, this),
    ];
  }

  async provideInlayHints(doc: vscode.TextDocument, range: vscode.Range): Promise<vscode.InlayHint[]> {
    if (!setting('inlayHints.enabled', doc.uri)) return [];
    // Each value once (a literal may stand for two keys), with the loop whose metric ranks it.
    const found: { v: ValueSummary; metric: string | undefined }[] = [];
    const placed = new Set<number>();
    const docs = this.loops.documentsSeeing(doc);
    const here = this.loops.notebookOf(doc) ? docs.indexOf(doc) : undefined;
    for (const seen of docs) {
      for (const ins of await this.loops.insights(seen)) {
        if (!ins.loop.tracked) continue; // nothing of it can be logged yet
        for (const v of ins.values) {
          if ((v.site.cell ?? ins.cell) !== here || placed.has(v.site.to) || !v.combinations) continue;
          if (!range.contains(doc.positionAt(v.site.to))) continue;
          placed.add(v.site.to);
          found.push({ v, metric: ins.metric });
        }
      }
    }
    // VS Code cuts the hints of a line past a length: the hints of a line say as much as fits. A VS Code
    // without that setting (1.90 has none) cuts nothing, so there they say it all.
    const editor = vscode.workspace.getConfiguration('editor', doc);
    const budget = editor.inspect<number>('inlayHints.maximumLength')?.defaultValue === undefined ? 0 : editor.get<number>('inlayHints.maximumLength', 43);
    const byLine = new Map<number, typeof found>();
    for (const f of found) {
      const line = doc.positionAt(f.v.site.to).line;
      byLine.set(line, [...byLine.get(line) ?? [], f]);
    }
    const hints: vscode.InlayHint[] = [];
    for (const group of byLine.values()) {
      group.sort((a, b) => a.v.site.to - b.v.site.to);
      const labels = inlayLabels(group.map((f) => f.v), group[0].metric, budget);
      group.forEach(({ v, metric }, i) => {
        const hint = new vscode.InlayHint(doc.positionAt(v.site.to), labels[i], vscode.InlayHintKind.Parameter);
        hint.paddingLeft = true;
        const md = new vscode.MarkdownString();
        md.appendMarkdown(`**RunLens** · ${codeSpan(`${v.key}=${v.site.text}`)}: ${v.logged} of ${v.combinations} combination${v.combinations === 1 ? '' : 's'} logged`);
        if (v.best !== null && metric) md.appendMarkdown(`, best ${escapeMd(metric)} ${formatMetric(v.best)}`);
        if (v.failed) md.appendMarkdown(` · ${v.failed} failed or crashed`);
        hint.tooltip = md;
        hints.push(hint);
      });
    }
    return hints;
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
  }
}
