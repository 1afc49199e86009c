import { createHash } from 'node:crypto';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { refTo } from '../runs/ref';
import type { FolderStore } from '../store/folderStores';
import type { RunDetail } from '../core/store/types';
import type { JournalEvent } from '../core/store/journal';
import { runLabel, varyingKeys } from '../core/runs/format';
import type { DetailsFromWebview, DetailsToWebview, DetailsView, PanelMemento } from '../webview/protocol';
import { Panel, type PanelContext } from './panel';
import { toSeries } from './series';
import { shortId } from '../core/runs/format';
import { artifactList, artifactPreview, openArtifact, revealArtifact } from './artifacts';
import { bestOf, chartOptions, DEFAULT_CHART_OPTIONS, type ChartOptions } from '../core/charts/lines';
import { higherIsBetter } from '../core/store/queries';
import { setting } from '../settings';

const NOTE_TAG = 'mlflow.note.content';

/**
 * One run: params, metrics with a chart each, tags, the editable note and its code version.
 * One panel shows whichever run was opened last, so clicking through the tree does not pile up tabs.
 */
export class DetailsPanel extends Panel<DetailsToWebview, DetailsFromWebview> {
  private detail: RunDetail | undefined;
  private lastSent = '';
  private varying: string[] | undefined;
  private following: vscode.Disposable | undefined;
  /** How this panel draws its charts, whichever run it shows. */
  private charts: ChartOptions;

  constructor(private store: FolderStore, private uid: string, ctx: PanelContext, revived?: vscode.WebviewPanel, charts: ChartOptions = DEFAULT_CHART_OPTIONS) {
    super('details', `Run ${shortId(uid)}`, ctx, revived);
    this.charts = charts;
    this.disposables.push({ dispose: () => this.following?.dispose() });
    this.show(store, uid);
  }

  /** Shows another run (or the same one again) and brings the panel to the front. */
  show(store: FolderStore, uid: string): void {
    if (this.following && store !== this.store) { this.following.dispose(); this.following = undefined; }
    // A running run logs on: follow it (at most once a second).
    this.following ??= this.followStore(store, 1000, () => this.refresh());
    if (store !== this.store || uid !== this.uid) this.varying = undefined;
    this.store = store;
    this.uid = uid;
    this.lastSent = '';
    this.remember();
    this.reveal();
    void this.refresh().catch((e) => this.ctx.log.error(`Showing run ${uid} failed: ${(e as Error).stack ?? e}`));
  }

  protected memento(): PanelMemento {
    return { kind: 'details', ...refTo({ store: this.store, uid: this.uid }), charts: this.charts };
  }

  protected async onReady(): Promise<void> {
    this.lastSent = '';
    await this.refresh();
  }

  private async refresh(): Promise<void> {
    if (!this.ready) return;
    const { store, uid } = this;
    const stale = () => store !== this.store || uid !== this.uid; // another run was shown meanwhile
    const detail = await store.client.api.run(uid);
    if (stale()) return;
    this.detail = detail;
    if (!detail) { this.post({ type: 'missing', uid }); return; }
    // Named as the tree names it: by the params that vary within its experiment.
    const varying = this.varying ?? varyingKeys(await store.client.api.runs({ experimentId: detail.experimentId, limit: 200 }));
    if (stale()) return;
    this.varying = varying;
    const title = detail.name ?? runLabel(detail, varying);
    this.panel.title = `Run ${title}`;
    const fingerprint = JSON.stringify(detail);
    if (fingerprint === this.lastSent) return;
    const history = await store.client.api.history(uid);
    const run = view(detail, title, artifactList(store, detail), setting('keyMetricGoal', store.folder.uri));
    run.code.script = await scriptState(detail, store.folder);
    if (stale()) return;
    this.lastSent = fingerprint;
    this.post({ type: 'details', run: { ...run, history: Object.fromEntries(Object.entries(history).map(([k, pts]) => [k, toSeries(pts)])) }, charts: this.charts });
  }

