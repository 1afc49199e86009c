/**
 * Reader of MLflow's file store, an `mlruns/` folder:
 *
 *   mlruns/<experiment id>/meta.yaml              experiment; tags/ holds its tags, one file each
 *   mlruns/<experiment id>/<run id>/meta.yaml     run (status as MLflow's integer enum)
 *   mlruns/<experiment id>/<run id>/params/<key>  value, exactly; a `/` in a key is a sub-folder
 *   mlruns/<experiment id>/<run id>/tags/<key>    likewise
 *   mlruns/<experiment id>/<run id>/metrics/<key> lines `timestamp value step`
 *   mlruns/.trash/<experiment id>/...             deleted experiments, same layout
 *
 * Folder names are taken as the ids (that is how MLflow finds runs); where a meta.yaml disagrees,
 * the run is still imported under its folder and the disagreement reported, where MLflow would
 * silently hide it. Bad data never throws: it is reported in `problems` and the rest is read.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { Meta, firstLine } from './metaYaml';
import { decodeFileText } from './fileText';
import { parseMetricFile } from './metricFile';
import { MetricHistory as History, PointBlocks } from './metricHistory';
import { artifactUriFolder, importedArtifactFolder, listArtifactFolder } from '../artifacts/files';
import {
  PARENT_RUN_TAG, RUN_NAME_TAG, digest, parseLifecycle, parseRunStatus, put, removedRuns,
  type ImportProblem, type Lifecycle, type MetricHistory, type MetricPoint, type MlflowExperiment, type MlflowRun,
  type MlflowSnapshot, type ReadOptions,
} from './model';
import type { ArtifactEntry } from '../store/types';

const TRASH = '.trash';
/** Folders in the store root that are not experiments (`models` is MLflow's model registry). */
const NOT_EXPERIMENTS = new Set([TRASH, 'models']);
/** Folders in an experiment that are not runs (MLflow's RESERVED_EXPERIMENT_FOLDERS). */
const NOT_RUNS = new Set(['tags', 'datasets', 'traces']);
const RUN_PARTS = ['params', 'tags', 'metrics'] as const;
/**
 * The reading is synchronous (Node's promise-based file calls cost ten times as much per small
 * file, and a store is thousands of small files), in slices of this many milliseconds between
 * which the event loop gets its turn, so an extension host stays responsive during an import.
 */
const SLICE_MS = 20;
/** A first read of at least this many runs is shared with a second thread (setMlflowReaderWorker). */
export const PARALLEL_MIN_RUNS = 1000;
/**
 * The second thread's share of the runs: less than half, as it starts later (a bundle to load) and
 * its findings cross over to this thread (measured: 0.27 ms a run there, 0.24 ms here, 0.23 s more).
 */
const WORKER_SHARE = 0.42;

let readerWorker: string | undefined;
/**
 * The bundled script (src/core/mlflow/fileStoreWorker.ts) that reads a share of a large store's
 * runs on a thread of its own during a first read, while this thread reads the rest: a store is
 * hundreds of thousands of small files, and opening, reading and parsing them is work two cores
 * share. Without it (the default), one thread reads them all.
 */
export function setMlflowReaderWorker(file: string | undefined): void {
  readerWorker = file;
}

/** A run folder to read, and what a follow-up knew of the store. */
export interface RunDir { dir: string; experimentId: string; twin: boolean }
/** What reading some run folders found, in their order. */
export interface RunsRead {
  runs: MlflowRun[];
  unchanged: string[];
  fingerprints: [string, string][];
  running: string[];
  problems: ImportProblem[];
}

