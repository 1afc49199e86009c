import * as crypto from 'node:crypto';
import * as vscode from 'vscode';
import { analyzeNotebook, optunaSuggestions, type ExperimentLoop, type OptunaSuggestion } from '../core/analysis';
import { IncrementalAnalysis } from '../core/analysis/incremental';
import { describable, describeLoop, untouchedLoop, type LoopState } from '../core/loops/describe';
import { configuredKeyMetric } from '../core/runs/keyMetric';
import { affectsSetting, keyMetricSettings, setting } from '../settings';
import { serverNotice } from '../core/runs/format';
import type { FolderStore, FolderStores } from '../store/folderStores';
import { Disposable } from '../disposable';

/** A loop of a document and its state, as the lens, hovers, diagnostics and launch commands use it. */
export interface LoopInsight extends LoopState {
  /** Absent while the folder has no store yet: nothing is logged, every combination is to run. */
  store: FolderStore | undefined;
  /** In a notebook, the index (among code cells) of the cell the loop is in. */
  cell: number | undefined;
}

interface Cached { version: number; insights: Promise<LoopInsight[]> }

/**
 * "The loops of this document and their state": one analysis and one lookup per document version,
 * shared by everything that speaks about loops (src/loops/*, src/launch). Its counts come from
 * core's describeLoop, as `runlens analyze`'s do. The analysis outlives the lookups: a run logged
 * only looks the same loops up again, and an edit re-analyses only what it can change
 * (core's IncrementalAnalysis, one per open file).
 */
export class LoopService extends Disposable {
  private readonly cache = new Map<string, Cached>();
  private readonly files = new Map<string, { analysis: IncrementalAnalysis; version: number; loops: ExperimentLoop[] }>();
  private readonly notebooks = new Map<string, { key: string; results: ExperimentLoop[][] }>();
  private readonly suggestionCache = new Map<string, { version: number; suggestions: OptunaSuggestion[] }>();
  private readonly changed = this.track(new vscode.EventEmitter<void>());
  /** The loops' states may have changed (a run was logged, a setting changed). */
  readonly onDidChange = this.changed.event;
  private readonly computed = this.track(new vscode.EventEmitter<{ doc: vscode.TextDocument; insights: LoopInsight[] }>());
  /** A document's loops were worked out afresh. */
  readonly onDidCompute = this.computed.event;
  private refreshTimer: NodeJS.Timeout | undefined;
  private clearAll = false;

  constructor(private readonly stores: FolderStores, private readonly log: vscode.LogOutputChannel) {
    super();
    this.track(stores.onDidChange(() => this.invalidate()));
    this.track(vscode.workspace.onDidChangeConfiguration((e) => { if (affectsSetting(e)) this.invalidate(); }));
    this.track(vscode.workspace.onDidCloseTextDocument((d) => { this.cache.delete(d.uri.toString()); this.files.delete(d.uri.toString()); this.suggestionCache.delete(d.uri.toString()); }));
    this.track(vscode.workspace.onDidCloseNotebookDocument((nb) => this.notebooks.delete(nb.uri.toString())));
    // A cell's loops may depend on any other cell (a function called further down).
    this.track(vscode.workspace.onDidChangeTextDocument((e) => { const nb = this.notebookOf(e.document); if (nb) this.notebookChanged(nb, e.document); }));
    this.track(vscode.workspace.onDidChangeNotebookDocument((e) => this.notebookChanged(e.notebook)));
    this.track({ dispose: () => { if (this.refreshTimer) clearTimeout(this.refreshTimer); } });
  }

  /** Another cell of a notebook changed: its cells' loops are worked out again (the changed one's by version). */
  private notebookChanged(nb: vscode.NotebookDocument, except?: vscode.TextDocument): void {
    let any = false;
    for (const c of nb.getCells()) {
      if (c.document !== except) any = this.cache.delete(c.document.uri.toString()) || any;
    }
    if (any) this.invalidate(false);
  }

  /** A run was logged: everything refreshes within a second, coalescing bursts. */
  private invalidate(all = true): void {
    this.clearAll ||= all;
    if (this.refreshTimer) return;
    this.refreshTimer = setTimeout(() => {
      this.refreshTimer = undefined;
      if (this.clearAll) this.cache.clear();
      this.clearAll = false;
      this.changed.fire();
    }, 200);
  }

  /** The document's experiment loops with their state. */
  insights(doc: vscode.TextDocument): Promise<LoopInsight[]> {
    const key = doc.uri.toString();
    const cached = this.cache.get(key);
    if (cached && cached.version === doc.version) return cached.insights;
    const insights = this.compute(doc).catch((e: unknown) => {
      this.log.error(`Analysing ${doc.uri.fsPath} failed: ${(e as Error).stack ?? e}`);
      return [];
    });
    this.cache.set(key, { version: doc.version, insights });
    void insights.then((list) => this.computed.fire({ doc, insights: list }));
    return insights;
  }

  /** The document's Optuna `trial.suggest_*` calls (in a notebook cell, seeing the cells above it), once per version. */
  suggestions(doc: vscode.TextDocument): OptunaSuggestion[] {
    const key = doc.uri.toString();
    const cached = this.suggestionCache.get(key);
    if (cached && cached.version === doc.version) return cached.suggestions;
    let suggestions: OptunaSuggestion[] = [];
    try {
      const notebook = this.notebookOf(doc);
      if (!notebook) suggestions = optunaSuggestions(doc.getText());
      else {
        const cells = notebook.getCells().filter((c) => c.kind === vscode.NotebookCellKind.Code && c.document.languageId === 'python');
        suggestions = optunaSuggestions(cells.slice(0, cells.findIndex((c) => c.document === doc) + 1).map((c) => c.document.getText()));
      }
    } catch (e) {
      this.log.warn(`${doc.uri.fsPath}: its Optuna suggestions could not be analysed (${(e as Error).message})`);
    }
    this.suggestionCache.set(key, { version: doc.version, suggestions });
    return suggestions;
  }

