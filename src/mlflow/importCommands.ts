import * as path from 'node:path';
import * as vscode from 'vscode';
import { detectMlflowStores } from '../core/mlflow/detect';
import type { SourceFamily } from '../sources/importCommands';
import { setting, updateSetting } from '../settings';

/**
 * MLflow's stores as a family of sources to import (src/sources/importCommands.ts finds, offers and
 * imports them): `mlruns/` folders and `mlflow.db` files, in the folder and in `runlens.mlflow.locations`.
 */
export const MLFLOW_STORES: SourceFamily = {
  command: 'runlens.importMlflow',
  kinds: ['mlflow-file', 'mlflow-db'],
  runs: 'runs',
  offering: 'MLflow runs',
  settings(folder) {
    const locations = setting('mlflow.locations', folder).map((p) => path.resolve(folder.fsPath, p));
    return {
      autoImport: setting('mlflow.autoImport', folder),
      extra: Promise.all(locations.map((p) => detectMlflowStores(p))).then((found) => found.flat()),
    };
  },
  alwaysImport: (folder) => updateSetting('mlflow.autoImport', 'always', vscode.ConfigurationTarget.Workspace, folder),
  describe: (kind) => (kind === 'mlflow-file' ? 'MLflow file store' : 'MLflow SQLite store'),
  choose: { label: 'Choose a mlruns/ folder or a mlflow.db file…', folders: true },
};
