import * as crypto from 'node:crypto';
import * as vscode from 'vscode';
import { analyzeNotebook, analyzePython, type ExperimentLoop } from '../core/analysis';
import { formatCombination, lensTitle, summarize, valueSummaries, type LoopSummary, type ValueSummary } from '../core/lens/summary';
import { higherIsBetter } from '../core/store/queries';
import type { CombinationState } from '../core/store/types';
import { formatMetric } from '../core/runs/format';
import type { FolderStore, FolderStores } from '../store/folderStores';
import { codeSpan, escapeMd } from '../core/text/markdown';
import { configuredKeyMetric } from '../core/runs/keyMetric';
import { lookupLoop } from '../core/lens/lookupLoop';
import { keyMetricSettings } from '../runs/settings';
import { shortId } from '../core/runs/format';
import { planSweep, toRun } from '../core/launch/plan';

export interface LoopInsight {
  loop: ExperimentLoop;
  states: CombinationState[];
  summary: LoopSummary;
  values: ValueSummary[];
  metric: string | undefined;
  title: string;
  /** Absent while the folder has no store yet: nothing is logged, every combination is to run. */
  store: FolderStore | undefined;
  /** In a notebook, the index (among code cells) of the cell the loop is in. */
  cell: number | undefined;
}

interface DocInsights { version: number; insights: Promise<LoopInsight[]> }

const SELECTOR: vscode.DocumentSelector = [{ language: 'python', scheme: 'file' }, { language: 'python', scheme: 'vscode-notebook-cell' }, { language: 'python', scheme: 'untitled' }];

/**
 * The inline warnings on experiment loops: a CodeLens per loop, hovers on its literal values, and
 * (optionally) diagnostics on values whose every combination is already logged. One analysis and
 * one lookup per document version, shared by all three.
 */
export class LoopInsights implements vscode.CodeLensProvider, vscode.HoverProvider, vscode.Disposable {
  private readonly cache = new Map<string, DocInsights>();
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeCodeLenses = this.changed.event;
  private readonly diagnostics = vscode.languages.createDiagnosticCollection('runlens');
  private readonly disposables: vscode.Disposable[] = [this.changed, this.diagnostics];
  private refreshTimer: NodeJS.Timeout | undefined;

  constructor(private readonly stores: FolderStores, private readonly log: vscode.LogOutputChannel) {
    this.disposables.push(
      vscode.languages.registerCodeLensProvider(SELECTOR, this),
      vscode.workspace.onDidGrantWorkspaceTrust(() => this.changed.fire()),
      vscode.languages.registerHoverProvider(SELECTOR, this),
      stores.onDidChange(() => this.invalidate()),
      vscode.workspace.onDidChangeConfiguration((e) => { if (e.affectsConfiguration('runlens')) this.invalidate(); }),
      vscode.workspace.onDidCloseTextDocument((d) => { this.cache.delete(d.uri.toString()); this.diagnostics.delete(d.uri); }),
    );
  }

  /** A run was logged: lenses refresh within a second, coalescing bursts. */
  private invalidate(): void {
    if (this.refreshTimer) return;
    this.refreshTimer = setTimeout(() => {
      this.refreshTimer = undefined;
      this.cache.clear();
      this.changed.fire();
    }, 200);
  }

  insights(doc: vscode.TextDocument): Promise<LoopInsight[]> {
    const key = doc.uri.toString();
    const cached = this.cache.get(key);
    if (cached && cached.version === doc.version) return cached.insights;
    const insights = this.compute(doc).catch((e: unknown) => {
      this.log.error(`Analysing ${doc.uri.fsPath} failed: ${(e as Error).stack ?? e}`);
      return [];
    });
    this.cache.set(key, { version: doc.version, insights });
    return insights;
  }

  private loopsOf(doc: vscode.TextDocument): { loops: ExperimentLoop[]; cell: number | undefined } {
    const onError = (e: unknown, line: number) => this.log.warn(`${doc.uri.fsPath}:${line}: a loop could not be analysed (${(e as Error).message})`);
    const notebook = doc.uri.scheme === 'vscode-notebook-cell' && vscode.workspace.notebookDocuments.find((nb) => nb.getCells().some((c) => c.document === doc));
    if (!notebook) return { loops: analyzePython(doc.getText(), { onError }), cell: undefined };
    // A cell sees what the cells above it defined, as the kernel would when run top to bottom.
    const cells = notebook.getCells().filter((c) => c.kind === vscode.NotebookCellKind.Code && c.document.languageId === 'python');
    const index = cells.findIndex((c) => c.document === doc);
    const results = analyzeNotebook(cells.slice(0, index + 1).map((c) => c.document.getText()), { onError });
    return { loops: results[index]?.loops ?? [], cell: index };
  }