/** Reads an `mlruns/` folder. Throws only when `root` does not exist. */
export async function readFileStore(root: string, options: ReadOptions = {}): Promise<MlflowSnapshot> {
  const rootStat = fs.statSync(root);
  const problems: ImportProblem[] = [];
  const snapshot: MlflowSnapshot = {
    kind: 'mlflow-file', path: root, experiments: [], runs: [], unchangedRunIds: [], removedRunIds: [],
    problems, fingerprint: { kind: 'mlflow-file', runs: {} },
  };
  if (!rootStat.isDirectory()) {
    problems.push({ path: root, message: 'not a folder: an MLflow file store is a folder (mlruns/)' });
    return snapshot;
  }
  const prev = options.previous?.kind === 'mlflow-file' ? options.previous : undefined;
  const previous = prev?.runs;
  // A first read starts its second thread at once, so that it is ready when the runs are listed.
  const helper = readerWorker && !previous ? startReader(readerWorker) : undefined;
  const now = (options.now ?? Date.now)();
  const live = subfolders(root, problems);
  const trashed = subfolders(path.join(root, TRASH), problems, true);
  const experimentDirs = [
    ...live.filter(name => !NOT_EXPERIMENTS.has(name)).map(name => ({ dir: path.join(root, name), deleted: false })),
    ...trashed.map(name => ({ dir: path.join(root, TRASH, name), deleted: true })),
  ];
  // An experiment folder both in and out of .trash: where a run of one may have its artifacts in the other.
  const twins = new Set(live.filter(name => trashed.includes(name)));
  const folders: Record<string, number> = {};
  for (const { dir } of experimentDirs) folders[path.relative(root, dir)] = mtimeOf(dir);
  // Between full reads, only what can have changed is read: the runs of experiment folders that
  // changed (a new run makes a folder), and the runs that were running. The rest keep their
  // fingerprints; a full read every `fullEveryMs` finds late edits of ended runs and deletions.
  const sameFolders = prev?.folders !== undefined && sameKeys(prev.folders, folders);
  const incremental = sameFolders && prev?.lastFull !== undefined && now - prev.lastFull < (options.fullEveryMs ?? 10 * 60_000);
  snapshot.fingerprint.folders = folders;
  snapshot.fingerprint.lastFull = incremental ? prev!.lastFull : now;
  const running: string[] = [];
  const runDirs: { dir: string; experimentId: string; twin: boolean }[] = [];
  for (const { dir, deleted } of experimentDirs) {
    const experiment = readExperiment(dir, deleted, problems);
    if (!experiment) continue;
    snapshot.experiments.push(experiment);
    if (incremental && prev!.folders![path.relative(root, dir)] === folders[path.relative(root, dir)]) continue;
    for (const name of subfolders(dir, problems)) {
      if (NOT_RUNS.has(name) || (incremental && previous?.[name] !== undefined)) continue;
      runDirs.push({ dir: path.join(dir, name), experimentId: experiment.id, twin: twins.has(experiment.id) });
    }
  }
  if (incremental) {
    const again = new Set<string>();
    for (const rel of prev!.running ?? []) {
      const dir = path.join(root, rel);
      const experimentId = path.basename(path.dirname(dir));
      if (fs.existsSync(dir)) { runDirs.push({ dir, experimentId, twin: true }); again.add(path.basename(dir)); }
    }
    const toRead = new Set(runDirs.map((r) => path.basename(r.dir)));
    for (const [runId, fingerprint] of Object.entries(previous!)) {
      if (toRead.has(runId)) continue;
      snapshot.fingerprint.runs[runId] = fingerprint;
      snapshot.unchangedRunIds.push(runId);
    }
    for (const rel of prev!.running ?? []) if (!again.has(path.basename(rel))) running.push(rel);
  }
  // A first read of a large store shares its runs with the second thread: the last ones there.
  const split = helper && runDirs.length >= PARALLEL_MIN_RUNS ? runDirs.length - Math.floor(runDirs.length * WORKER_SHARE) : runDirs.length;
  const theirs = helper && split < runDirs.length ? helper.read(root, runDirs.slice(split)) : undefined;
  if (!theirs) helper?.stop();
  const parts = [await readRunDirs(root, runDirs.slice(0, split), prev)];
  if (theirs) {
    // A thread that could not start or failed: its runs are read here, as without one.
    parts.push(await theirs.catch(() => readRunDirs(root, runDirs.slice(split), prev)));
  }
  for (const part of parts) {
    snapshot.runs.push(...part.runs);
    snapshot.unchangedRunIds.push(...part.unchanged);
    for (const [runId, fingerprint] of part.fingerprints) snapshot.fingerprint.runs[runId] = fingerprint;
    running.push(...part.running);
    problems.push(...part.problems);
  }
  // A run whose status is unknown after an unchanged full read (it was not read) keeps its place.
  if (!incremental && prev?.running) {
    for (const rel of prev.running) {
      const id = path.basename(rel);
      if (snapshot.unchangedRunIds.includes(id) && !running.includes(rel)) running.push(rel);
    }
  }
  snapshot.fingerprint.running = [...new Set(running)];
  snapshot.removedRunIds = incremental ? [] : removedRuns(options.previous, Object.keys(snapshot.fingerprint.runs));
  return snapshot;
}

