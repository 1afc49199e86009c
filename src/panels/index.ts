import * as vscode from 'vscode';
import type { FolderStore, FolderStores } from '../store/folderStores';
import type { RunsNode } from '../runs/tree';
import type { ExperimentSummary } from '../core/store/types';
import { formatMetric, shortId } from '../core/runs/format';
import { keyMetricOf } from '../core/runs/keyMetric';
import { keyMetricSettings } from '../settings';
import { DetailsPanel } from './details';
import { ComparePanel } from './compare';
import { runsFromArgs, storeOf, type OpenRun } from '../runs/ref';
import type { CommandSpec } from '../commands';
import { RunsTablePanel } from './table';
import type { PanelContext, PanelProbe } from './panel';
import type { PanelMemento } from '../webview/protocol';
import { chartOptions, type ChartOptions } from '../core/charts/lines';

/** What RunLensApi exposes of the panels: only for the integration tests to look at. */
export interface PanelsApi {
  /** The open panels, oldest first. */
  open(): PanelProbe[];
}

type ExperimentNode = RunsNode & { kind: 'experiment' };

/**
 * The editor panels: run details, comparison, and the runs table, with their commands.
 * One details panel and one comparison, each showing what was opened last; one table per
 * experiment (opening it again reveals it).
 */
export function registerPanels(context: vscode.ExtensionContext, stores: FolderStores, log: vscode.LogOutputChannel): { api: PanelsApi; commands: CommandSpec[]; dispose(): void } {
  const ctx: PanelContext = { extensionUri: context.extensionUri, log, workspaceState: context.workspaceState };
  const tables = new Map<string, RunsTablePanel>();
  let details: DetailsPanel | undefined;
  let comparison: ComparePanel | undefined;
  const all = () => [...(details ? [details] : []), ...(comparison ? [comparison] : []), ...tables.values()];

  const openDetails = (store: FolderStore, uid: string, revived?: vscode.WebviewPanel, charts?: ChartOptions) => {
    if (details) { details.show(store, uid); return; }
    details = new DetailsPanel(store, uid, ctx, revived, charts);
    details.onDidDispose(() => { details = undefined; });
  };
  const compare = (refs: OpenRun[], revived?: vscode.WebviewPanel, charts?: ChartOptions) => {
    if (!comparison) {
      comparison = new ComparePanel(ctx, revived, charts);
      comparison.onDidDispose(() => { comparison = undefined; });
    }
    comparison.show(refs);
  };
  const openTable = (store: FolderStore, experiment: ExperimentSummary, revived?: vscode.WebviewPanel) => {
    const key = RunsTablePanel.key(store, experiment.id);
    const open = tables.get(key);
    if (open) { open.reveal(); revived?.dispose(); return; }
    const panel = new RunsTablePanel(store, experiment, ctx, compare, revived);
    tables.set(key, panel);
    panel.onDidDispose(() => tables.delete(key));
  };

  // After a window reload VS Code brings back the panels that were open, with what each showed
  // (PanelMemento, kept with its page): each comes back as it was, or says why it cannot.
  const restore = async (panel: vscode.WebviewPanel, state: unknown) => {
    const memento = (state as { memento?: PanelMemento } | undefined)?.memento;
    try {
      if (memento?.kind === 'details') {
        const [run] = await runsFromArgs(stores, { folder: memento.folder, uid: memento.uid });
        if (run && await run.store.client.api.run(run.uid)) return openDetails(run.store, run.uid, panel, chartOptions(memento.charts));
      } else if (memento?.kind === 'compare') {
        const runs = await runsFromArgs(stores, memento.runs);
        if (runs.length) return compare(runs, panel, chartOptions(memento.charts));
      } else if (memento?.kind === 'table') {
        const store = await storeOf(stores, memento.folder);
        const experiment = (await store.client.api.experiments()).find((e) => e.id === memento.experimentId);
        if (experiment) return openTable(store, experiment, panel);
      }
    } catch (e) {
      log.warn(`A RunLens panel could not be restored: ${(e as Error).message}`);
    }
    panel.dispose(); // what it showed is gone (a deleted folder, a rebuilt store): no empty tab
  };
  const serializers = (['details', 'compare', 'table'] as const).map((kind) =>
    vscode.window.registerWebviewPanelSerializer(`runlens.${kind}`, { deserializeWebviewPanel: restore }));

  const commands: CommandSpec[] = [
    {
      id: 'runlens.openRunDetails',
      run: async (run?: unknown) => {
        const [open] = await runsFromArgs(stores, run);
        if (open) openDetails(open.store, open.uid);
      },
    },
    {
      id: 'runlens.compareRuns',
      run: async (clicked?: unknown, selected?: unknown) => {
        // From the tree: the selected runs (VS Code passes the clicked node and the whole selection); else RunRefs.
        const picked = await runsFromArgs(stores, clicked, selected);
        const refs = picked.length > 1 ? picked : await pickRuns(stores, picked[0]);
        if (refs?.length) compare(refs);
      },
    },
    {
      id: 'runlens.openRunsTable',
      run: async (node?: ExperimentNode) => {
        const target = node?.kind === 'experiment' ? { store: node.store, experiment: node.experiment } : await pickExperiment(stores);
        if (target) openTable(target.store, target.experiment);
      },
    },
  ];
  return { api: { open: () => all() }, commands, dispose: () => { for (const p of all()) p.dispose(); for (const s of serializers) s.dispose(); } };
}

/** The palette's way to compare: the newest runs of every folder, pick any number. */
async function pickRuns(stores: FolderStores, preselected?: OpenRun): Promise<OpenRun[] | undefined> {
  type Item = vscode.QuickPickItem & { ref: OpenRun };
  const items: Item[] = [];
  for (const store of await stores.all()) {
    const settings = keyMetricSettings(store.folder.uri);
    for (const r of await store.client.api.runs({ limit: 1000 })) {
      const metric = keyMetricOf(r, settings);
      items.push({
        label: r.name ?? shortId(r.uid),
        description: [r.experiment, metric ? `${metric} ${formatMetric(r.metrics[metric].last)}` : '', r.status === 'finished' ? '' : r.status].filter(Boolean).join(' · '),
        detail: Object.entries(r.params).map(([k, v]) => `${k}=${v}`).join(', '),
        picked: preselected?.store === store && preselected.uid === r.uid,
        ref: { store, uid: r.uid },
      });
    }
  }
  if (!items.length) { void vscode.window.showInformationMessage('RunLens: there are no runs to compare yet.'); return undefined; }
  const picked = await vscode.window.showQuickPick(items, { canPickMany: true, matchOnDescription: true, matchOnDetail: true, placeHolder: 'Pick the runs to compare (the 1,000 newest of each folder)' });
  return picked?.map((p) => p.ref);
}

async function pickExperiment(stores: FolderStores): Promise<{ store: FolderStore; experiment: ExperimentSummary } | undefined> {
  const all = await stores.all();
  const items = (await Promise.all(all.map(async (store) => (await store.client.api.experiments()).filter((e) => e.runs > 0).map((experiment) => ({
    label: experiment.name, description: `${experiment.runs} run${experiment.runs === 1 ? '' : 's'}${all.length > 1 ? ` · ${store.folder.name}` : ''}`, store, experiment,
  }))))).flat();
  if (!items.length) { void vscode.window.showInformationMessage('RunLens: there are no runs yet.'); return undefined; }
  if (items.length === 1) return items[0];
  return vscode.window.showQuickPick(items, { placeHolder: 'Open the runs table of which experiment?' });
}
