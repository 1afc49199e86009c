/**
 * Where a run's artifacts are on disk, and reading one of them, never through a symbolic link and
 * never outside its run's folder: the paths come from run logs and databases, which users copy,
 * commit and receive (docs/run-log.md, "Artifacts").
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { artifactPathProblem } from '../runlog/events';
import { parseImportedSource } from '../mlflow/apply';
import { mediaTypeOf } from './mediaTypes';
import type { ArtifactEntry } from '../store/types';

export const ARTIFACTS_DIR = 'artifacts';
/** More files than this in one imported run's artifact folder are not listed (a dataset dumped there, say). */
export const MAX_LISTED = 10_000;

/** The local folder holding a run's artifacts, or why there is none. */
export type ArtifactFolder = { dir: string; why?: undefined } | { dir: null; why: string };

/**
 * A RunLens run's folder is `.runlens/artifacts/<run id>/`; an imported run's is its MLflow
 * artifact location when that is on this machine: a file store's `<run>/artifacts/` (where MLflow
 * put it, even if the store was moved since), else its `artifact_uri` as a file path.
 */
export function artifactFolder(storeDir: string, run: { uid: string; source: string; artifactUri: string | null }): ArtifactFolder {
  if (run.source.startsWith('runs/')) return { dir: path.join(storeDir, ARTIFACTS_DIR, run.uid) };
  const imported = parseImportedSource(run.source);
  if (!imported) return { dir: null, why: 'the run came from no store RunLens knows' };
  // A tracking server keeps its runs' files on the server (mlflow-artifacts); none are on this machine.
  if (imported.kind === 'mlflow-server') return { dir: null, why: 'its files are on the MLflow tracking server' };
  return importedArtifactFolder(imported.kind, imported.storePath, imported.experimentId, imported.runId, run.artifactUri);
}

export function importedArtifactFolder(kind: 'mlflow-file' | 'mlflow-db', storePath: string, experimentId: string | undefined, runId: string, artifactUri: string | null | undefined): ArtifactFolder {
  if (kind === 'mlflow-file' && experimentId !== undefined) {
    for (const dir of [path.join(storePath, experimentId, runId, 'artifacts'), path.join(storePath, '.trash', experimentId, runId, 'artifacts')]) {
      if (isDir(dir)) return { dir };
    }
  }
  return artifactUriFolder(kind, storePath, artifactUri);
}

/**
 * The local folder an imported run's `artifact_uri` names, when it is inside the folder holding
 * the store (`importedArtifactFolder` without looking in a file store's run folders first).
 */
export function artifactUriFolder(kind: 'mlflow-file' | 'mlflow-db', storePath: string, artifactUri: string | null | undefined): ArtifactFolder {
  if (!artifactUri) return { dir: null, why: 'MLflow recorded no artifact location for it' };
  const local = localPath(artifactUri, kind === 'mlflow-db' ? path.dirname(storePath) : storePath);
  if (!local) return { dir: null, why: `its artifacts are not on this machine (${artifactUri})` };
  // A store is data a repository can bring: its artifact locations are read only inside the
  // folder that holds the store (where MLflow puts them by default), never anywhere it names.
  const project = path.dirname(storePath);
  const rel = path.relative(project, local);
  if (rel.startsWith('..') || path.isAbsolute(rel)) return { dir: null, why: `its artifact location ${local} is outside ${project}, the folder of the MLflow store, and RunLens reads artifacts only there` };
  return { dir: local };
}

/** A `file:` URI or a path as a local absolute path; undefined for any other scheme (s3:, mlflow-artifacts:, …). */
function localPath(uri: string, base: string): string | undefined {
  if (uri.startsWith('file:')) {
    try { return fileURLToPath(uri.startsWith('file:///') || uri.startsWith('file://localhost/') ? uri : `file://${path.resolve(base, uri.slice(5))}`); } catch { return undefined; }
  }
  if (/^[a-z][a-z0-9+.-]*:/i.test(uri) && !/^[a-z]:[\\/]/i.test(uri)) return undefined;
  return path.resolve(base, uri);
}

// A missing folder is the common case (most runs log no artifacts): asked without an exception,
// which Node builds with a stack trace, at tens of microseconds a run.
function isDir(dir: string): boolean {
  try { return fs.lstatSync(dir, { throwIfNoEntry: false })?.isDirectory() ?? false; } catch { return false; }
}

/**
 * Every file under an imported run's artifact folder (MLflow records no list of them), sorted by
 * path; symbolic links and what is past MAX_LISTED are left out and reported.
 */
export function listArtifactFolder(dir: string, problems: { path: string; message: string }[], max = MAX_LISTED): ArtifactEntry[] {
  const found: ArtifactEntry[] = [];
  let more = false;
  const walk = (folder: string, prefix: string): void => {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(folder, { withFileTypes: true });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') problems.push({ path: folder, message: `cannot list the artifacts: ${(e as Error).message}` });
      return;
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of entries) {
      const full = path.join(folder, entry.name);
      const rel = prefix + entry.name;
      if (entry.isSymbolicLink()) { problems.push({ path: full, message: 'a symbolic link among the artifacts: not listed (RunLens does not follow links out of a run\'s folder)' }); continue; }
      if (entry.isDirectory()) { walk(full, `${rel}/`); continue; }
      if (!entry.isFile() || artifactPathProblem(rel)) continue;
      if (found.length >= max) { more = true; return; }
      let size = 0;
      try { size = fs.lstatSync(full).size; } catch { continue; }
      found.push({ path: rel, size, sha256: null, mediaType: mediaTypeOf(rel) });
    }
  };
  if (fs.existsSync(dir)) walk(dir, ''); // most runs have none: no exception built for each
  if (more) problems.push({ path: dir, message: `more than ${max} artifacts: only the first ${max} are listed` });
  return found;
}

export interface ArtifactBytes {
  bytes: Buffer;
  /** The file's whole size; `bytes` holds at most the cap asked for. */
  size: number;
  truncated: boolean;
}

/**
 * Up to `maxBytes` of the artifact `rel` in `dir`. Throws, saying why, for a path that is not an
 * artifact path, a symbolic link on the way (below `dir`), or anything but a regular file.
 */
export function readArtifact(dir: string, rel: string, maxBytes: number): ArtifactBytes {
  const file = checkedArtifactPath(dir, rel);
  const fd = fs.openSync(file, fs.constants.O_RDONLY | (fs.constants.O_NOFOLLOW ?? 0));
  try {
    const st = fs.fstatSync(fd);
    if (!st.isFile()) throw new Error(`${rel} is not a file`);
    const want = Math.min(st.size, maxBytes);
    const bytes = Buffer.allocUnsafe(want);
    let got = 0;
    while (got < want) {
      const n = fs.readSync(fd, bytes, got, want - got, got);
      if (n <= 0) break;
      got += n;
    }
    return { bytes: bytes.subarray(0, got), size: st.size, truncated: st.size > got };
  } finally {
    fs.closeSync(fd);
  }
}

/** The artifact's absolute path, checked: inside `dir`, no link on the way (for opening it in the editor too). */
export function checkedArtifactPath(dir: string, rel: string): string {
  const why = artifactPathProblem(rel);
  if (why) throw new Error(`not an artifact path: ${JSON.stringify(rel).slice(0, 80)} ${why}`);
  let at = dir;
  for (const part of rel.split('/')) {
    at = path.join(at, part);
    const st = fs.lstatSync(at); // a missing file throws ENOENT, which says so
    if (st.isSymbolicLink()) throw new Error(`${path.relative(dir, at)} is a symbolic link: RunLens does not follow links out of a run's artifacts`);
  }
  return at;
}
