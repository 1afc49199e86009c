import * as vscode from 'vscode';
import type { FolderStore, FolderStores } from '../store/folderStores';
import type { ExperimentSummary, RunSummary, StatusName } from '../core/store/types';
import { formatAge, formatMetric, formatSyncTime, runLabel, serverNotice, STATUS_LABEL, varyingKeys } from '../core/runs/format';
import type { ServerStatus } from '../core/store/serverFollow';
import { storeKey } from '../core/mlflow/apply';
import { keyMetricOf } from '../core/runs/keyMetric';
import { keyMetricSettings, setting } from '../settings';
import { escapeMd } from '../core/text/markdown';

export const PAGE_SIZE = 200;

export type RunsNode =
  | { kind: 'folder'; store: FolderStore }
  | { kind: 'experiment'; store: FolderStore; experiment: ExperimentSummary; matching?: number; server?: ServerStatus }
  | { kind: 'run'; store: FolderStore; run: RunSummary; varying: string[]; nested: Map<string, RunSummary[]>; fromServer?: boolean }
  | { kind: 'group'; store: FolderStore; run: RunSummary; group: 'params' | 'metrics' | 'tags' }
  | { kind: 'leaf'; id: string; label: string; description: string; tooltip?: string }
  | { kind: 'more'; store: FolderStore; experiment: ExperimentSummary; offset: number }
  | { kind: 'message'; id: string; label: string; icon?: string; command?: vscode.Command };

export interface ViewOptions {
  filter: string;
  sort: { metric: string; descending: boolean } | { by: 'start_time'; descending: boolean };
  showDeleted: boolean;
  showFailed: boolean;
}

const STATUS_ICON: Record<StatusName, vscode.ThemeIcon> = {
  running: new vscode.ThemeIcon('sync~spin', new vscode.ThemeColor('charts.blue')),
  finished: new vscode.ThemeIcon('pass', new vscode.ThemeColor('testing.iconPassed')),
  failed: new vscode.ThemeIcon('error', new vscode.ThemeColor('testing.iconFailed')),
  killed: new vscode.ThemeIcon('circle-slash', new vscode.ThemeColor('disabledForeground')),
  crashed: new vscode.ThemeIcon('warning', new vscode.ThemeColor('list.warningForeground')),
  pruned: new vscode.ThemeIcon('stop-circle', new vscode.ThemeColor('charts.orange')),
  queued: new vscode.ThemeIcon('clock', new vscode.ThemeColor('charts.blue')),
};

/** What "Hide Failed Runs" leaves: runs with a result, or on their way to one. Pruned trials go with the failed. */
const NOT_FAILED: StatusName[] = ['running', 'finished', 'killed', 'queued'];

/**
 * Experiments, their runs (a page at a time), and each run's params, metrics and tags.
 * Item ids are stable, so a refresh keeps what the user expanded.
 */
export class RunsTreeProvider implements vscode.TreeDataProvider<RunsNode>, vscode.Disposable {
  private readonly emitter = new vscode.EventEmitter<RunsNode | undefined>();
  readonly onDidChangeTreeData = this.emitter.event;
  private pages = new Map<string, number>();
  private lastFire = 0;
  private pendingFire: NodeJS.Timeout | undefined;
  options: ViewOptions = { filter: '', sort: { by: 'start_time', descending: true }, showDeleted: false, showFailed: true };

  constructor(private readonly stores: FolderStores) {}

  /** Refreshes at most about once a second, however fast runs log. */
  refresh(now = false): void {
    const fire = () => { this.lastFire = Date.now(); this.pendingFire = undefined; this.emitter.fire(undefined); };
    if (now) { if (this.pendingFire) clearTimeout(this.pendingFire); fire(); return; }
    if (this.pendingFire) return;
    this.pendingFire = setTimeout(fire, Math.max(0, 1000 - (Date.now() - this.lastFire)));
  }

  showMore(node: RunsNode & { kind: 'more' }): void {
    const key = node.store.folder.uri.toString() + '#' + node.experiment.id;
    this.pages.set(key, (this.pages.get(key) ?? 1) + 1);
    this.refresh(true);
  }

