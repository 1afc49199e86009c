import * as vscode from 'vscode';
import type { FolderStore, FolderStores } from '../store/folderStores';
import type { RunsNode } from './tree';

/**
 * A run, as commands take it: its workspace folder (the folder's URI) and its id. Serializable, so
 * a webview, a notification's button or another extension can hand one to a command; the tree's
 * nodes are turned into these at the command's door.
 */
export interface RunRef { folder: string; uid: string }

/** A run whose store is at hand. */
export interface OpenRun { store: FolderStore; uid: string }

export function refTo(run: OpenRun): RunRef {
  return { folder: run.store.folder.uri.toString(), uid: run.uid };
}

export function isRunRef(x: unknown): x is RunRef {
  return typeof x === 'object' && x !== null && typeof (x as RunRef).folder === 'string' && typeof (x as RunRef).uid === 'string';
}

function isRunNode(x: unknown): x is RunsNode & { kind: 'run' } {
  return typeof x === 'object' && x !== null && (x as RunsNode).kind === 'run';
}

/**
 * The runs a command acts on, from its arguments: VS Code passes a tree command the clicked node
 * and the whole selection; anything else passes a RunRef or a list of them. With none, `fallback`
 * (the tree's selection) decides.
 */
export async function runsFromArgs(stores: FolderStores, clicked: unknown, selected?: unknown, fallback: () => readonly unknown[] = () => []): Promise<OpenRun[]> {
  const list: unknown[] = Array.isArray(selected) && selected.length ? selected : clicked !== undefined && clicked !== null ? (Array.isArray(clicked) ? clicked : [clicked]) : [...fallback()];
  const out: OpenRun[] = [];
  for (const item of list) {
    if (isRunNode(item)) out.push({ store: item.store, uid: item.run.uid });
    else if (isRunRef(item)) out.push({ store: await storeOf(stores, item.folder), uid: item.uid });
  }
  return out;
}

/** The store of a workspace folder, named by its URI (as RunRefs name it). */
export async function storeOf(stores: FolderStores, folderUri: string): Promise<FolderStore> {
  const folder = vscode.workspace.workspaceFolders?.find((f) => f.uri.toString() === folderUri) ?? vscode.workspace.getWorkspaceFolder(vscode.Uri.parse(folderUri));
  if (!folder) throw new Error(`${folderUri} is not a folder of this workspace`);
  const store = await stores.get(folder);
  if (!store) throw new Error(`the store of ${folder.name} could not be opened (see the RunLens output)`);
  return store;
}