function mtimeOf(dir: string): number {
  try { return fs.statSync(dir).mtimeMs; } catch { return -1; }
}

function sameKeys(a: Record<string, number>, b: Record<string, number>): boolean {
  const ka = Object.keys(a);
  return ka.length === Object.keys(b).length && ka.every((k) => k in b);
}

function readExperiment(dir: string, deleted: boolean, problems: ImportProblem[]): MlflowExperiment | undefined {
  const metaPath = path.join(dir, 'meta.yaml');
  const text = readText({ key: 'meta.yaml', path: metaPath }, problems, true);
  if (text === undefined) {
    // Not an experiment (MLflow ignores such folders too); worth a word only if it holds something.
    if (subfolders(dir, problems).length) {
      problems.push({ path: dir, message: 'folder without meta.yaml: not read as an experiment' });
    }
    return undefined;
  }
  const meta = Meta.parse(text, metaPath, problems);
  if (!meta) return undefined;
  const id = path.basename(dir);
  checkId(meta, 'experiment_id', meta.text('experiment_id'), id);
  const lifecycle: Lifecycle = deleted ? 'deleted' : readLifecycle(meta);
  return {
    id,
    name: meta.text('name', true) ?? id,
    lifecycle,
    artifactLocation: meta.text('artifact_location'),
    creationTime: meta.integer('creation_time') ?? undefined,
    lastUpdateTime: meta.integer('last_update_time') ?? undefined,
    tags: readValues(walk(path.join(dir, 'tags'), problems, false), problems),
  };
}

/** A file of a run; its size and time are known once it was listed with them, or read. */
interface FileEntry { key: string; path: string; size?: number; mtimeMs?: number }

interface RunFiles {
  meta: FileEntry;
  /** meta.yaml's text when it was read with the listing (null: unreadable, and reported). */
  metaText?: string | null;
  params: FileEntry[];
  tags: FileEntry[];
  metrics: FileEntry[];
  all: FileEntry[];
  /** Whether the folder holds an `artifacts/` (most runs log none: not asked again). */
  hasArtifacts: boolean;
}

/**
 * The files of a run folder (with sizes and times if `withStats`); undefined if it is not a run.
 * Without `withStats` (a first read), the folder itself is not listed: its parts are (a part that is
 * not there has no files) and its meta.yaml is read here, which also says whether it is there.
 */
function listRunFiles(dir: string, problems: ImportProblem[], withStats: boolean): RunFiles | undefined {
  const metaPath = dir + path.sep + 'meta.yaml';
  if (!withStats) {
    const [params, tags, metrics] = RUN_PARTS.map(part => walk(dir + path.sep + part, problems, false));
    const meta: FileEntry = { key: 'meta.yaml', path: metaPath };
    let metaText: string | null = null;
    try {
      metaText = decodeFileText(readWithStats(meta), metaPath, problems);
    } catch (err) {
      if (errorCode(err) === 'ENOENT') return notARun(metaPath, params, tags, metrics, problems);
      problems.push({ path: metaPath, message: `unreadable: ${firstLine(err)}` });
    }
    const hasArtifacts = fs.lstatSync(dir + path.sep + 'artifacts', { throwIfNoEntry: false }) !== undefined;
    return { meta, metaText, params, tags, metrics, all: [meta, ...params, ...tags, ...metrics], hasArtifacts };
  }
  let names: Set<string>;
  try {
    names = new Set(fs.readdirSync(dir));
  } catch (err) {
    problems.push({ path: dir, message: `cannot list: ${firstLine(err)}` });
    return undefined;
  }
  const [params, tags, metrics] = RUN_PARTS.map(part => (names.has(part) ? walk(dir + path.sep + part, problems, withStats) : []));
  const metaStat = names.has('meta.yaml') && statOrReport(metaPath, problems);
  if (metaStat === false || metaStat?.isFile() === false) return notARun(metaPath, params, tags, metrics, problems);
  const meta: FileEntry = { key: 'meta.yaml', path: metaPath, size: metaStat?.size, mtimeMs: metaStat?.mtimeMs };
  return { meta, params, tags, metrics, all: [meta, ...params, ...tags, ...metrics], hasArtifacts: names.has('artifacts') };
}

function notARun(metaPath: string, params: FileEntry[], tags: FileEntry[], metrics: FileEntry[], problems: ImportProblem[]): undefined {
  // Artifact folders may sit next to runs; only a folder holding run data deserves a word.
  if (params.length || tags.length || metrics.length) {
    problems.push({ path: metaPath, message: 'missing or not a file: the run in this folder is not imported' });
  }
  return undefined;
}

