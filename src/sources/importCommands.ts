import * as path from 'node:path';
import * as vscode from 'vscode';
import { detectSources, sourceKindOf, type DetectedSource } from '../core/sources/detect';
import type { SourceKind } from '../core/sources/source';
import { readerFor } from '../core/sources/readers';
import { SourcePolicy } from '../core/store/sourcePolicy';
import type { FolderStore, FolderStores } from '../store/folderStores';
import type { CommandSpec } from '../commands';

/** One family of sources a person imports: MLflow's stores, Optuna's storages. */
export interface SourceFamily {
  /** The command that imports one on demand (`runlens.importMlflow`). */
  command: string;
  kinds: readonly SourceKind[];
  /** What its sources hold: `runs`, `trials`. */
  runs: string;
  /** `MLflow runs`, `Optuna studies`: what the person is offered. */
  offering: string;
  /** Whether to offer what is found (`ask`), import it (`always`) or not (`never`), and more sources the settings name. */
  settings(folder: vscode.Uri): { autoImport: 'ask' | 'always' | 'never'; extra: Promise<DetectedSource[]> };
  /** The person answered "Always Import". */
  alwaysImport(folder: vscode.Uri): Thenable<void>;
  /** The quick pick's description of a source, and its last item's label and the open dialog's filters. */
  describe(kind: SourceKind): string;
  choose: { label: string; folders: boolean; filters?: Record<string, string[]> };
}

/**
 * Sources already in the workspace: found when a folder's store opens, offered for import (or
 * imported, per each family's `autoImport` setting), then followed by the store itself.
 *
 * A source outside the folder is read only when the person allowed it (SourcePolicy decides; the
 * list is in the global state): by importing it with a command, or by answering a prompt, which
 * only a trusted workspace shows. Neither a setting of the workspace nor its journal is enough.
 */