  private async compute(doc: vscode.TextDocument): Promise<LoopInsight[]> {
    const { loops, cell } = this.loopsOf(doc);
    if (!loops.length) { this.diagnostics.delete(doc.uri); return []; }
    const store = await this.storeFor(doc);
    const config = vscode.workspace.getConfiguration('runlens', doc.uri);
    if (!store) {
      // Nothing is logged in this folder yet (the store is made when the first run needs it):
      // every combination is still to run, and the lens says so.
      const out = loops.filter((l) => l.combinations.length && l.keys.length).map((loop): LoopInsight => {
        const states = loop.combinations.map((): CombinationState => ({ state: 'never-run', counts: {}, runs: [], best: null }));
        const summary = summarize(loop, states, true);
        return { loop, states, summary, values: valueSummaries(loop, states, true), metric: undefined, title: lensTitle(loop, summary, undefined), store: undefined, cell };
      });
      this.diagnostics.delete(doc.uri);
      return out;
    }
    const available = await store.client.api.metricNames();
    const goal = config.get<'maximize' | 'minimize' | 'auto'>('keyMetricGoal', 'auto');
    const settings = keyMetricSettings(doc.uri);
    const sameExperiment = config.get<string>('lens.scope', 'experiment') === 'experiment';
    const sha = doc.uri.scheme === 'file' ? crypto.createHash('sha256').update(doc.getText(), 'utf8').digest('hex') : undefined;
    const out: LoopInsight[] = [];
    for (const loop of loops) {
      if (!loop.combinations.length || !loop.keys.length) continue;
      // A loop that names its experiment is matched against that experiment's runs only (setting).
      const experimentId = sameExperiment && loop.experiment !== undefined ? (await store.client.api.experimentId(loop.experiment)) ?? -1 : undefined;
      const { metric, states } = await lookupLoop(loop, {
        lookup: (keys, combinations, m) => store.client.api.lookup(keys, combinations, { metric: m, goal, experimentId }),
        metricsOf: async (uid) => Object.keys((await store.client.api.run(uid))?.metrics ?? {}),
      }, configuredKeyMetric(settings, loop.experiment), available);
      const higher = higherIsBetter(metric ?? '', goal);
      const summary = summarize(loop, states, higher, sha);
      out.push({ loop, states, summary, values: valueSummaries(loop, states, higher), metric, title: lensTitle(loop, summary, metric), store, cell });
    }
    this.updateDiagnostics(doc, out, config);
    return out;
  }

  private async storeFor(doc: vscode.TextDocument): Promise<FolderStore | undefined> {
    // A lens reads only: a folder without a store has nothing logged, and gets no `.runlens/` from it.
    if (doc.uri.scheme === 'file') return this.stores.forUri(doc.uri, { create: false });
    const notebook = vscode.workspace.notebookDocuments.find((nb) => nb.getCells().some((c) => c.document === doc));
    if (notebook) return this.stores.forUri(notebook.uri, { create: false });
    const [first] = this.stores.folders();
    return first && this.stores.has(first) ? this.stores.get(first) : undefined;
  }

  /**
   * Each loop's lenses, in order: what is logged, then (in a trusted workspace, on a file a
   * process can run) `Run the 3 missing combinations` or `Run all 6`, which runs the loop's
   * missing combinations through the launcher.
   */
  async provideCodeLenses(doc: vscode.TextDocument): Promise<vscode.CodeLens[]> {
    const insights = await this.insights(doc);
    const runnable = vscode.workspace.isTrusted && doc.uri.scheme === 'file';
    return insights.flatMap((ins, i) => {
      const pos = doc.positionAt(ins.loop.from);
      const range = new vscode.Range(pos, pos);
      const lenses = [new vscode.CodeLens(range, {
        title: ins.title,
        tooltip: `Show every combination of this loop and its runs${ins.loop.experiment ? ` (experiment ${ins.loop.experiment})` : ''}`,
        command: 'runlens.showCombinations',
        arguments: [doc.uri, i],
      })];
      // The same count the sweep will ask to run: neither finished nor running now.
      const n = runnable ? toRun(planSweep(ins.states, true), true).length : 0;
      if (n) {
        lenses.push(new vscode.CodeLens(range, {
          title: n === ins.loop.combinations.length && n > 1 ? `$(play) Run all ${n}` : `$(play) Run the ${n} missing combination${n === 1 ? '' : 's'}`,
          tooltip: `Run ${doc.fileName.split(/[\\/]/).pop()} once, executing only the iterations of this loop that have no result yet`,
          command: 'runlens.runMissingCombinations',
          arguments: [doc.uri, i],
        }));
      }
      return lenses;
    });
  }

