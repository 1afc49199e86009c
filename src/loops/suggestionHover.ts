import * as vscode from 'vscode';
import { configuredKeyMetric } from '../core/runs/keyMetric';
import { suggestionHoverText } from '../core/loops/suggestion';
import { keyMetricSettings, setting } from '../settings';
import { Disposable } from '../disposable';
import { PYTHON_DOCUMENTS } from './selector';
import type { LoopService } from './service';

/**
 * A hover on an Optuna objective's `trial.suggest_*("lr", ..)`: the values the study's trials tried
 * for `lr` so far, and the best trial's. The study is the one the file optimises the objective in
 * (matched alone when `runlens.lens.scope` is `experiment`, as loops are); else every run counts.
 */
export class SuggestionHoverProvider extends Disposable implements vscode.HoverProvider {
  constructor(private readonly loops: LoopService) {
    super();
    this.track(vscode.languages.registerHoverProvider(PYTHON_DOCUMENTS, this));
  }

  async provideHover(doc: vscode.TextDocument, position: vscode.Position): Promise<vscode.Hover | undefined> {
    const offset = doc.offsetAt(position);
    const s = this.loops.suggestions(doc).find((x) => x.from <= offset && offset <= x.to);
    if (!s) return undefined;
    const store = await this.loops.storeFor(doc);
    if (!store) return undefined;
    const api = store.client.api;
    const scoped = s.study !== undefined && setting('lens.scope', doc.uri) === 'experiment';
    const experimentId = scoped ? await api.experimentId(s.study!) : undefined;
    if (scoped && experimentId === undefined) return undefined; // the study is not in RunLens (not imported yet)
    const tried = await api.triedValues(s.param, {
      experimentId, metric: configuredKeyMetric(keyMetricSettings(doc.uri), s.study) || undefined,
      goal: setting('keyMetricGoal', doc.uri),
    });
    if (!tried.runs) return undefined;
    const md = new vscode.MarkdownString(suggestionHoverText(s.param, scoped ? s.study : undefined, tried));
    return new vscode.Hover(md, new vscode.Range(doc.positionAt(s.from), doc.positionAt(s.to)));
  }
}
