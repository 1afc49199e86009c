import * as vscode from 'vscode';
import type { FolderStore } from '../store/folderStores';
import type { RunDetail } from '../core/store/types';
import { canonicalParam } from '../core/params/canonical';
import { runLabel, varyingKeys } from '../core/runs/format';
import { higherIsBetter, rankingGoal } from '../core/store/queries';
import type { CompareFromWebview, CompareToWebview, CompareView, PanelMemento, Series } from '../webview/protocol';
import { Panel, type PanelContext } from './panel';
import { toSeries } from './series';
import { comparisonCsv, comparisonJson } from './export';
import { chooseKeyMetric, configuredKeyMetric } from '../core/runs/keyMetric';
import { keyMetricSettings, setting } from '../settings';
import { refTo, type OpenRun } from '../runs/ref';
import { previewKind } from '../core/artifacts/preview';
import { artifactPreview, openArtifact } from './artifacts';
import { chartOptions, DEFAULT_CHART_OPTIONS, type ChartOptions } from '../core/charts/lines';

/** Any number of runs side by side: params (differences marked), metrics overlaid, parallel coordinates. */
export class ComparePanel extends Panel<CompareToWebview, CompareFromWebview> {
  private refs: OpenRun[] = [];
  private view: CompareView | undefined;
  private fingerprint = '';
  private followed = new Set<FolderStore>();
  /** The runs shown, with their details, in the view's order. */
  private shown: { ref: OpenRun; detail: RunDetail }[] = [];

  constructor(ctx: PanelContext, revived?: vscode.WebviewPanel, private charts: ChartOptions = DEFAULT_CHART_OPTIONS) {
    super('compare', 'Compare runs', ctx, revived);
  }

  protected memento(): PanelMemento {
    return { kind: 'compare', runs: this.refs.map(refTo), charts: this.charts };
  }

  show(refs: OpenRun[]): void {
    this.refs = refs;
    this.view = undefined;
    this.panel.title = `Compare ${refs.length} runs`;
    this.remember();
    for (const s of new Set(refs.map((r) => r.store))) {
      if (this.followed.has(s)) continue;
      this.followed.add(s);
      this.follow(s, 2000, () => this.refresh(false));
    }
    this.reveal();
    void this.refresh(true).catch((e) => this.ctx.log.error(`Comparing runs failed: ${(e as Error).stack ?? e}`));
  }

  protected async onReady(): Promise<void> {
    if (this.view) this.post({ type: 'compare', view: this.view, charts: this.charts });
    else await this.refresh(true);
  }

  private async refresh(always: boolean): Promise<void> {
    const refs = this.refs;
    const found = (await Promise.all(refs.map(async (r) => ({ ref: r, detail: await r.store.client.api.run(r.uid) }))))
      .filter((x): x is { ref: OpenRun; detail: RunDetail } => !!x.detail);
    // Histories are the costly part: read them again only when a run's summary moved.
    const fingerprint = JSON.stringify(found.map((x) => x.detail));
    if (!always && fingerprint === this.fingerprint) return;
    // Up to ~40k points per chart in all: enough for detail, small enough to post.
    const perSeries = Math.max(300, Math.floor(40_000 / Math.max(1, found.length)));
    const histories = await Promise.all(found.map((x) => x.ref.store.client.api.history(x.ref.uid)));
    if (refs !== this.refs) return; // another comparison replaced this one meanwhile
    // Which way each metric is better, where the runs' source says (an Optuna study's direction).
    const first = found[0]?.ref.store;
    const experimentIds = new Set(found.map((x) => x.detail.experimentId));
    const declared: Record<string, 'maximize' | 'minimize'> = {};
    if (first) {
      for (const key of new Set(found.flatMap((x) => Object.keys(x.detail.metrics)))) {
        const goal = await first.client.api.declaredGoal(key, experimentIds.size === 1 ? [...experimentIds][0] : undefined);
        if (goal) declared[key] = goal;
      }
    }
    if (refs !== this.refs) return;
    const view = buildView(found.map((x) => x.detail), histories.map((h) => Object.fromEntries(Object.entries(h).map(([k, pts]) => [k, toSeries(pts, perSeries)]))), first?.folder, declared);
    this.fingerprint = fingerprint;
    this.view = view;
    this.shown = found;
    this.post({ type: 'compare', view, charts: this.charts });
  }

