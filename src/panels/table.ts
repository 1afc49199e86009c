import * as vscode from 'vscode';
import type { FolderStore } from '../store/folderStores';
import type { ExperimentSummary, RunSummary } from '../core/store/types';
import type { TableColumns, TablePage, TableQuery } from '../core/store/runTable';
import { parseFilter } from '../core/runs/filter';
import { runLabel, varyingKeys } from '../core/runs/format';
import { PAGE_SIZE } from '../runs/tree';
import type { TableFromWebview, TableRow, TableState, TableToWebview, PanelMemento } from '../webview/protocol';
import { Panel, type PanelContext } from './panel';
import { refTo, type OpenRun } from '../runs/ref';
import { defaultIgnoredKeys, groupRuns } from '../core/runs/groups';
import { columnLayout, type ColumnLayout } from '../core/runs/columnLayout';
import { higherIsBetter } from '../core/store/queries';
import { setting } from '../settings';

/** How many rows one request may ask for: a screenful or two, never the experiment. */
const MAX_ROWS = 500;
/** How many runs a grouping reads at most: enough for any sweep over seeds, bounded for 100k-run experiments. */
export const MAX_GROUPED = 20_000;
/** How many runs parameter importance weighs at most: its forest takes about a second at 2,000 (in the page). */
export const MAX_IMPORTANCE = 2_000;

/**
 * An experiment's runs, one row each, a column per parameter and metric. The webview holds only the
 * rows on screen and asks for row ranges as it scrolls; the store sorts and filters (see
 * src/core/store/runTable.ts), so 100k runs cost what one screen costs.
 */
export class RunsTablePanel extends Panel<TableToWebview, TableFromWebview> {
  private state: TableState = { sort: null, filter: '' };
  private generation = 0;
  private columns: TableColumns = { params: [], metrics: [] };
  /**
   * The parameters that name an unnamed run, as the tree names it: those that vary among the
   * experiment's newest page of runs (the tree's first page), whatever the table's filter or order.
   */
  private naming: string[] = [];

  constructor(readonly store: FolderStore, readonly experiment: ExperimentSummary, ctx: PanelContext, private readonly compare: (refs: OpenRun[]) => void, revived?: vscode.WebviewPanel) {
    super('table', `Runs: ${experiment.name}`, ctx, revived);
    // New runs change the total, the order and maybe the columns: start over, keeping the view.
    this.follow(store, 2000, () => this.reset());
  }

  static key(store: FolderStore, experimentId: number): string { return `${store.folder.uri}#${experimentId}`; }

  /** Where the experiment's column layout is kept (the workspace's state, so every window and reload finds it). */
  private get layoutKey(): string { return `runlens.tableColumns:${RunsTablePanel.key(this.store, this.experiment.id)}`; }

  private get layout(): ColumnLayout { return columnLayout(this.ctx.workspaceState.get(this.layoutKey)); }

  protected onReady(): Promise<void> { return this.reset(); }

  protected memento(): PanelMemento {
    return { kind: 'table', folder: this.store.folder.uri.toString(), experimentId: this.experiment.id };
  }

  private query(offset: number, limit: number, withColumns = false): TableQuery {
    return { experimentId: this.experiment.id, sort: this.state.sort ?? undefined, filter: this.state.filter || undefined, offset, limit, withColumns };
  }

  /** Sends the total and the columns, then the first rows (saving the webview a round trip). */
  private async reset(error?: string): Promise<void> {
    if (!this.ready) return;
    const generation = ++this.generation;
    const [page, newest] = await Promise.all([
      this.store.client.api.runsTable(this.query(0, 100, true)),
      this.store.client.api.runsTable({ experimentId: this.experiment.id, offset: 0, limit: PAGE_SIZE }),
    ]);
    if (generation !== this.generation) return;
    this.columns = page.columns!;
    this.naming = varyingKeys(newest.rows);
    this.post({ type: 'reset', generation, experiment: this.experiment.name, total: page.total, columns: this.columns, state: this.state, error, layout: this.layout });
    this.post({ type: 'rows', generation, offset: 0, rows: this.rows(page) });
  }

  private rows(page: TablePage): TableRow[] {
    return page.rows.map((r: RunSummary) => ({
      uid: r.uid, name: r.name, label: runLabel(r, this.naming), status: r.status, deleted: r.deleted, startTime: r.startTime,
      params: this.columns.params.map((k) => r.params[k] ?? null),
      metrics: this.columns.metrics.map((k) => { const m = r.metrics[k]; return m && Number.isFinite(m.last) ? m.last : null; }),
    }));
  }

  /** The runs the filter keeps (up to MAX_GROUPED), grouped over seeds. */
  private async groups(ignored: string[] | null): Promise<void> {
    const page = await this.store.client.api.runsTable(this.query(0, MAX_GROUPED, true));
    const runs = page.rows.map((r) => ({ params: r.params, metrics: Object.fromEntries(Object.values(r.metrics).map((m) => [m.key, Number.isFinite(m.last) ? m.last : null])) }));
    const defaults = defaultIgnoredKeys(runs);
    const used = ignored ?? defaults;
    const goal = setting('keyMetricGoal', this.store.folder.uri);
    const metricKeys = page.columns?.metrics ?? [];
    const paramKeys = page.columns?.params ?? [];
    this.post({
      type: 'groups', groups: groupRuns(runs, used), metrics: metricKeys.map((key) => ({ key, higherIsBetter: higherIsBetter(key, goal) })),
      keys: paramKeys, defaults, ignored: used, grouped: runs.length, total: page.total,
    });
  }

  protected async onMessage(m: TableFromWebview): Promise<void> {
    switch (m.type) {
      case 'rows': {
        if (m.generation !== this.generation) return; // asked before a reset: its answer would be stale
        const page = await this.store.client.api.runsTable(this.query(Math.max(0, m.offset), Math.min(MAX_ROWS, Math.max(0, m.limit))));
        if (m.generation === this.generation) this.post({ type: 'rows', generation: m.generation, offset: page.offset, rows: this.rows(page) });
        return;
      }
      case 'query': {
        try {
          parseFilter(m.state.filter);
        } catch (e) {
          await this.reset(`The filter does not read: ${(e as Error).message}`);
          return;
        }
        this.state = { sort: m.state.sort, filter: m.state.filter.trim() };
        await this.reset();
        return;
      }
      case 'groups':
        await this.groups(m.ignored);
        return;
      case 'importance': {
        const page = await this.store.client.api.runsTable(this.query(0, MAX_IMPORTANCE));
        const runs = page.rows.map((r) => { const v = r.metrics[m.metric]?.last; return { params: r.params, value: v !== undefined && Number.isFinite(v) ? v : null }; });
        this.post({ type: 'importance', metric: m.metric, runs, total: page.total });
        return;
      }
      case 'columns':
        await this.ctx.workspaceState.update(this.layoutKey, columnLayout(m.layout));
        return;
      case 'openRun':
        await vscode.commands.executeCommand('runlens.openRunDetails', refTo({ store: this.store, uid: m.uid }));
        return;
      case 'compare':
        this.compare(m.uids.map((uid) => ({ store: this.store, uid })));
        return;
    }
  }
}
