/** The readers of every kind of source RunLens follows. A new kind of source is a new entry here. */
import { applySnapshot, importedUid, parseImportedSource } from '../mlflow/apply';
import { readFileStore } from '../mlflow/fileStore';
import { importedHistory } from '../mlflow/history';
import type { StoreFingerprint } from '../mlflow/model';
import { readSqliteStore } from '../mlflow/sqliteStore';
import { applyOptunaChanges, parseOptunaSource } from '../optuna/apply';
import { optunaHistory } from '../optuna/history';
import { readOptunaJournal } from '../optuna/journal';
import type { JournalWatermark, RdbWatermark } from '../optuna/model';
import { readOptunaDb } from '../optuna/rdb';
import type { SourceKind, SourceReader } from './source';

const mlflow: SourceReader = {
  noun: 'MLflow store',
  command: 'RunLens: Import MLflow Runs…',
  kinds: ['mlflow-file', 'mlflow-db'],
  async read(kind, path, watermark) {
    const previous = watermark as StoreFingerprint | undefined;
    const snap = kind === 'mlflow-file' ? await readFileStore(path, { previous }) : await readSqliteStore(path, { previous });
    return {
      watermark: snap.fingerprint, problems: snap.problems,
      apply: (catalog) => ({ ...applySnapshot(catalog, snap), uids: snap.runs.map((r) => importedUid(path, r.runId)) }),
    };
  },
  storageOf: (source) => parseImportedSource(source)?.storePath,
  history: importedHistory,
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

export const SOURCE_READERS: readonly SourceReader[] = [mlflow, optuna];

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