  protected async onMessage(m: CompareFromWebview): Promise<void> {
    if (m.type === 'chartOptions') { this.charts = chartOptions(m.options); this.remember(); return; }
    if (m.type === 'openRun') {
      const ref = this.refs.find((r) => r.uid === this.view?.runs[m.index]?.uid);
      if (ref) await vscode.commands.executeCommand('runlens.openRunDetails', refTo(ref));
      return;
    }
    if (m.type === 'compareCode') {
      await vscode.commands.executeCommand('runlens.compareCode', this.shown.map(({ ref }) => refTo(ref)));
      return;
    }
    if (m.type === 'compareSubset') {
      const uids = new Set(m.indices.map((i) => this.view?.runs[i]?.uid));
      const subset = this.refs.filter((r) => uids.has(r.uid));
      if (subset.length) this.show(subset);
      return;
    }
    if (m.type === 'export' && this.view) await this.export(m.format, this.view);
    if (m.type === 'compareArtifact') {
      // Side by side: the file of that path of each run, as the view lists them.
      const shown = this.shown;
      const previews = shown.map(({ ref, detail }) => (detail.artifacts.some((a) => a.path === m.path) ? artifactPreview(ref.store, detail, m.path) : null));
      if (shown === this.shown) this.post({ type: 'artifacts', path: m.path, previews });
    }
    if (m.type === 'openArtifact') {
      const run = this.shown[m.index];
      if (run) await openArtifact(run.ref.store, run.detail, m.path);
    }
  }

  private async export(format: 'csv' | 'json', view: CompareView): Promise<void> {
    const folder = this.refs[0]?.store.folder.uri;
    const uri = await vscode.window.showSaveDialog({
      title: `Export the comparison of ${view.runs.length} runs`,
      defaultUri: folder && vscode.Uri.joinPath(folder, `runs-comparison.${format}`),
      filters: format === 'csv' ? { CSV: ['csv'] } : { JSON: ['json'] },
    });
    if (!uri) return;
    const text = format === 'csv' ? comparisonCsv(view) : comparisonJson(view);
    await vscode.workspace.fs.writeFile(uri, new TextEncoder().encode(text));
    this.ctx.log.info(`Exported the comparison of ${view.runs.length} runs to ${uri.fsPath}`);
    vscode.window.setStatusBarMessage(`RunLens: exported ${view.runs.length} runs to ${vscode.workspace.asRelativePath(uri)}`, 5000);
  }
}

export function buildView(runs: RunDetail[], histories: Record<string, Series>[], folder?: vscode.WorkspaceFolder,
  declared: Record<string, 'maximize' | 'minimize'> = {}): CompareView {
  const goal = setting('keyMetricGoal', folder?.uri);
  const varying = varyingKeys(runs);
  const paramKeys = [...new Set(runs.flatMap((r) => Object.keys(r.params)))].sort();
  const metricKeys = [...new Set(runs.flatMap((r) => Object.keys(r.metrics)))].sort();
  const configured = configuredKeyMetric(keyMetricSettings(folder?.uri), runs[0]?.experiment);
  const keyMetric = (metricKeys.includes(configured) ? configured : chooseKeyMetric('', metricKeys)) ?? null;
  return {
    runs: runs.map((r) => ({
      uid: r.uid, label: runLabel(r, varying), experiment: r.experiment, status: r.status, params: r.params,
      metrics: Object.fromEntries(Object.values(r.metrics).map((m) => [m.key, Number.isFinite(m.last) ? m.last : null])),
      range: Object.fromEntries(Object.values(r.metrics).map((m) => [m.key, { min: finiteOrNull(m.min), max: finiteOrNull(m.max) }])),
    })),
    params: paramKeys.map((key) => ({ key, differs: new Set(runs.map((r) => (key in r.params ? canonicalParam(r.params[key]) : undefined))).size > 1 })),
    metrics: metricKeys.map((key) => ({ key, higherIsBetter: higherIsBetter(key, rankingGoal(declared[key], goal)) })),
    keyMetric,
    history: Object.fromEntries(metricKeys.map((k) => [k, histories.map((h) => h[k] ?? null)])),
    artifacts: comparedArtifacts(runs),
  };
}

const finiteOrNull = (v: number | null) => (v !== null && Number.isFinite(v) ? v : null);

/**
 * Every artifact path of the runs, with each run's size there: the paths most runs share first
 * (what there is to put side by side), images before other files, then by path.
 */
export function comparedArtifacts(runs: RunDetail[]): CompareView['artifacts'] {
  const paths = new Map<string, (number | null)[]>();
  runs.forEach((r, i) => {
    for (const a of r.artifacts) {
      let sizes = paths.get(a.path);
      if (!sizes) paths.set(a.path, (sizes = runs.map(() => null)));
      sizes[i] = a.size;
    }
  });
  const shared = (sizes: (number | null)[]) => sizes.filter((s) => s !== null).length;
  return [...paths].map(([path, sizes]) => ({ path, kind: previewKind(path), sizes }))
    .sort((a, b) => shared(b.sizes) - shared(a.sizes) || Number(b.kind === 'image') - Number(a.kind === 'image') || (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}
