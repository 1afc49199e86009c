/**
 * Reading a SQLite database that another program writes (MLflow, Optuna) without ever opening it
 * for writing: its bytes are read into memory, whole and consistent, and sql.js opens them there.
 * The file is never locked, so the program writing it is not disturbed.
 */
import { promises as fs } from 'node:fs';
import type { Database } from 'sql.js';
import { firstLine } from '../mlflow/metaYaml';
import type { ImportProblem } from '../mlflow/model';
import { TableReader } from '../mlflow/sqliteTables';
import { loadSqlJs } from '../store/sqljs';
import { openLazily } from './sqliteLazyFile';

export const SQLITE_MAGIC = 'SQLite format 3\0';
const READ_CHUNK = 64 * 1024 * 1024;

/**
 * The database at `dbPath` read whole into memory and opened there, with a reader of its tables;
 * undefined (`problems` say why) when it cannot be read at all. Throws only when the file is
 * missing. The caller closes `db`.
 */
export async function openSqliteCopy(dbPath: string, problems: ImportProblem[]): Promise<{ db: Database; tables: TableReader } | undefined> {
  const bytes = await readConsistently(dbPath, problems);
  if (!bytes) return undefined;
  await noteSideFiles(dbPath, problems);
  if (bytes.length > 0 && Buffer.from(bytes.subarray(0, 16)).toString('latin1') !== SQLITE_MAGIC) {
    problems.push({ path: dbPath, message: 'not an SQLite database (no SQLite header)' });
    return undefined;
  }
  const SQL = await loadSqlJs();
  const db = new SQL.Database(bytes);
  // A truncated copy claims more pages than it has, which SQLite refuses outright unless the
  // schema is "writable"; that flag only loosens checks on this in-memory copy, so what
  // survives the truncation can still be read. Nothing is ever written back to the file.
  db.run('PRAGMA writable_schema = ON');
  const tables = new TableReader(db, dbPath, problems);
  if (tables.schemaReadable()) return { db, tables };
  db.close();
  return undefined;
}

export interface OpenedSqlite {
  db: Database;
  tables: TableReader;
  /**
   * Whether what was read is consistent: always, for a copy read whole; for a database read page by
   * page (`lazy`), whether the file is still what it was when opened.
   */
  unchanged(): boolean;
  /** Bytes of the file read (the whole file, for a copy). */
  bytesRead(): number;
  close(): void;
}

/**
 * The database at `dbPath` opened for reading: with `lazy`, read page by page from the file as
 * queries need them (src/core/sources/sqliteLazyFile.ts; the caller reads again with `lazy: false`
 * when `unchanged()` says the file changed meanwhile), else read whole into memory
 * (`openSqliteCopy`). A database that cannot be opened lazily is read whole.
 */
export async function openSqlite(dbPath: string, problems: ImportProblem[], options: { lazy?: boolean } = {}): Promise<OpenedSqlite | undefined> {
  if (options.lazy) {
    const first = await fs.stat(dbPath); // a missing file throws: the one error the caller gets
    if (first.isFile()) {
      const lazy = openLazily(await loadSqlJs(), dbPath);
      if (lazy) {
        const reported = problems.length;
        const tables = new TableReader(lazy.db, dbPath, problems);
        if (tables.schemaReadable()) {
          await noteSideFiles(dbPath, problems);
          return { db: lazy.db, tables, unchanged: lazy.unchanged, bytesRead: () => lazy.bytes.bytesRead, close: lazy.close };
        }
        lazy.close();
        problems.length = reported; // the copy says it again, as it always has
      }
    }
  }
  const copy = await openSqliteCopy(dbPath, problems);
  if (!copy) return undefined;
  const size = (await fs.stat(dbPath).catch(() => undefined))?.size ?? 0;
  return { ...copy, unchanged: () => true, bytesRead: () => size, close: () => copy.db.close() };
}

/**
 * The file's bytes, read again if it changed meanwhile (MLflow may be writing it); a copy that
 * kept changing is used as is, and said so.
 */
async function readConsistently(dbPath: string, problems: ImportProblem[]): Promise<Uint8Array | undefined> {
  const first = await fs.stat(dbPath); // a missing file throws: the one error the caller gets
  if (!first.isFile()) {
    problems.push({ path: dbPath, message: 'not a file' });
    return undefined;
  }
  for (let attempt = 0; ; attempt++) {
    try {
      const before = await fs.stat(dbPath);
      const bytes = await readWhole(dbPath);
      const after = await fs.stat(dbPath);
      if ((after.mtimeMs === before.mtimeMs && after.size === bytes.length) || attempt === 2) {
        if (attempt === 2 && after.mtimeMs !== before.mtimeMs) {
          problems.push({ path: dbPath, message: 'kept changing while being read: this copy may be inconsistent' });
        }
        return bytes;
      }
    } catch (err) {
      problems.push({ path: dbPath, message: `unreadable: ${firstLine(err)}` });
      return undefined;
    }
    await new Promise(resolve => setTimeout(resolve, 100));
  }
}

/**
 * The whole file, read in large chunks straight into one buffer: `fs.readFile` reads a
 * gigabyte-sized database in small chunks and spends most of its time waiting between them.
 */
async function readWhole(file: string): Promise<Uint8Array> {
  const handle = await fs.open(file, 'r');
  try {
    let buffer = Buffer.allocUnsafe((await handle.stat()).size);
    let total = 0;
    for (;;) {
      if (total === buffer.length) {
        // Full: done, unless the file grew while being read (the caller notices and reads again).
        // A byte read past the end tells, without copying what was read into a larger buffer.
        const probe = Buffer.allocUnsafe(1);
        if ((await handle.read(probe, 0, 1, total)).bytesRead === 0) return buffer;
        const grown = Buffer.allocUnsafe(Math.max(buffer.length * 2, 1 << 16));
        buffer.copy(grown, 0, 0, total);
        grown[total++] = probe[0];
        buffer = grown;
      }
      const { bytesRead } = await handle.read(buffer, total, Math.min(READ_CHUNK, buffer.length - total), total);
      if (bytesRead === 0) return buffer.subarray(0, total);
      total += bytesRead;
    }
  } finally {
    await handle.close();
  }
}

/** Changes in a WAL file (or a crashed write's journal) are not in the bytes read. */
async function noteSideFiles(dbPath: string, problems: ImportProblem[]): Promise<void> {
  for (const [suffix, meaning] of [
    ['-wal', 'changes not yet checkpointed into the database are not imported'],
    ['-journal', 'a write was in progress or interrupted: the database may be inconsistent'],
  ]) {
    const size = await fs.stat(dbPath + suffix).then(s => s.size, () => 0);
    if (size > 0) problems.push({ path: dbPath + suffix, message: meaning });
  }
}