  async getChildren(node?: RunsNode): Promise<RunsNode[]> {
    if (!node) {
      const stores = await this.stores.all();
      if (stores.length === 1) return this.experiments(stores[0]);
      return stores.map((store) => ({ kind: 'folder', store }));
    }
    switch (node.kind) {
      case 'folder': return this.experiments(node.store);
      case 'experiment': return this.runs(node.store, node.experiment);
      case 'run': return [
        ...(node.nested.get(node.run.uid) ?? []).map((run) => ({ kind: 'run' as const, store: node.store, run, varying: node.varying, nested: node.nested, fromServer: node.fromServer })),
        ...(['params', 'metrics', 'tags'] as const).map((group) => ({ kind: 'group' as const, store: node.store, run: node.run, group })),
      ];
      case 'group': return this.details(node);
      default: return [];
    }
  }

  private async experiments(store: FolderStore): Promise<RunsNode[]> {
    const list = (await store.client.api.experiments(this.options.showDeleted)).filter((e) => e.runs > 0 || this.options.showDeleted);
    // An experiment some of whose runs come from a tracking server that is not up to date says so.
    const stale = (await store.client.api.servers().catch(() => [] as ServerStatus[])).filter((s) => serverNotice(s));
    const serverOf = (name: string) => stale.find((s) => s.experiments.includes(name));
    const filter = this.options.filter;
    if (!filter) return list.map((experiment) => ({ kind: 'experiment', store, experiment, server: serverOf(experiment.name) }));
    // Under a filter, an experiment shows how many of its runs match, and goes when none does.
    const matching = await Promise.all(list.map((e) => store.client.api.countRuns(e.id, this.options.showDeleted, filter).catch(() => 0)));
    const shown = list.flatMap((experiment, i) => (matching[i] ? [{ kind: 'experiment' as const, store, experiment, matching: matching[i], server: serverOf(experiment.name) }] : []));
    // Nothing left: the view's message says so; this row undoes it where the runs would be.
    if (!shown.length && list.length) {
      return [{ kind: 'message', id: `clearFilter:${store.folder.uri}`, label: 'Clear the filter', icon: 'clear-all', command: { command: 'runlens.clearFilter', title: 'Clear the filter' } }];
    }
    return shown;
  }

  private async runs(store: FolderStore, experiment: ExperimentSummary): Promise<RunsNode[]> {
    const pages = this.pages.get(store.folder.uri.toString() + '#' + experiment.id) ?? 1;
    const statuses = this.options.showFailed ? undefined : NOT_FAILED;
    const runs = await store.client.api.runs({
      experimentId: experiment.id, sort: this.options.sort, limit: pages * PAGE_SIZE + 1,
      includeDeleted: this.options.showDeleted, statuses, filter: this.options.filter || undefined,
    });
    const more = runs.length > pages * PAGE_SIZE;
    const page = runs.slice(0, pages * PAGE_SIZE);
    const varying = varyingKeys(page);
    // Nested runs (MLflow parent/child) hang under their parent when both are on the page.
    const byUid = new Map(page.map((r) => [r.uid, r]));
    const children = new Map<string, RunSummary[]>();
    for (const r of page) {
      if (r.parentUid && byUid.has(r.parentUid)) {
        const list = children.get(r.parentUid) ?? [];
        list.push(r);
        children.set(r.parentUid, list);
      }
    }
    // Runs of a tracking server have "Open in MLflow" (their uid holds the server's key: core/mlflow/apply.ts).
    const servers = new Set((await store.client.api.servers().catch(() => [] as ServerStatus[])).map((s) => `mlflow-${storeKey(s.uri)}-`));
    const fromServer = (r: RunSummary) => servers.has(r.uid.slice(0, 16));
    const nodes: RunsNode[] = page
      .filter((r) => !(r.parentUid && byUid.has(r.parentUid)))
      .map((run) => ({ kind: 'run', store, run, varying, nested: children, fromServer: fromServer(run) }));
    if (more) nodes.push({ kind: 'more', store, experiment, offset: page.length });
    if (!nodes.length && this.options.filter) nodes.push({ kind: 'message', id: `nomatch:${store.folder.uri}#${experiment.id}`, label: 'No run matches the filter' });
    return nodes;
  }