  protected async onMessage(m: DetailsFromWebview): Promise<void> {
    const edit = async (ev: JournalEvent) => { await this.store.client.api.edit(ev); await this.refresh(); };
    switch (m.type) {
      case 'chartOptions': this.charts = chartOptions(m.options); this.remember(); return;
      case 'saveNote': return edit({ e: 'note', run: this.uid, text: m.text });
      case 'addTag': if (m.key.trim()) await edit({ e: 'tag', run: this.uid, key: m.key.trim(), value: m.value }); return;
      case 'removeTag': return edit({ e: 'untag', run: this.uid, key: m.key });
      case 'openScript': return this.openScript();
      case 'previewArtifact': {
        const { store, uid, detail } = this;
        if (!detail || detail.uid !== uid) return;
        this.post({ type: 'artifact', uid, preview: artifactPreview(store, detail, m.path) });
        return;
      }
      case 'openArtifact': if (this.detail) await openArtifact(this.store, this.detail, m.path); return;
      case 'revealArtifact': if (this.detail) await revealArtifact(this.store, this.detail, m.path); return;
      // The same command as the tree's, so both reveal the same record (a run log, an MLflow run or store).
      case 'revealLog': return void await vscode.commands.executeCommand('runlens.revealRunLog', refTo({ store: this.store, uid: this.uid }));
    }
  }

  private async openScript(): Promise<void> {
    const script = this.detail?.scriptPath;
    if (!script) return;
    const uri = scriptUri(script, this.store.folder);
    try {
      await vscode.window.showTextDocument(uri, { viewColumn: vscode.ViewColumn.Beside });
    } catch {
      void vscode.window.showWarningMessage(`RunLens: the script ${script} is no longer there.`);
    }
  }
}

function view(d: RunDetail, title: string, artifacts: DetailsView['artifacts'], goal: 'maximize' | 'minimize' | 'auto'): Omit<DetailsView, 'history'> {
  // A message to a webview goes as JSON, which would turn NaN and the infinities into null.
  const wire = (n: number | null) => (n === null ? null : Number.isFinite(n) ? n : String(n));
  return {
    uid: d.uid, title, experiment: d.experiment, status: d.status, deleted: d.deleted,
    startTime: d.startTime, endTime: d.endTime, lastUpdate: d.lastUpdate,
    params: Object.entries(d.params).sort(([a], [b]) => a.localeCompare(b)),
    metrics: Object.values(d.metrics).sort((a, b) => a.key.localeCompare(b.key))
      .map((m) => {
        const higher = higherIsBetter(m.key, goal);
        return { key: m.key, last: wire(m.last), min: wire(m.min), max: wire(m.max), best: wire(bestOf(m, higher)), higherIsBetter: higher, lastStep: m.lastStep, count: m.count };
      }),
    tags: Object.entries(d.tags).filter(([k]) => k !== NOTE_TAG),
    note: d.note ?? '',
    code: { scriptPath: d.scriptPath, scriptSha256: d.scriptSha256, script: 'unknown', commit: d.git.commit, branch: d.git.branch, dirty: d.git.dirty },
    host: d.host, error: d.error, artifacts,
  };
}

/** The Python client records the absolute path; a relative one (an import) is taken from the folder. */
function scriptUri(script: string, folder: vscode.WorkspaceFolder): vscode.Uri {
  return path.isAbsolute(script) ? vscode.Uri.file(script) : vscode.Uri.joinPath(folder.uri, script);
}

/** Whether the script still is what the run ran: the button opens today's file, which may differ. */
async function scriptState(d: RunDetail, folder: vscode.WorkspaceFolder): Promise<DetailsView['code']['script']> {
  if (!d.scriptPath || !d.scriptSha256) return 'unknown';
  try {
    const bytes = await vscode.workspace.fs.readFile(scriptUri(d.scriptPath, folder));
    return createHash('sha256').update(bytes).digest('hex') === d.scriptSha256 ? 'same' : 'changed';
  } catch {
    return 'missing';
  }
}
