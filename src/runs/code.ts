import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { FolderStores } from '../store/folderStores';
import type { CommandSpec } from '../commands';
import { codeSource } from '../core/code/source';
import { gitShow } from '../core/code/git';
import { STORE_DIR } from '../core/store/workspaceStore';
import { runLabel, shortId } from '../core/runs/format';
import { runsFromArgs, type OpenRun } from './ref';

const SCHEME = 'runlens-code';

/**
 * `RunLens: Compare Code`: the scripts two runs ran, in VS Code's diff editor, read-only. Each
 * comes from the copy the Python client kept (`.runlens/code/<sha256>`), else from the run's
 * commit (`git show`, in a trusted workspace only). The two versions are virtual documents of
 * this provider, which VS Code opens read-only.
 */
export function registerCodeDiffs(stores: FolderStores, log: vscode.LogOutputChannel, selection: () => readonly unknown[]): { commands: CommandSpec[]; dispose(): void } {
  const contents = new Map<string, string>();
  const changed = new vscode.EventEmitter<vscode.Uri>();
  const provider = vscode.workspace.registerTextDocumentContentProvider(SCHEME, {
    onDidChange: changed.event,
    provideTextDocumentContent: (uri) => contents.get(uri.query) ?? '(this version is no longer open: run Compare Code again)',
  });

  const versionOf = async (run: OpenRun): Promise<{ uri: vscode.Uri; label: string }> => {
    const detail = await run.store.client.api.run(run.uid);
    if (!detail) throw new Error(`RunLens: run ${run.uid} is not in the store (any more).`);
    const label = detail.name ?? (runLabel(detail, []) || shortId(detail.uid));
    const folder = run.store.folder.uri.fsPath;
    const source = codeSource(detail, path.join(folder, STORE_DIR), folder, (f) => fs.existsSync(f));
    let text: string;
    if (source.kind === 'none') throw new Error(`RunLens cannot show the code of ${label}: ${source.reason}.`);
    if (source.kind === 'copy') text = await fs.promises.readFile(source.file, 'utf8');
    else {
      // git reads the repository's own configuration: only where the person trusts the workspace.
      if (!vscode.workspace.isTrusted) throw new Error(`RunLens reads the code of ${label} from git (commit ${source.commit.slice(0, 12)}) only in a trusted workspace.`);
      try {
        text = await gitShow(source.commit, source.script, (m) => log.warn(m));
      } catch (e) {
        throw new Error(`RunLens cannot show the code of ${label}: ${(e as Error).message}.`);
      }
    }
    const key = `${run.store.folder.uri}#${detail.uid}`;
    contents.set(key, text);
    // The path ends with the script's name, so the diff editor colours it as Python.
    return { uri: vscode.Uri.from({ scheme: SCHEME, path: `/${shortId(detail.uid)}/${source.name}`, query: key }), label: `${label} (${source.kind === 'copy' ? shortId(detail.uid) : source.commit.slice(0, 8)})` };
  };

  const compareCode = async (clicked?: unknown, selected?: unknown) => {
    const runs = await runsFromArgs(stores, clicked, selected, selection);
    if (runs.length !== 2) {
      void vscode.window.showInformationMessage(`RunLens: Compare Code needs two runs (${runs.length} selected).`);
      return;
    }
    const [left, right] = await Promise.all(runs.map(versionOf));
    for (const v of [left, right]) changed.fire(v.uri);
    await vscode.commands.executeCommand('vscode.diff', left.uri, right.uri, `${left.label} ↔ ${right.label}`, { preview: true });
  };

  /** The lens's "code changed since": the code a run of the loop ran, beside the file as it is now. */
  const compareWithFile = async (ref?: unknown, file?: unknown) => {
    const [run] = await runsFromArgs(stores, ref);
    if (!run || !(file instanceof vscode.Uri)) return;
    const left = await versionOf(run);
    changed.fire(left.uri);
    await vscode.commands.executeCommand('vscode.diff', left.uri, file, `${left.label} ↔ ${path.basename(file.fsPath)} (now)`, { preview: true });
  };

  return {
    commands: [{ id: 'runlens.compareCode', run: compareCode }, { id: 'runlens.compareCodeWithFile', run: compareWithFile }],
    dispose: () => { provider.dispose(); changed.dispose(); contents.clear(); },
  };
}
