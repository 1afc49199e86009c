/** The readers of every kind of source RunLens follows. A new kind of source is a new entry here. */
import { applySnapshot, importedUid, parseImportedSource } from '../mlflow/apply';
import { readFileStore } from '../mlflow/fileStore';
import { importedHistory } from '../mlflow/history';
import type { MlflowSnapshot, StoreFingerprint } from '../mlflow/model';
import { readSqliteStore } from '../mlflow/sqliteStore';
import { syncServer } from '../mlflowServer/sync';
import { applyOptunaChanges, parseOptunaSource } from '../optuna/apply';
import { optunaHistory } from '../optuna/history';
import { readOptunaJournal } from '../optuna/journal';
import type { JournalWatermark, RdbWatermark } from '../optuna/model';
import { readOptunaDb } from '../optuna/rdb';
import type { Catalog } from '../store/catalog';
import type { SourceKind, SourceReader } from './source';

/** What an MLflow snapshot brings, applied as every MLflow source's is. */
function mlflowRead(snap: MlflowSnapshot) {
  return {
    watermark: snap.fingerprint, problems: snap.problems,
    apply: (catalog: Catalog) => ({ ...applySnapshot(catalog, snap), uids: snap.runs.map((r) => importedUid(snap.path, r.runId)) }),
  };
}

const mlflowStore: SourceReader = {
  noun: 'MLflow store',
  command: 'RunLens: Import MLflow Runs…',
  kinds: ['mlflow-file', 'mlflow-db'],
  async read(kind, path, watermark) {
    const previous = watermark as StoreFingerprint | undefined;
    return mlflowRead(kind === 'mlflow-file' ? await readFileStore(path, { previous }) : await readSqliteStore(path, { previous }));
  },
  storageOf(source) {
    const s = parseImportedSource(source);
    return s && s.kind !== 'mlflow-server' ? s.storePath : undefined;
  },
  history: (source) => importedHistory(source),
};

/** A tracking server, reached through the connection the scheduler gives (ServerFollow: credentials, page size, histories). */
const mlflowServer: SourceReader = {
  noun: 'MLflow tracking server',
  command: 'RunLens: Connect to an MLflow Tracking Server…',
  kinds: ['mlflow-server'],
  async read(_kind, uri, watermark, context) {
    const server = context?.server;
    if (!server) throw new Error(`no connection to the MLflow server ${uri}`);
    const snap = await syncServer(server.api, { experiments: context.experiments }, watermark as StoreFingerprint | undefined,
      { pageSize: server.pageSize, full: context.full });
    // What the server says of a run now makes the histories cached before stale.
    for (const r of snap.runs) server.histories.forget(uri, r.runId);
    return mlflowRead(snap);
  },
  storageOf(source) {
    const s = parseImportedSource(source);
    return s?.kind === 'mlflow-server' ? s.storePath : undefined;
  },
  async history(source, keys, context) {
    const s = parseImportedSource(source);
    if (!s || !context?.server) return {};
    return context.server.histories.get(context.server.api, s.runId, keys);
  },
};

const optuna: SourceReader = {
  noun: 'Optuna storage',
  command: 'RunLens: Import Optuna Studies…',
  kinds: ['optuna-db', 'optuna-journal'],
  async read(kind, path, watermark) {
    const changes = kind === 'optuna-db' ? await readOptunaDb(path, watermark as RdbWatermark | undefined) : await readOptunaJournal(path, watermark as JournalWatermark | undefined);
    return { watermark: changes.watermark, problems: changes.problems, apply: (catalog) => applyOptunaChanges(catalog, changes) };
  },
  storageOf: (source) => parseOptunaSource(source)?.storagePath,
  history: optunaHistory,
};

export const SOURCE_READERS: readonly SourceReader[] = [mlflowStore, mlflowServer, optuna];

export function readerFor(kind: SourceKind): SourceReader {
  const r = SOURCE_READERS.find((x) => x.kinds.includes(kind));
  if (!r) throw new Error(`no reader for sources of kind ${kind}`);
  return r;
}

/** The reader and the source of an imported run, from its `source` column. */
export function sourceOfRun(runSource: string): { reader: SourceReader; path: string } | undefined {
  for (const reader of SOURCE_READERS) {
    const path = reader.storageOf(runSource);
    if (path !== undefined) return { reader, path };
  }
  return undefined;
}
