import * as vscode from 'vscode';
import { formatMetric, shortId } from '../core/runs/format';
import { codeSpan, escapeMd } from '../core/text/markdown';
import { PYTHON_DOCUMENTS } from './selector';
import type { LoopService } from './service';
import { Disposable } from '../disposable';

/** A hover on each literal value of a loop that already has results: how many, the best, the runs. */
export class LoopHoverProvider extends Disposable implements vscode.HoverProvider {
  constructor(private readonly loops: LoopService) {
    super();
    this.track(vscode.languages.registerHoverProvider(PYTHON_DOCUMENTS, this));
  }

  async provideHover(doc: vscode.TextDocument, position: vscode.Position): Promise<vscode.Hover | undefined> {
    const offset = doc.offsetAt(position);
    for (const ins of await this.loops.insights(doc)) {
      const v = ins.values.find((x) => (x.site.cell ?? ins.cell) === ins.cell && x.site.from <= offset && offset <= x.site.to);
      if (!v || (!v.logged && !v.failed && !v.pruned)) continue;
      const md = new vscode.MarkdownString();
      md.appendMarkdown(`**RunLens** · ${codeSpan(`${v.key}=${v.site.text}`)}: `);
      md.appendMarkdown(`${v.logged} of ${v.combinations} combination${v.combinations === 1 ? '' : 's'} logged`);
      if (v.best !== null && ins.metric) md.appendMarkdown(`, best ${escapeMd(ins.metric)} ${formatMetric(v.best)}`);
      if (v.failed) md.appendMarkdown(` · ${v.failed} failed or crashed`);
      if (v.pruned) md.appendMarkdown(` · ${v.pruned} pruned`);
      md.appendMarkdown('\n\n');
      for (const r of v.runs) md.appendMarkdown(`- run ${codeSpan(shortId(r.uid))} ${r.status}${r.metric !== null && ins.metric ? ` · ${escapeMd(ins.metric)} ${formatMetric(r.metric)}` : ''}\n`);
      if (ins.summary.codeChanged) md.appendMarkdown('\n*Same parameters, but the code changed since some of these runs.*');
      return new vscode.Hover(md, new vscode.Range(doc.positionAt(v.site.from), doc.positionAt(v.site.to)));
    }
    return undefined;
  }
}
