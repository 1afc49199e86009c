import type * as vscode from 'vscode';
import type { FolderStore } from '../store/folderStores';

/**
 * Calls `fn` when the store changes, at most once per `everyMs` (a sweep logs many times a
 * second; a panel needs to show the latest, not every step), and never two at once.
 */
export function onStoreChange(store: FolderStore, everyMs: number, fn: () => Promise<void>, onError: (e: Error) => void): vscode.Disposable {
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let last = 0;
  const fire = () => {
    timer = undefined;
    if (running) { timer = setTimeout(fire, everyMs); return; }
    last = Date.now();
    running = fn().catch(onError).finally(() => { running = undefined; });
  };
  const sub = store.client.onChange(() => {
    if (!timer) timer = setTimeout(fire, Math.max(0, everyMs - (Date.now() - last)));
  });
  return { dispose: () => { sub.dispose(); if (timer) clearTimeout(timer); } };
}