function fingerprintOf(files: RunFiles, artifacts: ArtifactEntry[]): string {
  return digest([...files.all.map(f => `${f.path}\0${f.size}\0${f.mtimeMs}`), ...artifacts.map(a => `a\0${a.path}\0${a.size}`)]);
}

/**
 * A run whose `artifacts/` folder is empty or gone may have its artifacts where its artifact_uri
 * says. Unless `look` (an `artifacts/` there, or a twin of its experiment folder in or out of
 * .trash), the run folders need not be looked in first: most runs log no artifacts.
 */
function listedElsewhere(root: string, experimentId: string, run: MlflowRun, look: boolean, problems: ImportProblem[]): ArtifactEntry[] {
  const folder = look ? importedArtifactFolder('mlflow-file', root, experimentId, run.runId, run.artifactUri)
    : artifactUriFolder('mlflow-file', root, run.artifactUri);
  return folder.dir && folder.dir !== path.join(root, experimentId, run.runId, 'artifacts') ? listArtifactFolder(folder.dir, problems) : [];
}

function readRun(runId: string, experimentId: string, files: RunFiles, problems: ImportProblem[], blocks: PointBlocks): MlflowRun | undefined {
  const text = files.metaText === undefined ? readText(files.meta, problems) : files.metaText;
  if (text === undefined || text === null) return undefined;
  const meta = Meta.parse(text, files.meta.path, problems);
  if (!meta) return undefined;
  checkId(meta, 'run_id', meta.text('run_id') ?? meta.text('run_uuid'), runId);
  checkId(meta, 'experiment_id', meta.text('experiment_id'), experimentId);
  const params = readValues(files.params, problems);
  const tags = readValues(files.tags, problems);
  const metrics = readMetrics(files.metrics, problems, blocks);
  const startTime = meta.integer('start_time');
  const endTime = meta.integer('end_time');
  const latest: Record<string, MetricPoint> = {};
  let lastUpdate = Math.max(startTime ?? 0, endTime ?? 0);
  for (const f of files.all) lastUpdate = Math.max(lastUpdate, Math.round(f.mtimeMs ?? 0));
  for (const [key, history] of Object.entries(metrics)) {
    const point = history.latest();
    if (point) put(latest, key, point);
    lastUpdate = Math.max(lastUpdate, history.lastTimestamp());
  }
  const run: MlflowRun = {
    runId,
    experimentId,
    name: meta.text('run_name') || tags[RUN_NAME_TAG] || '',
    status: readStatus(meta),
    lifecycle: readLifecycle(meta),
    startTime,
    endTime,
    userId: meta.text('user_id'),
    artifactUri: meta.text('artifact_uri'),
    params, tags, metrics, latest, lastUpdate,
  };
  if (tags[PARENT_RUN_TAG]) run.parentRunId = tags[PARENT_RUN_TAG];
  return run;
}

/** Reports an id a meta.yaml lacks, or one that disagrees with its folder (which wins). */
function checkId(meta: Meta, field: string, recorded: string | undefined, folder: string): void {
  if (recorded === undefined) meta.report(field, `is missing: read as ${folder}, the folder's name`);
  else if (recorded !== folder) meta.report(field, `is ${recorded}, but the folder is ${folder}: read as ${folder}`);
}

function readStatus(meta: Meta) {
  const raw = meta.text('status');
  const status = raw === undefined ? undefined : parseRunStatus(raw.trim());
  if (status) return status;
  // MLflow itself reads a run without a status as RUNNING.
  meta.report('status', raw === undefined ? 'is missing: read as RUNNING' : `is not a run status (${raw}): read as RUNNING`);
  return 'RUNNING';
}

function readLifecycle(meta: Meta): Lifecycle {
  const raw = meta.text('lifecycle_stage');
  const lifecycle = raw === undefined ? undefined : parseLifecycle(raw);
  if (lifecycle) return lifecycle;
  // Stores from before MLflow 1.0 have no lifecycle_stage; MLflow reads them as active.
  meta.report('lifecycle_stage', raw === undefined ? 'is missing: read as active' : `is not active or deleted (${raw}): read as active`);
  return 'active';
}