  private loopsOf(doc: vscode.TextDocument): { loops: ExperimentLoop[]; cell: number | undefined } {
    const onError = (e: unknown, line: number) => this.log.warn(`${doc.uri.fsPath}:${line}: a loop could not be analysed (${(e as Error).message})`);
    const notebook = this.notebookOf(doc);
    if (!notebook) {
      const key = doc.uri.toString();
      let file = this.files.get(key);
      if (!file) this.files.set(key, file = { analysis: new IncrementalAnalysis(), version: -1, loops: [] });
      if (file.version !== doc.version) {
        file.loops = file.analysis.update(doc.getText(), { onError });
        file.version = doc.version;
      }
      return { loops: file.loops, cell: undefined };
    }
    // Every code cell, as the kernel would run them top to bottom: a cell sees what the cells above
    // it defined, and a function's loop may be called from a later cell.
    const cells = notebook.getCells().filter((c) => c.kind === vscode.NotebookCellKind.Code && c.document.languageId === 'python');
    const index = cells.findIndex((c) => c.document === doc);
    const key = cells.map((c) => `${c.document.uri.toString()}@${c.document.version}`).join('|');
    let cached = this.notebooks.get(notebook.uri.toString());
    if (cached?.key !== key) {
      cached = { key, results: analyzeNotebook(cells.map((c) => c.document.getText()), { onError }).map((r) => r.loops) };
      this.notebooks.set(notebook.uri.toString(), cached);
    }
    return { loops: cached.results[index] ?? [], cell: index };
  }

  /**
   * The documents whose loops may have values in `doc`: itself, and in a notebook every code cell
   * (a loop in one cell may go over a list written in another).
   */
  documentsSeeing(doc: vscode.TextDocument): vscode.TextDocument[] {
    const notebook = this.notebookOf(doc);
    if (!notebook) return [doc];
    return notebook.getCells().filter((c) => c.kind === vscode.NotebookCellKind.Code && c.document.languageId === 'python').map((c) => c.document);
  }

  notebookOf(doc: vscode.TextDocument): vscode.NotebookDocument | undefined {
    if (doc.uri.scheme !== 'vscode-notebook-cell') return undefined;
    return vscode.workspace.notebookDocuments.find((nb) => nb.getCells().some((c) => c.document === doc));
  }

  private async compute(doc: vscode.TextDocument): Promise<LoopInsight[]> {
    const { loops, cell } = this.loopsOf(doc);
    const wanted = loops.filter(describable);
    if (!wanted.length) return [];
    const store = await this.storeFor(doc);
    // Nothing is logged in this folder yet (the store is made when the first run needs it).
    if (!store) return wanted.map((loop) => ({ ...untouchedLoop(loop), store: undefined, cell }));
    const api = store.client.api;
    const settings = keyMetricSettings(doc.uri);
    const opts = {
      configuredMetric: (experiment: string | undefined) => configuredKeyMetric(settings, experiment),
      goal: setting('keyMetricGoal', doc.uri),
      sameExperiment: setting('lens.scope', doc.uri) === 'experiment',
      scriptSha256: doc.uri.scheme === 'file' ? crypto.createHash('sha256').update(doc.getText(), 'utf8').digest('hex') : undefined,
    };
    const port = {
      lookup: (keys: string[], combinations: Record<string, unknown>[], o: { metric?: string; experimentId?: number; goal: 'maximize' | 'minimize' | 'auto' }) => api.lookup(keys, combinations, o),
      metricsOf: async (uid: string) => Object.keys((await api.run(uid))?.metrics ?? {}),
      experimentId: (name: string) => api.experimentId(name),
      metricNames: () => api.metricNames(),
      declaredGoal: (metric: string, experimentId?: number) => api.declaredGoal(metric, experimentId),
    };
    const available = await api.metricNames();
    // Runs of a tracking server that cannot be reached count as last synced: the lens says since when.
    const stale = (await api.servers().catch(() => [])).filter((s) => serverNotice(s));
    const out: LoopInsight[] = [];
    for (const loop of wanted) {
      const state = await describeLoop(loop, port, opts, available);
      const server = stale.find((s) => !opts.sameExperiment || loop.experiment === undefined || s.experiments.includes(loop.experiment));
      const asOf = server?.lastSync ? serverNotice(server)?.replace(/^.*, (as of .*)$/, '$1') : undefined;
      out.push({ ...state, title: asOf ? `${state.title} · ${asOf} (MLflow server ${server!.state === 'offline' ? 'offline' : 'not synced'})` : state.title, store, cell });
    }
    return out;
  }

  /** The store of the folder a document is in, if that folder has one (nothing is created for asking). */
  async storeFor(doc: vscode.TextDocument): Promise<FolderStore | undefined> {
    // Reading only: a folder without a store has nothing logged, and gets no `.runlens/` from it.
    if (doc.uri.scheme === 'file') return this.stores.forUri(doc.uri, { create: false });
    const notebook = this.notebookOf(doc);
    if (notebook) return this.stores.forUri(notebook.uri, { create: false });
    const [first] = this.stores.folders();
    return first && this.stores.has(first) ? this.stores.get(first) : undefined;
  }

}

