import * as path from 'node:path';
import * as vscode from 'vscode';
import { detectMlflowStores, type DetectedStore } from '../core/mlflow/detect';
import type { FolderStore, FolderStores } from '../store/folderStores';
import type { CommandSpec } from '../commands';
import { SourcePolicy } from '../core/store/sourcePolicy';
import { setting, updateSetting } from '../settings';

/**
 * MLflow stores already in the workspace: found when a folder's store opens, offered for import
 * (or imported, per `runlens.mlflow.autoImport`), then followed by the store itself.
 *
 * A store outside the folder is read only when the person allowed it (SourcePolicy decides; the list
 * is in the global state): by importing it with the command, or by answering a prompt, which only a
 * trusted workspace shows. Neither a setting of the workspace nor its journal is enough.
 */
export function mlflowImport(stores: FolderStores, log: vscode.LogOutputChannel): { commands: CommandSpec[]; listener: vscode.Disposable } {
  const offered = new Set<string>();
  /** Sources named by a workspace's files that the person was asked about (or told of) in this session. */
  const asked = new Set<string>();
  const policyOf = (store: FolderStore) => new SourcePolicy(store.folder.uri.fsPath, stores.allowedSources);

  /** The person chose to follow a store outside the folder: remembered on this machine, for this folder. */
  async function allow(store: FolderStore, sourcePath: string): Promise<void> {
    await stores.allowedSources.add(store.folder.uri.fsPath, sourcePath);
    await store.client.api.allowSource(sourcePath);
    log.info(`${store.folder.name} follows ${sourcePath} (outside the folder), as you allowed`);
  }

  /** Sources the workspace's journal or database names outside the folder: asked about once, in a trusted workspace only. */
  async function askAboutRefused(store: FolderStore): Promise<void> {
    for (const r of await store.client.api.refusedSources()) {
      const key = `${store.folder.uri.toString()}\0${r.path}`;
      if (asked.has(key)) continue;
      if (!vscode.workspace.isTrusted) continue; // the store reported it; asked once the workspace is trusted
      asked.add(key);
      const follow = 'Follow It';
      const answer = await vscode.window.showWarningMessage(
        r.kind === 'mlflow-server'
          ? `The RunLens files of ${store.folder.name} name an MLflow tracking server: ${r.path}. Follow it? RunLens would contact it and copy its runs, their parameters included, into this workspace's store.`
          : `The RunLens files of ${store.folder.name} name an MLflow store outside the folder: ${r.path}. Follow it? RunLens would copy its runs, their parameters included, into this workspace's store.`, follow, 'Not Now');
      if (answer === follow) await allow(store, r.path);
    }
  }

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
        // Every caller has the person's word for the targets: a command they ran, or a prompt they answered.
        if (!policyOf(store).mayFollow(t.path)) await allow(store, t.path);
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
    const all = await candidates(store);
    const policy = policyOf(store);
    const found = all.filter((d) => policy.mayFollow(d.path));
    // A store elsewhere on the machine (`mlflow.locations`, a link): never on a workspace setting's word alone.
    const outside = vscode.workspace.isTrusted ? all.filter((d) => !policy.mayFollow(d.path)) : [];
    if (outside.length) {
      const names = outside.map((f) => f.path).join(', ');
      const answer = await vscode.window.showInformationMessage(
        `RunLens found MLflow runs outside the folder ${store.folder.name}, in ${names}. Import them into this workspace's store (their parameters included) and follow them?`, 'Import', 'Not Now');
      if (answer === 'Import') await importInto(store, outside);
    }
    if (!found.length) return;
    if (mode === 'always') { await importInto(store, found); return; }
    const names = found.map((f) => path.relative(store.folder.uri.fsPath, f.path) || f.path).join(', ');
    const answer = await vscode.window.showInformationMessage(
      `RunLens found MLflow runs in ${names}. Import them, so they count when RunLens checks what already ran?`, 'Import', 'Always Import', 'Not Now');
    if (answer === 'Always Import') await updateSetting('mlflow.autoImport', 'always', vscode.ConfigurationTarget.Workspace, store.folder.uri);
    if (answer === 'Import' || answer === 'Always Import') await importInto(store, found);
  }

  const askAll = async () => { for (const s of await stores.all()) await askAboutRefused(s); };
  const listener = vscode.Disposable.from(
    stores.onDidChange((s) => {
      if (!s) return;
      void offer(s).catch((e: Error) => log.error(`Looking for MLflow stores failed: ${e.message}`));
      void askAboutRefused(s).catch((e: Error) => log.error(`Checking the workspace's MLflow sources failed: ${e.message}`));
    }),
    vscode.workspace.onDidGrantWorkspaceTrust(() => void askAll().catch((e: Error) => log.error(`Checking the workspace's MLflow sources failed: ${e.message}`))),
  );
  const commands: CommandSpec[] = [{
    id: 'runlens.importMlflow',
    run: async (target?: vscode.Uri) => {
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
    },
  }];
  return { commands, listener };
}