function readValues(files: FileEntry[], problems: ImportProblem[]): Record<string, string> {
  const values: Record<string, string> = {};
  for (const f of files) {
    const text = readText(f, problems);
    if (text !== undefined) put(values, f.key, text);
  }
  return values;
}

function readMetrics(files: FileEntry[], problems: ImportProblem[], blocks: PointBlocks): Record<string, MetricHistory> {
  const metrics: Record<string, MetricHistory> = {};
  for (const f of files) {
    const bytes = readBytes(f, problems);
    if (bytes === undefined) continue;
    const points = parseMetricFile(bytes, f.path, problems, blocks);
    // MLflow refuses a metric file without points; one whose every line was bad is reported already.
    if (points.length) put(metrics, f.key, points);
    else if (!problems.some(p => p.path.startsWith(f.path + ':'))) problems.push({ path: f.path, message: 'empty metric file' });
  }
  return metrics;
}

/**
 * The files under `dir` (absent: none), keyed by their path relative to it with `/` separators,
 * which is how MLflow names a key holding `/`. An empty sub-folder holds no value: reported.
 */
function walk(dir: string, problems: ImportProblem[], withStats: boolean, prefix = ''): FileEntry[] {
  let entries;
  try {
    // Sorted: the order is part of a run's fingerprint, and keys read in order are easier to check.
    entries = fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  } catch (err) {
    if (errorCode(err) !== 'ENOENT') problems.push({ path: dir, message: `cannot list: ${firstLine(err)}` });
    return [];
  }
  if (prefix && entries.length === 0) {
    problems.push({ path: dir, message: 'a folder where a value file was expected, and it is empty' });
  }
  const found: FileEntry[] = [];
  for (const entry of entries) {
    const full = dir + path.sep + entry.name;
    const key = prefix + entry.name;
    if (entry.isDirectory()) {
      found.push(...walk(full, problems, withStats, key + '/'));
      continue;
    }
    if (entry.isFile() && !withStats) {
      found.push({ key, path: full });
      continue;
    }
    const stat = statOrReport(full, problems); // also where a symbolic link leads
    if (!stat) continue;
    if (stat.isDirectory()) found.push(...walk(full, problems, withStats, key + '/'));
    else if (stat.isFile()) found.push({ key, path: full, size: stat.size, mtimeMs: stat.mtimeMs });
    else problems.push({ path: full, message: 'not a regular file' });
  }
  return found;
}

/** Names of the sub-folders of `dir`, sorted; `optional` folders may be absent. */
function subfolders(dir: string, problems: ImportProblem[], optional = false): string[] {
  try {
    const entries = fs.readdirSync(dir, { withFileTypes: true });
    return entries.filter(e => e.isDirectory()).map(e => e.name).sort();
  } catch (err) {
    if (!(optional && errorCode(err) === 'ENOENT')) problems.push({ path: dir, message: `cannot list: ${firstLine(err)}` });
    return [];
  }
}

function statOrReport(file: string, problems: ImportProblem[]): fs.Stats | undefined {
  try {
    return fs.statSync(file);
  } catch (err) {
    problems.push({ path: file, message: `unreadable: ${firstLine(err)}` });
    return undefined;
  }
}

/**
 * A file's text as MLflow reads it (UTF-8, nothing stripped); undefined if unreadable. Notes the
 * file's size and time in `file` as it reads, from the open file.
 */
function readText(file: FileEntry, problems: ImportProblem[], optional = false): string | undefined {
  const bytes = readBytes(file, problems, optional);
  return bytes && decodeFileText(bytes, file.path, problems);
}

/**
 * A file's bytes, undefined if unreadable, noting its size and time in `file` as `readText` does.
 * The bytes are good until the next read: every file is read into the same buffer.
 */
function readBytes(file: FileEntry, problems: ImportProblem[], optional = false): Buffer | undefined {
  try {
    return readWithStats(file);
  } catch (err) {
    if (!(optional && errorCode(err) === 'ENOENT')) problems.push({ path: file.path, message: `unreadable: ${firstLine(err)}` });
    return undefined;
  }
}

/** What every file is read into, grown as needed: a store is thousands of small files, read one at a time. */
let readBuffer = Buffer.allocUnsafe(64 * 1024);
/** 4 MB: the largest file read into the shared buffer. */
const SHARED_READ_MAX = 4 << 20;

