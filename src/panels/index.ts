import * as vscode from 'vscode';
import type { FolderStore, FolderStores } from '../store/folderStores';
import type { RunsNode } from '../runs/tree';
import type { ExperimentSummary } from '../core/store/types';
import { formatMetric, shortId } from '../core/runs/format';
import { keyMetricOf } from '../core/runs/keyMetric';
import { keyMetricSettings } from '../settings';
import { DetailsPanel } from './details';
import { ComparePanel, type RunRef } from './compare';
import { RunsTablePanel } from './table';
import type { PanelContext, PanelProbe } from './panel';

/** What RunLensApi exposes of the panels: only for the integration tests to look at. */
export interface PanelsApi {
  /** The open panels, oldest first. */
  open(): PanelProbe[];
}

type RunNode = RunsNode & { kind: 'run' };
type ExperimentNode = RunsNode & { kind: 'experiment' };

/**
 * The editor panels: run details, comparison, and the runs table, with their commands.
 * One details panel and one comparison, each showing what was opened last; one table per
 * experiment (opening it again reveals it).
 */
export function registerPanels(context: vscode.ExtensionContext, stores: FolderStores, log: vscode.LogOutputChannel): PanelsApi {
  const ctx: PanelContext = { extensionUri: context.extensionUri, log };
  const tables = new Map<string, RunsTablePanel>();
  let details: DetailsPanel | undefined;
  let comparison: ComparePanel | undefined;
  const all = () => [...(details ? [details] : []), ...(comparison ? [comparison] : []), ...tables.values()];
  context.subscriptions.push({ dispose: () => { for (const p of all()) p.dispose(); } });

  const openDetails = (store: FolderStore, uid: string) => {
    if (details) { details.show(store, uid); return; }
    details = new DetailsPanel(store, uid, ctx);
    details.onDidDispose(() => { details = undefined; });
  };
  const compare = (refs: RunRef[]) => {
    if (!comparison) {
      comparison = new ComparePanel(ctx);
      comparison.onDidDispose(() => { comparison = undefined; });
    }
    comparison.show(refs);
  };
  const openTable = (store: FolderStore, experiment: ExperimentSummary) => {
    const key = RunsTablePanel.key(store, experiment.id);
    const open = tables.get(key);
    if (open) { open.reveal(); return; }
    const panel = new RunsTablePanel(store, experiment, ctx, compare);
    tables.set(key, panel);
    panel.onDidDispose(() => tables.delete(key));
  };

  const reg = (id: string, fn: (...args: never[]) => unknown) => context.subscriptions.push(vscode.commands.registerCommand(id, fn));
  reg('runlens.openRunDetails', (node?: RunNode) => { if (node?.kind === 'run') openDetails(node.store, node.run.uid); });
  reg('runlens.openRunById', async (folderIndex: number, uid: string) => {
    const folder = vscode.workspace.workspaceFolders?.[folderIndex];
    const store = folder && await stores.get(folder);
    if (store) openDetails(store, uid);
  });
  reg('runlens.compareRuns', async (node?: RunsNode, selected?: readonly RunsNode[]) => {
    // From the tree: the selected runs (VS Code passes the clicked node and the whole selection).
    const picked = (selected?.length ? selected : node ? [node] : []).filter((n): n is RunNode => n?.kind === 'run');
    const refs = picked.length > 1 ? picked.map((n) => ({ store: n.store, uid: n.run.uid })) : await pickRuns(stores, picked[0]);
    if (refs?.length) compare(refs);
  });
  reg('runlens.openRunsTable', async (node?: ExperimentNode) => {
    const target = node?.kind === 'experiment' ? { store: node.store, experiment: node.experiment } : await pickExperiment(stores);
    if (target) openTable(target.store, target.experiment);
  });
  return { open: () => all() };
}

/** The palette's way to compare: the newest runs of every folder, pick any number. */
async function pickRuns(stores: FolderStores, preselected?: RunNode): Promise<RunRef[] | undefined> {
  type Item = vscode.QuickPickItem & { ref: RunRef };
  const items: Item[] = [];
  for (const store of await stores.all()) {
    const settings = keyMetricSettings(store.folder.uri);
    for (const r of await store.client.api.runs({ limit: 1000 })) {
      const metric = keyMetricOf(r, settings);
      items.push({
        label: r.name ?? shortId(r.uid),
        description: [r.experiment, metric ? `${metric} ${formatMetric(r.metrics[metric].last)}` : '', r.status === 'finished' ? '' : r.status].filter(Boolean).join(' · '),
        detail: Object.entries(r.params).map(([k, v]) => `${k}=${v}`).join(', '),
        picked: preselected?.store === store && preselected.run.uid === r.uid,
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
