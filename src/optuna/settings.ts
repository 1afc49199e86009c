import * as path from 'node:path';
import type * as vscode from 'vscode';
import { sqliteUrlPath } from '../core/optuna/detect';
import { setting } from '../settings';

export interface OptunaSettings {
  /** `runlens.optuna.autoImport`: on finding a storage, offer to import it, import it, or not. */
  autoImport: 'ask' | 'always' | 'never';
  /** `runlens.optuna.storages`: storages to follow besides those found, as absolute paths. */
  storages: string[];
}

/**
 * The Optuna settings of a workspace folder, read in this one place. A storage is an `sqlite:///`
 * URL (`sqlite:///study.db` relative to the folder, `sqlite:////abs/study.db`) or a path, of an
 * SQLite storage or a journal file.
 */
export function optunaSettings(folder: vscode.Uri): OptunaSettings {
  return {
    autoImport: setting('optuna.autoImport', folder),
    storages: setting('optuna.storages', folder).filter((s) => s.trim())
      .map((s) => path.resolve(folder.fsPath, sqliteUrlPath(s) ?? s)),
  };
}
