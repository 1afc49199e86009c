/**
 * Finding the sources in a workspace folder: MLflow's `mlruns/` folders and `mlflow.db` files, and
 * Optuna's storages (SQLite files named `*.db`, `*.sqlite`, `*.sqlite3` that hold Optuna's tables;
 * journal files named `*.log`, `*.jsonl`, `*.journal` whose first line creates a study), at the top
 * or up to two folders down (where projects keep them: the root, `experiments/`, `notebooks/foo/`),
 * without descending into dependency, VCS or RunLens folders. Each candidate is checked by its
 * first bytes, so that an unrelated file that happens to share a name is not offered for import.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { isOptunaDb, isOptunaJournal, isSqlite } from '../optuna/detect';
import type { FileSourceKind } from './source';

export interface DetectedSource {
  path: string;
  kind: FileSourceKind;
}

const SKIPPED = new Set(['node_modules', '.git', '.hg', '.svn', '.runlens', '.venv', 'venv', '__pycache__', '.tox', '.mypy_cache']);
const MAX_DEPTH = 2;

/** The sources in `folder` (itself included), sorted by path. */
export async function detectSources(folder: string): Promise<DetectedSource[]> {
  const found: DetectedSource[] = [];
  if (path.basename(folder) === 'mlruns' && await isFileStore(folder)) return [{ path: folder, kind: 'mlflow-file' }];
  await visit(folder, 0, found);
  return found.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/** What kind of source a file or folder is, by what it holds (for an import the person asks for by path). */
export async function sourceKindOf(p: string): Promise<FileSourceKind | undefined> {
  const stat = await fs.stat(p).catch(() => undefined);
  if (!stat) return undefined;
  if (stat.isDirectory()) return 'mlflow-file';
  if (await isOptunaDb(p)) return 'optuna-db';
  if (await isSqlite(p)) return 'mlflow-db';
  if (await isOptunaJournal(p)) return 'optuna-journal';
  return undefined;
}

async function visit(dir: string, depth: number, found: DetectedSource[]): Promise<void> {
  let entries;
  try {
    entries = await fs.readdir(dir, { withFileTypes: true });
  } catch {
    return; // unreadable folders hold nothing we could import anyway
  }
  const below: string[] = [];
  for (const entry of entries) {
    const full = path.join(dir, entry.name);
    // Symbolic links are not followed: they may loop, or lead out of the workspace.
    if (entry.isDirectory()) {
      if (entry.name === 'mlruns') {
        if (await isFileStore(full)) found.push({ path: full, kind: 'mlflow-file' });
      } else if (depth < MAX_DEPTH && !SKIPPED.has(entry.name)) {
        below.push(full);
      }
    } else if (entry.isFile()) {
      const kind = await fileKind(entry.name, full);
      if (kind) found.push({ path: full, kind });
    }
  }
  await Promise.all(below.map(sub => visit(sub, depth + 1, found)));
}

async function fileKind(name: string, full: string): Promise<FileSourceKind | undefined> {
  if (/\.(db|sqlite3?)$/i.test(name) && await isOptunaDb(full)) return 'optuna-db';
  if (name === 'mlflow.db' && await isSqlite(full)) return 'mlflow-db';
  if (/\.(log|jsonl|journal)$/i.test(name) && await isOptunaJournal(full)) return 'optuna-journal';
  return undefined;
}

/** An `mlruns/` folder MLflow wrote has a `.trash/` folder or an experiment with a meta.yaml. */
async function isFileStore(dir: string): Promise<boolean> {
  let entries;
  try {
    entries = await fs.readdir(dir, { withFileTypes: true });
  } catch {
    return false;
  }
  if (entries.some(e => e.isDirectory() && e.name === '.trash')) return true;
  for (const entry of entries) {
    if (entry.isDirectory() && await exists(path.join(dir, entry.name, 'meta.yaml'))) return true;
  }
  return false;
}

async function exists(file: string): Promise<boolean> {
  return fs.stat(file).then(() => true, () => false);
}