  private async details(node: RunsNode & { kind: 'group' }): Promise<RunsNode[]> {
    const id = `${node.store.folder.uri}#${node.run.uid}#${node.group}`;
    if (node.group === 'params') {
      return Object.entries(node.run.params).sort(([a], [b]) => a.localeCompare(b))
        .map(([k, v]) => ({ kind: 'leaf', id: `${id}#${k}`, label: k, description: v, tooltip: `${k} = ${v}` }));
    }
    if (node.group === 'metrics') {
      return Object.values(node.run.metrics).sort((a, b) => a.key.localeCompare(b.key)).map((m) => ({
        kind: 'leaf', id: `${id}#${m.key}`, label: m.key,
        description: formatMetric(m.last) + (m.min !== null && m.max !== null && m.min !== m.max ? `  (min ${formatMetric(m.min)}, max ${formatMetric(m.max)})` : '') + `  · step ${m.lastStep}`,
      }));
    }
    const detail = await node.store.client.api.run(node.run.uid);
    return Object.entries(detail?.tags ?? {}).sort(([a], [b]) => a.localeCompare(b))
      .map(([k, v]) => ({ kind: 'leaf', id: `${id}#${k}`, label: k === 'mlflow.note.content' ? 'note' : k, description: v.split('\n')[0], tooltip: v }));
  }

  getTreeItem(node: RunsNode): vscode.TreeItem {
    switch (node.kind) {
      case 'folder': {
        const item = new vscode.TreeItem(node.store.folder.name, vscode.TreeItemCollapsibleState.Expanded);
        item.id = `folder:${node.store.folder.uri}`;
        item.iconPath = vscode.ThemeIcon.Folder;
        return item;
      }
      case 'experiment': {
        const e = node.experiment;
        const item = new vscode.TreeItem(e.name, vscode.TreeItemCollapsibleState.Collapsed);
        item.id = `exp:${node.store.folder.uri}#${e.id}`;
        // An imported Optuna study counts trials, its runs.
        const noun = e.study ? 'trial' : 'run';
        const runs = node.matching !== undefined ? `${node.matching} of ${e.runs} ${noun}s match` : `${e.runs} ${noun}${e.runs === 1 ? '' : 's'}`;
        const notice = node.server && serverNotice(node.server);
        item.description = `${runs}${e.running ? ` · ${e.running} running` : ''}${e.study ? ' · Optuna study' : ''}${e.deleted ? ' · deleted' : ''}${notice ? ` · ${notice}` : ''}`;
        item.iconPath = notice ? new vscode.ThemeIcon('cloud-offline', new vscode.ThemeColor('list.warningForeground')) : new vscode.ThemeIcon(e.study ? 'graph-scatter' : 'beaker');
        if (notice && node.server) {
          item.tooltip = `${e.name}: its runs from ${node.server.uri} are shown as they were ${node.server.lastSync ? `at the last sync (${formatSyncTime(node.server.lastSync)})` : 'never synced'}.${node.server.message ? `\n\n${node.server.message}` : ''}`;
        } else if (e.study) {
          item.tooltip = `Optuna study ${e.name} (${e.study.directions.join(', ') || 'no direction recorded'}), from ${e.study.storage}`;
        }
        item.contextValue = 'experiment';
        return item;
      }
      case 'run': return this.runItem(node);
      case 'group': {
        const count = node.group === 'params' ? Object.keys(node.run.params).length : node.group === 'metrics' ? Object.keys(node.run.metrics).length : undefined;
        const item = new vscode.TreeItem(node.group === 'params' ? 'Parameters' : node.group === 'metrics' ? 'Metrics' : 'Tags and note', vscode.TreeItemCollapsibleState.Collapsed);
        item.id = `${node.store.folder.uri}#${node.run.uid}#${node.group}`;
        if (count !== undefined) item.description = String(count);
        item.iconPath = new vscode.ThemeIcon(node.group === 'params' ? 'symbol-parameter' : node.group === 'metrics' ? 'graph-line' : 'tag');
        return item;
      }
      case 'leaf': {
        const item = new vscode.TreeItem(node.label, vscode.TreeItemCollapsibleState.None);
        item.id = node.id;
        item.description = node.description;
        item.tooltip = node.tooltip;
        item.contextValue = 'value';
        return item;
      }
      case 'more': {
        const item = new vscode.TreeItem(`Show ${PAGE_SIZE} more runs…`, vscode.TreeItemCollapsibleState.None);
        item.id = `more:${node.store.folder.uri}#${node.experiment.id}#${node.offset}`;
        item.iconPath = new vscode.ThemeIcon('ellipsis');
        item.command = { command: 'runlens.showMoreRuns', title: 'Show more runs', arguments: [node] };
        return item;
      }
      case 'message': {
        const item = new vscode.TreeItem(node.label, vscode.TreeItemCollapsibleState.None);
        item.id = node.id;
        if (node.icon) item.iconPath = new vscode.ThemeIcon(node.icon);
        item.command = node.command;
        return item;
      }
    }
  }

