import * as path from 'node:path';
import * as vscode from 'vscode';
import { detectMlflowStores, type DetectedStore } from '../core/mlflow/detect';
import type { FolderStore, FolderStores } from '../store/folderStores';
import { setting, updateSetting } from '../settings';

/**
 * MLflow stores already in the workspace: found when a folder's store opens, offered for import
 * (or imported, per `runlens.mlflow.autoImport`), then followed by the store itself.
 */
export function registerMlflowImport(context: vscode.ExtensionContext, stores: FolderStores, log: vscode.LogOutputChannel): void {
  const offered = new Set<string>();

  async function candidates(store: FolderStore): Promise<DetectedStore[]> {
    const extra = setting('mlflow.locations', store.folder.uri).map((p) => path.resolve(store.folder.uri.fsPath, p));
    const found = await detectMlflowStores(store.folder.uri.fsPath);
    for (const p of extra) for (const d of await detectMlflowStores(p)) found.push(d);
    const known = await store.client.api.sources();
    return found.filter((d) => !known[d.path]);
  }

  async function importInto(store: FolderStore, targets: DetectedStore[]): Promise<void> {
    await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: 'RunLens: importing MLflow runs' }, async (progress) => {
      for (const t of targets) {
        const rel = path.relative(store.folder.uri.fsPath, t.path) || t.path;
        progress.report({ message: rel });
        const r = await store.client.api.importSource(t.kind, t.path);
        log.info(`Imported ${r.runs} runs from ${t.path}${r.problems.length ? ` (${r.problems.length} problems)` : ''}`);
        const msg = `RunLens imported ${r.runs} MLflow runs from ${rel} and follows it for new runs.${r.problems.length ? ` ${r.problems.length} entries could not be read (see the output).` : ''}`;
        void vscode.window.showInformationMessage(msg, ...(r.problems.length ? ['Show Output'] : [])).then((a) => { if (a) log.show(); });
      }
    });
  }

  async function offer(store: FolderStore): Promise<void> {
    const key = store.folder.uri.toString();
    if (offered.has(key)) return;
    offered.add(key);
    const mode = setting('mlflow.autoImport', store.folder.uri);
    if (mode === 'never') return;
    const found = await candidates(store);
    if (!found.length) return;
    if (mode === 'always') { await importInto(store, found); return; }
    const names = found.map((f) => path.relative(store.folder.uri.fsPath, f.path) || f.path).join(', ');
    const answer = await vscode.window.showInformationMessage(
      `RunLens found MLflow runs in ${names}. Import them, so they count when RunLens checks what already ran?`, 'Import', 'Always Import', 'Not Now');
    if (answer === 'Always Import') await updateSetting('mlflow.autoImport', 'always', vscode.ConfigurationTarget.Workspace, store.folder.uri);
    if (answer === 'Import' || answer === 'Always Import') await importInto(store, found);
  }

  context.subscriptions.push(
    stores.onDidChange((s) => { if (s) void offer(s).catch((e: Error) => log.error(`Looking for MLflow stores failed: ${e.message}`)); }),
    vscode.commands.registerCommand('runlens.importMlflow', async (target?: vscode.Uri) => {
      const folders = stores.folders();
      if (!folders.length) { void vscode.window.showInformationMessage('RunLens: open a folder first.'); return; }
      let picked = target;
      if (!picked) {
        const found = (await Promise.all(folders.map(async (f) => (await detectMlflowStores(f.uri.fsPath)).map((d) => ({ d, f }))))).flat();
        const items: (vscode.QuickPickItem & { uri?: vscode.Uri })[] = found.map(({ d, f }) => ({
          label: path.relative(f.uri.fsPath, d.path) || d.path, description: d.kind === 'mlflow-file' ? 'MLflow file store' : 'MLflow SQLite store', uri: vscode.Uri.file(d.path),
        }));
        items.push({ label: '$(folder-opened) Choose a mlruns/ folder or a mlflow.db file…' });
        const choice = await vscode.window.showQuickPick(items, { placeHolder: 'Import which MLflow store?' });
        if (!choice) return;
        picked = choice.uri ?? (await vscode.window.showOpenDialog({ canSelectFiles: true, canSelectFolders: true, canSelectMany: false, openLabel: 'Import' }))?.[0];
      }
      if (!picked) return;
      const store = (await stores.forUri(picked)) ?? (await stores.get(folders[0]));
      if (!store) return;
      const stat = await vscode.workspace.fs.stat(picked);
      await importInto(store, [{ path: picked.fsPath, kind: stat.type & vscode.FileType.Directory ? 'mlflow-file' : 'mlflow-db' }]);
    }),
  );
}
