/**
 * Artifacts in the panels, host side: a run's files listed for the page, one of them read (up to
 * a cap, inside its run's folder, never through a link) and shaped for the page, or opened in
 * VS Code and revealed in the system's file manager.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { RunDetail } from '../core/store/types';
import type { FolderStore } from '../store/folderStores';
import { STORE_DIR } from '../core/store/workspaceStore';
import { artifactFolder, checkedArtifactPath, readArtifact } from '../core/artifacts/files';
import { decodeText, imageMediaType, parseCsv, PREVIEW_CAP, prettyJson, previewBytes, previewKind } from '../core/artifacts/preview';
import type { ArtifactItem, ArtifactPreview } from '../webview/protocol';
import { formatBytes } from '../core/runs/format';

function storeDir(store: FolderStore): string {
  return path.join(store.folder.uri.fsPath, STORE_DIR);
}

/** The run's files as the page lists them, and why they cannot be read here if they cannot. */
export function artifactList(store: FolderStore, d: RunDetail): { files: ArtifactItem[]; unavailable: string | null } {
  const folder = artifactFolder(storeDir(store), d);
  return {
    files: d.artifacts.map((a) => ({ path: a.path, size: a.size, kind: previewKind(a.path, a.mediaType) })),
    unavailable: d.artifacts.length && !folder.dir ? folder.why ?? null : null,
  };
}

/** One artifact shaped for the page (never throws: what cannot be shown says why). */
export function artifactPreview(store: FolderStore, d: RunDetail, rel: string): ArtifactPreview {
  const listed = d.artifacts.find((a) => a.path === rel);
  const size = listed?.size ?? 0;
  const folder = artifactFolder(storeDir(store), d);
  if (!listed) return { path: rel, size, kind: 'none', reason: 'The run has no such artifact.' };
  if (!folder.dir) return { path: rel, size, kind: 'none', reason: `Not on this machine: ${folder.why}.` };
  const kind = previewKind(rel, listed.mediaType);
  if (kind === 'none') return { path: rel, size, kind, reason: 'No preview for this kind of file.' };
  if (kind === 'image' && size > PREVIEW_CAP.image) {
    return { path: rel, size, kind: 'none', reason: `Too large to show inline (${formatBytes(size)}; images up to ${formatBytes(PREVIEW_CAP.image)}).` };
  }
  let read;
  try {
    read = readArtifact(folder.dir, rel, previewBytes(kind));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return { path: rel, size, kind: 'none', reason: code === 'ENOENT' ? 'The file is no longer there.' : `It cannot be read: ${(e as Error).message}` };
  }
  if (kind === 'image') {
    return { path: rel, size: read.size, kind, src: `data:${imageMediaType(rel)};base64,${read.bytes.toString('base64')}` };
  }
  const text = decodeText(read.bytes, read.truncated);
  if (text === undefined) return { path: rel, size: read.size, kind: 'none', reason: 'It is not text (UTF-8).' };
  if (kind === 'csv') {
    const { rows, truncated } = parseCsv(text, PREVIEW_CAP.rows, rel.toLowerCase().endsWith('.tsv') ? '\t' : ',', !read.truncated);
    return { path: rel, size: read.size, kind, rows, truncated };
  }
  return { path: rel, size: read.size, kind, text: kind === 'json' && !read.truncated ? prettyJson(text) : text, truncated: read.truncated };
}

/** Opens the artifact in an editor (VS Code offers to open what it cannot show as text). */
export async function openArtifact(store: FolderStore, d: RunDetail, rel: string): Promise<void> {
  await vscode.commands.executeCommand('vscode.open', artifactUri(store, d, rel), { preview: true, viewColumn: vscode.ViewColumn.Beside });
}

export async function revealArtifact(store: FolderStore, d: RunDetail, rel: string): Promise<void> {
  await vscode.commands.executeCommand('revealFileInOS', artifactUri(store, d, rel));
}

function artifactUri(store: FolderStore, d: RunDetail, rel: string): vscode.Uri {
  if (!d.artifacts.some((a) => a.path === rel)) throw new Error(`run ${d.uid} has no artifact ${rel}`);
  const folder = artifactFolder(storeDir(store), d);
  if (!folder.dir) throw new Error(`the artifacts of this run are not on this machine: ${folder.why}`);
  return vscode.Uri.file(checkedArtifactPath(folder.dir, rel));
}