  async provideHover(doc: vscode.TextDocument, position: vscode.Position): Promise<vscode.Hover | undefined> {
    const offset = doc.offsetAt(position);
    for (const ins of await this.insights(doc)) {
      const v = ins.values.find((x) => (x.site.cell ?? ins.cell) === ins.cell && x.site.from <= offset && offset <= x.site.to);
      if (!v || (!v.logged && !v.failed)) continue;
      const md = new vscode.MarkdownString();
      md.appendMarkdown(`**RunLens** · ${codeSpan(`${v.key}=${v.site.text}`)}: `);
      md.appendMarkdown(`${v.logged} of ${v.combinations} combination${v.combinations === 1 ? '' : 's'} logged`);
      if (v.best !== null && ins.metric) md.appendMarkdown(`, best ${escapeMd(ins.metric)} ${formatMetric(v.best)}`);
      if (v.failed) md.appendMarkdown(` · ${v.failed} failed or crashed`);
      md.appendMarkdown('\n\n');
      for (const r of v.runs) md.appendMarkdown(`- run ${codeSpan(shortId(r.uid))} ${r.status}${r.metric !== null && ins.metric ? ` · ${escapeMd(ins.metric)} ${formatMetric(r.metric)}` : ''}\n`);
      if (ins.summary.codeChanged) md.appendMarkdown('\n*Same parameters, but the code changed since some of these runs.*');
      return new vscode.Hover(md, new vscode.Range(doc.positionAt(v.site.from), doc.positionAt(v.site.to)));
    }
    return undefined;
  }

  private updateDiagnostics(doc: vscode.TextDocument, insights: LoopInsight[], config: vscode.WorkspaceConfiguration): void {
    const level = config.get<string>('diagnostics.level', 'information');
    if (level === 'off') { this.diagnostics.delete(doc.uri); return; }
    const severity = { error: vscode.DiagnosticSeverity.Error, warning: vscode.DiagnosticSeverity.Warning, hint: vscode.DiagnosticSeverity.Hint }[level] ?? vscode.DiagnosticSeverity.Information;
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
    this.diagnostics.set(doc.uri, list);
  }

  dispose(): void {
    if (this.refreshTimer) clearTimeout(this.refreshTimer);
    for (const d of this.disposables) d.dispose();
  }
}

/** The lens's click: every combination of the loop with its state; picking one opens its run. */
export function registerCombinationPicker(context: vscode.ExtensionContext, insights: LoopInsights): void {
  context.subscriptions.push(vscode.commands.registerCommand('runlens.showCombinations', async (uri?: vscode.Uri, index = 0) => {
    const doc = uri ? await vscode.workspace.openTextDocument(uri) : vscode.window.activeTextEditor?.document;
    if (!doc) return;
    const all = await insights.insights(doc);
    const ins = all[index];
    if (!ins) { void vscode.window.showInformationMessage('RunLens: no experiment loop here.'); return; }
    const icon: Record<string, string> = { finished: '$(pass)', failed: '$(error)', crashed: '$(warning)', killed: '$(circle-slash)', running: '$(sync~spin)', 'never-run': '$(circle-outline)' };
    const items = ins.loop.combinations.map((combo, i) => {
      const st = ins.states[i];
      const label = `${icon[st.state]} ${formatCombination(combo, ins.loop.keys)}`;
      const description = st.state === 'never-run' ? 'never run' : st.state === 'finished' && st.best !== null && ins.metric ? `${ins.metric} ${formatMetric(st.best)}` : st.state;
      const detail = st.runs.length ? `${st.runs.length} run${st.runs.length === 1 ? '' : 's'}: ${st.runs.map((r) => `${shortId(r.uid)} ${r.status}`).join(', ')}` : undefined;
      return { label, description, detail, run: st.runs[0]?.uid };
    });
    const picked = await vscode.window.showQuickPick(items, { placeHolder: `${ins.summary.logged} of ${ins.summary.total} combinations logged: pick one to open its run`, matchOnDescription: true, matchOnDetail: true });
    if (picked?.run && ins.store) {
      const index = vscode.workspace.workspaceFolders?.indexOf(ins.store.folder) ?? 0;
      await vscode.commands.executeCommand('runlens.openRunById', index, picked.run);
    }
  }));
}
