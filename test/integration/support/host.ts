// Helpers for tests that run inside the extension host (test/integration/*.test.ts).
import * as vscode from 'vscode';
import type { RunLensApi } from '../../../src/extension';

export const EXTENSION_ID = 'runlens.runlens';

/** Polls `probe` until it returns something truthy; fails with `what` after `timeoutMs`. */
export async function waitFor<T>(what: string, probe: () => T | Promise<T>, timeoutMs = 15000): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export function runlensExtension(): vscode.Extension<RunLensApi> {
  const ext = vscode.extensions.getExtension<RunLensApi>(EXTENSION_ID);
  if (!ext) throw new Error(`${EXTENSION_ID} is not loaded in this extension host`);
  return ext;
}

/** The workspace folder the test run opened: a temp copy of test/fixtures/python-project. */
export function workspaceFolder(): vscode.WorkspaceFolder {
  const folder = vscode.workspace.workspaceFolders?.[0];
  if (!folder) throw new Error('the integration tests need a workspace folder (test/run-all.mjs opens one)');
  return folder;
}

/** Opens a file of the workspace folder in an editor, as a person would. */
export async function openWorkspaceFile(relativePath: string): Promise<vscode.TextEditor> {
  const doc = await vscode.workspace.openTextDocument(vscode.Uri.joinPath(workspaceFolder().uri, relativePath));
  return vscode.window.showTextDocument(doc);
}