export function sourceImports(stores: FolderStores, log: vscode.LogOutputChannel, families: SourceFamily[]): { commands: CommandSpec[]; listener: vscode.Disposable } {
  const offered = new Set<string>();
  /** Sources named by a workspace's files that the person was asked about (or told of) in this session. */
  const asked = new Set<string>();
  const policyOf = (store: FolderStore) => new SourcePolicy(store.folder.uri.fsPath, stores.allowedSources);
  const familyOf = (kind: SourceKind) => families.find((f) => f.kinds.includes(kind))!;

  /** The person chose to follow a source outside the folder: remembered on this machine, for this folder. */
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
          : `The RunLens files of ${store.folder.name} name an ${readerFor(r.kind).noun} outside the folder: ${r.path}. Follow it? RunLens would copy its ${familyOf(r.kind).runs}, their parameters included, into this workspace's store.`, follow, 'Not Now');
      if (answer === follow) await allow(store, r.path);
    }
  }

  async function candidates(store: FolderStore, family: SourceFamily, extra: Promise<DetectedSource[]>): Promise<DetectedSource[]> {
    const found = (await detectSources(store.folder.uri.fsPath)).filter((d) => family.kinds.includes(d.kind));
    for (const d of await extra) if (!found.some((f) => f.path === d.path)) found.push(d);
    const known = await store.client.api.sources();
    return found.filter((d) => !known[d.path]);
  }

  async function importInto(store: FolderStore, targets: DetectedSource[]): Promise<void> {
    await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: 'RunLens: importing' }, async (progress) => {
      for (const t of targets) {
        const rel = path.relative(store.folder.uri.fsPath, t.path) || t.path;
        const family = familyOf(t.kind);
        progress.report({ message: rel });
        // Every caller has the person's word for the targets: a command they ran, or a prompt they answered.
        if (!policyOf(store).mayFollow(t.path)) await allow(store, t.path);
        const r = await store.client.api.importSource(t.kind, t.path);
        log.info(`Imported ${r.runs} ${family.runs} from ${t.path}${r.problems.length ? ` (${r.problems.length} problems)` : ''}`);
        const msg = `RunLens imported ${r.runs} ${family.offering.split(' ')[0]} ${family.runs} from ${rel} and follows it for new ones.${r.problems.length ? ` ${r.problems.length} entries could not be read (see the output).` : ''}`;
        void vscode.window.showInformationMessage(msg, ...(r.problems.length ? ['Show Output'] : [])).then((a) => { if (a) log.show(); });
      }
    });
  }

  async function offer(store: FolderStore, family: SourceFamily): Promise<void> {
    const key = `${store.folder.uri.toString()}\0${family.command}`;
    if (offered.has(key)) return;
    offered.add(key);
    const settings = family.settings(store.folder.uri);
    if (settings.autoImport === 'never') return;
    const all = await candidates(store, family, settings.extra);
    const policy = policyOf(store);
    const found = all.filter((d) => policy.mayFollow(d.path));
    // A source elsewhere on the machine (named by a setting, a link): never on a workspace setting's word alone.
    const outside = vscode.workspace.isTrusted ? all.filter((d) => !policy.mayFollow(d.path)) : [];
    if (outside.length) {
      const names = outside.map((f) => f.path).join(', ');
      const answer = await vscode.window.showInformationMessage(
        `RunLens found ${family.offering} outside the folder ${store.folder.name}, in ${names}. Import them into this workspace's store (their parameters included) and follow them?`, 'Import', 'Not Now');
      if (answer === 'Import') await importInto(store, outside);
    }
    if (!found.length) return;
    if (settings.autoImport === 'always') { await importInto(store, found); return; }
    const names = found.map((f) => path.relative(store.folder.uri.fsPath, f.path) || f.path).join(', ');
    const answer = await vscode.window.showInformationMessage(
      `RunLens found ${family.offering} in ${names}. Import them, so they count when RunLens checks what already ran?`, 'Import', 'Always Import', 'Not Now');
    if (answer === 'Always Import') await family.alwaysImport(store.folder.uri);
    if (answer === 'Import' || answer === 'Always Import') await importInto(store, found);
  }

  /** The command of a family: a source of the workspace picked, or one chosen on disk. */
  function importCommand(family: SourceFamily): CommandSpec {
    return {
      id: family.command,
      run: async (target?: vscode.Uri) => {
        const folders = stores.folders();
        if (!folders.length) { void vscode.window.showInformationMessage('RunLens: open a folder first.'); return; }
        let picked: DetectedSource | undefined;
        if (target) {
          const kind = await sourceKindOf(target.fsPath);
          if (!kind || !family.kinds.includes(kind)) { void vscode.window.showWarningMessage(`RunLens: ${target.fsPath} is not one of the ${family.offering} RunLens reads.`); return; }
          picked = { path: target.fsPath, kind };
        } else {
          const found = (await Promise.all(folders.map(async (f) => (await detectSources(f.uri.fsPath)).filter((d) => family.kinds.includes(d.kind)).map((d) => ({ d, f }))))).flat();
          const items: (vscode.QuickPickItem & { source?: DetectedSource })[] = found.map(({ d, f }) => ({
            label: path.relative(f.uri.fsPath, d.path) || d.path, description: family.describe(d.kind), source: d,
          }));
          items.push({ label: `$(folder-opened) ${family.choose.label}` });
          const choice = await vscode.window.showQuickPick(items, { placeHolder: `Import which of the ${family.offering}?` });
          if (!choice) return;
          picked = choice.source;
          if (!picked) {
            const uri = (await vscode.window.showOpenDialog({ canSelectFiles: true, canSelectFolders: family.choose.folders, canSelectMany: false, openLabel: 'Import', filters: family.choose.filters }))?.[0];
            const kind = uri && await sourceKindOf(uri.fsPath);
            if (uri && (!kind || !family.kinds.includes(kind))) { void vscode.window.showWarningMessage(`RunLens: ${uri.fsPath} is not one of the ${family.offering} RunLens reads.`); return; }
            if (uri && kind) picked = { path: uri.fsPath, kind };
          }
        }
        if (!picked) return;
        const store = (await stores.forUri(vscode.Uri.file(picked.path))) ?? (await stores.get(folders[0]));
        if (!store) return;
        await importInto(store, [picked]);
      },
    };
  }

  const askAll = async () => { for (const s of await stores.all()) await askAboutRefused(s); };
  const listener = vscode.Disposable.from(
    stores.onDidChange((s) => {
      if (!s) return;
      void (async () => { for (const f of families) await offer(s, f); })().catch((e: Error) => log.error(`Looking for sources to import failed: ${e.message}`));
      void askAboutRefused(s).catch((e: Error) => log.error(`Checking the workspace's sources failed: ${e.message}`));
    }),
    vscode.workspace.onDidGrantWorkspaceTrust(() => void askAll().catch((e: Error) => log.error(`Checking the workspace's sources failed: ${e.message}`))),
  );
  return { commands: families.map(importCommand), listener };
}
