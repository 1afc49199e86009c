/**
 * Finding the MLflow stores in a workspace folder: `mlruns/` folders and `mlflow.db` files at the
 * top or up to two folders down (where projects keep them: the root, `experiments/`,
 * `notebooks/foo/`), without descending into dependency, VCS or RunLens folders. Each candidate is
 * checked cheaply (an experiment's meta.yaml; the SQLite header), so that an unrelated folder that
 * happens to be called `mlruns` is not offered for import.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';

export interface DetectedStore {
  path: string;
  kind: 'mlflow-file' | 'mlflow-db';
}

const SKIPPED = new Set(['node_modules', '.git', '.hg', '.svn', '.runlens', '.venv', 'venv', '__pycache__', '.tox', '.mypy_cache']);
const MAX_DEPTH = 2;

/** The MLflow stores in `folder` (itself included), sorted by path. */
export async function detectMlflowStores(folder: string): Promise<DetectedStore[]> {
  const found: DetectedStore[] = [];
  if (path.basename(folder) === 'mlruns' && await isFileStore(folder)) return [{ path: folder, kind: 'mlflow-file' }];
  await visit(folder, 0, found);
  return found.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

async function visit(dir: string, depth: number, found: DetectedStore[]): Promise<void> {
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
    } else if (entry.isFile() && entry.name === 'mlflow.db' && await isSqlite(full)) {
      found.push({ path: full, kind: 'mlflow-db' });
    }
  }
  await Promise.all(below.map(sub => visit(sub, depth + 1, found)));
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

async function isSqlite(file: string): Promise<boolean> {
  let handle;
  try {
    handle = await fs.open(file, 'r');
    const header = Buffer.alloc(16);
    const { bytesRead } = await handle.read(header, 0, 16, 0);
    return bytesRead === 16 && header.toString('latin1') === 'SQLite format 3\0';
  } catch {
    return false;
  } finally {
    await handle?.close();
  }
}

async function exists(file: string): Promise<boolean> {
  return fs.stat(file).then(() => true, () => false);
}