function readWithStats(file: FileEntry): Buffer {
  const fd = fs.openSync(file.path, 'r');
  try {
    const stat = fs.fstatSync(fd);
    file.size ??= stat.size;
    file.mtimeMs ??= stat.mtimeMs;
    // Small files share one buffer (a read's bytes are parsed before the next read); a large one
    // gets its own, so that the store's thread does not keep its size for good.
    if (stat.size > readBuffer.length && stat.size <= SHARED_READ_MAX) readBuffer = Buffer.allocUnsafe(Math.min(Math.max(stat.size, readBuffer.length * 2), SHARED_READ_MAX));
    const buffer = stat.size > SHARED_READ_MAX ? Buffer.allocUnsafe(stat.size) : readBuffer;
    let length = 0;
    while (length < stat.size) {
      const read = fs.readSync(fd, buffer, length, stat.size - length, length);
      if (read === 0) break; // shrank meanwhile: what is there is what there is
      length += read;
    }
    return buffer.subarray(0, length);
  } finally {
    fs.closeSync(fd);
  }
}

function errorCode(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException | undefined)?.code;
}

/** Reads run folders, in slices between which the event loop gets its turn. */
export async function readRunDirs(root: string, runDirs: RunDir[], prev?: { runs?: Record<string, string>; running?: string[] }): Promise<RunsRead> {
  const previous = prev?.runs;
  const read: RunsRead = { runs: [], unchanged: [], fingerprints: [], running: [], problems: [] };
  const blocks = new PointBlocks();
  let sliceStart = performance.now();
  for (const { dir, experimentId, twin } of runDirs) {
    if (performance.now() - sliceStart > SLICE_MS) {
      await new Promise(resolve => setImmediate(resolve));
      sliceStart = performance.now();
    }
    const runId = path.basename(dir);
    const runProblems: ImportProblem[] = [];
    // Only a follow-up read needs sizes and times before reading; a first read gets them from
    // the open files, saving a call per file.
    const files = listRunFiles(dir, runProblems, previous !== undefined);
    if (files) {
      // MLflow writes an artifact without touching the run's other files: its listing counts too.
      const artifacts = files.hasArtifacts ? listArtifactFolder(dir + path.sep + 'artifacts', runProblems) : [];
      let fingerprint = previous && fingerprintOf(files, artifacts);
      if (fingerprint !== undefined && previous?.[runId] === fingerprint) {
        read.unchanged.push(runId);
        if (prev?.running?.includes(path.relative(root, dir))) read.running.push(path.relative(root, dir));
      } else {
        const run = readRun(runId, experimentId, files, runProblems, blocks);
        if (run) {
          run.artifacts = artifacts.length || !run.artifactUri ? artifacts : listedElsewhere(root, experimentId, run, files.hasArtifacts || twin, runProblems);
          read.runs.push(run);
          if (run.lifecycle === 'active' && (run.status === 'RUNNING' || run.status === 'SCHEDULED')) read.running.push(path.relative(root, dir));
        }
        fingerprint ??= fingerprintOf(files, artifacts);
      }
      // A run that had problems is always read again, so that its problems are reported again.
      read.fingerprints.push([runId, runProblems.length ? '!' + fingerprint : fingerprint]);
      if (runProblems.length) read.running.push(path.relative(root, dir));
    }
    read.problems.push(...runProblems);
  }
  return read;
}

/** The second thread of a first read: `read` hands it its share of run folders, once; `stop` ends it unused. */
function startReader(file: string): { read: (root: string, runDirs: RunDir[]) => Promise<RunsRead>; stop: () => void } {
  let worker: Worker | undefined;
  let failed: unknown;
  try {
    worker = new Worker(file);
    worker.unref(); // a thread waiting for work never keeps the process alive
  } catch (err) {
    failed = err;
  }
  const answer = new Promise<RunsRead>((resolve, reject) => {
    if (!worker) { reject(failed); return; }
    worker.once('message', (read: RunsRead) => {
      // Histories come as their columns (the blocks moved, not copied): made histories again here.
      for (const run of read.runs) {
        for (const [key, sent] of Object.entries(run.metrics)) {
          run.metrics[key] = History.fromColumns(sent as unknown as ReturnType<History['columns']>);
        }
      }
      resolve(read);
      void worker?.terminate();
    });
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`the reader thread stopped (exit ${code})`)));
  });
  answer.catch(() => undefined); // read() hands it on; unused, its failure matters to no one
  return {
    read(root, runDirs) {
      worker?.ref();
      worker?.postMessage({ root, runDirs });
      return answer;
    },
    stop() { void worker?.terminate(); },
  };
}
