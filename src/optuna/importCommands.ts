import * as vscode from 'vscode';
import { sourceKindOf } from '../core/sources/detect';
import type { DetectedSource } from '../core/sources/detect';
import type { SourceFamily } from '../sources/importCommands';
import { updateSetting } from '../settings';
import { optunaSettings } from './settings';

/**
 * Optuna's storages as a family of sources to import (src/sources/importCommands.ts finds, offers
 * and imports them): SQLite storages and journal files in the folder, and those
 * `runlens.optuna.storages` names.
 */
export const OPTUNA_STORAGES: SourceFamily = {
  command: 'runlens.importOptuna',
  kinds: ['optuna-db', 'optuna-journal'],
  runs: 'trials',
  offering: 'Optuna studies',
  settings(folder) {
    const { autoImport, storages } = optunaSettings(folder);
    const extra = Promise.all(storages.map(async (p): Promise<DetectedSource | undefined> => {
      const kind = await sourceKindOf(p);
      return kind === 'optuna-db' || kind === 'optuna-journal' ? { path: p, kind } : undefined;
    })).then((found) => found.filter((d): d is DetectedSource => !!d));
    return { autoImport, extra };
  },
  alwaysImport: (folder) => updateSetting('optuna.autoImport', 'always', vscode.ConfigurationTarget.Workspace, folder),
  describe: (kind) => (kind === 'optuna-db' ? 'Optuna SQLite storage' : 'Optuna journal'),
  choose: { label: 'Choose an Optuna storage (an SQLite file or a journal file)…', folders: false },
};