  private runItem(node: RunsNode & { kind: 'run' }): vscode.TreeItem {
    const r = node.run;
    const item = new vscode.TreeItem(runLabel(r, node.varying), vscode.TreeItemCollapsibleState.Collapsed);
    item.id = `run:${node.store.folder.uri}#${r.uid}`;
    const metricKey = keyMetricOf(r, keyMetricSettings(node.store.folder.uri));
    // Value first, as in "4 runs": where the row is cut at the side bar's edge, the name goes first.
    const metric = metricKey ? `${formatMetric(r.metrics[metricKey].last)} ${metricKey}` : '';
    const abandoned = this.looksAbandoned(node.store, r);
    // The status is the icon (and the tooltip's first line): the row's width goes to the key metric.
    item.description = [metric, formatAge(r.startTime)].filter(Boolean).join(' · ');
    item.iconPath = r.deleted ? new vscode.ThemeIcon('trash') : abandoned ? new vscode.ThemeIcon('question', new vscode.ThemeColor('list.warningForeground')) : STATUS_ICON[r.status];
    item.contextValue = `run.${r.status}${r.deleted ? '.deleted' : ''}${node.fromServer ? '.server' : ''}`;
    const status = abandoned ? `running? no update for ${formatAge(r.lastUpdate).replace(' ago', '')}, looks abandoned` : STATUS_LABEL[r.status];
    const md = new vscode.MarkdownString(undefined, true);
    md.supportHtml = false;
    md.appendMarkdown(`**${escapeMd(r.name ?? r.uid)}** · ${escapeMd(status)}${r.deleted ? ' · deleted' : ''}\n\n`);
    const rows = [
      ...Object.entries(r.params).map(([k, v]) => `| ${escapeMd(k)} | ${escapeMd(v)} |`),
      ...Object.values(r.metrics).map((m) => `| ${escapeMd(m.key)} | ${formatMetric(m.last)} |`),
    ];
    if (rows.length) md.appendMarkdown(`| | |\n|---|---|\n${rows.join('\n')}\n`);
    md.appendMarkdown(`\n\nrun ${escapeMd(r.uid)}`);
    item.tooltip = md;
    // A screen reader hears what the icon shows: the status comes right after the name.
    item.accessibilityInformation = { label: [item.label, status, r.deleted ? 'deleted' : '', item.description].filter(Boolean).join(', ') as string };
    item.command = { command: 'runlens.openRunDetails', title: 'Open Details', arguments: [node] };
    return item;
  }

  /**
   * MLflow never ends a run whose process died: such a run stays RUNNING. Shown as MLflow says,
   * with a hint once it has not changed for `runlens.mlflow.abandonedAfterHours`.
   */
  private looksAbandoned(store: FolderStore, r: RunSummary): boolean {
    if (r.status !== 'running' || !r.uid.startsWith('mlflow-')) return false;
    const hours = setting('mlflow.abandonedAfterHours', store.folder.uri);
    return Date.now() - (r.lastUpdate ?? r.startTime ?? 0) > hours * 3_600_000;
  }

  dispose(): void {
    if (this.pendingFire) clearTimeout(this.pendingFire);
    this.emitter.dispose();
  }
}
