/**
 * Following an `mlflow.db` at the cost of what changed. MLflow's schema has no "updated at": a run
 * changes by rows added (runs, params, tags, metric points and latest values get new rowids) or by
 * rows changed in place (a run's status, end time, name or lifecycle; a tag set again; a tag
 * deleted; a run deleted for good). So a follow-up reads
 *   - the rows above each table's highest rowid seen before (SQLite finds them by the rowid, reading
 *     a few pages), which name the runs that were added or got params, tags or points;
 *   - the runs that were running or scheduled, by their ids;
 *   - one digest, computed inside SQLite, of the rows of runs and tags of every other run: when it
 *     differs, something was edited in place or deleted, and everything is read again (rare: a
 *     late tag, a deletion, a resumed run).
 * Every `fullEveryMs` everything is read again anyway, as a safety net.
 */
import type { DbWatermark } from './model';
import { digest } from './model';
import { num, text, type TableReader } from './sqliteTables';

export const FOLLOWED_TABLES = ['runs', 'params', 'tags', 'latest_metrics'] as const;
type Rowids = DbWatermark['rowids'];

/** Every column of a run the reader reads. */
const RUN_COLUMNS = ['run_uuid', 'experiment_id', 'name', 'status', 'lifecycle_stage', 'start_time', 'end_time', 'user_id', 'artifact_uri'];
const TAG_COLUMNS = ['run_uuid', 'key', 'value'];

/** The columns of `table` among `wanted` (those it has), as one string per row. */
function rowText(tables: TableReader, table: string, wanted: readonly string[]): string | undefined {
  const columns = tables.columns(table, true);
  if (!columns?.has('run_uuid')) return undefined;
  return wanted.filter(c => columns.has(c)).map(c => `ifnull(quote("${c}"), '')`).join(' || char(31) || ');
}

/** Each followed table's highest rowid (0 when empty), or undefined when one cannot be read. */
export function highestRowids(tables: TableReader): Rowids | undefined {
  const rowids: Partial<Rowids> = {};
  try {
    // Asked of SQLite directly: a missing table is the table reader's to report, not this question's.
    for (const table of FOLLOWED_TABLES) rowids[table] = num(tables.first(`SELECT max(rowid) FROM "${table}"`) ?? null) ?? 0;
  } catch {
    return undefined;
  }
  return rowids as Rowids;
}

/**
 * A digest of every row of `runs` up to `rowids.runs` and of `tags` up to `rowids.tags`, leaving
 * out the runs in `running` (which are read again anyway): built by SQLite itself, so that
 * tens of thousands of rows cost one string rather than a JavaScript object each. Undefined when
 * the tables lack a column (another MLflow version): then every follow-up reads everything.
 */
export function settledDigest(tables: TableReader, rowids: Rowids, running: readonly string[]): string | undefined {
  const ids = JSON.stringify(running);
  const notRunning = 'run_uuid NOT IN (SELECT value FROM json_each(?))';
  const runRow = rowText(tables, 'runs', RUN_COLUMNS);
  const tagRow = rowText(tables, 'tags', TAG_COLUMNS);
  if (!runRow || !tagRow) return undefined;
  try {
    const parts = [
      tables.all(`SELECT group_concat(r, char(30)) FROM (SELECT ${runRow} AS r FROM runs WHERE rowid <= ? AND ${notRunning} ORDER BY rowid)`, [rowids.runs, ids]),
      tables.all(`SELECT group_concat(t, char(30)) FROM (SELECT ${tagRow} AS t FROM tags WHERE rowid <= ? AND ${notRunning} ORDER BY rowid)`, [rowids.tags, ids]),
    ];
    return digest(parts.map(rows => String(rows[0]?.[0] ?? '')));
  } catch {
    return undefined;
  }
}

/**
 * The runs a follow-up must read: those with rows above the rowids of `before` in any followed
 * table, those in `withNewPoints` (metric points logged since), and those that were running.
 */
export function runsToRead(tables: TableReader, before: DbWatermark, withNewPoints: Set<string>): Set<string> {
  const ids = new Set([...before.running, ...withNewPoints]);
  for (const table of FOLLOWED_TABLES) {
    // NOT INDEXED: the rows above a rowid are a range of the table itself; with DISTINCT alone
    // SQLite would rather walk the whole run_uuid index.
    for (const row of tables.all(`SELECT DISTINCT run_uuid FROM "${table}" NOT INDEXED WHERE rowid > ?`, [before.rowids[table]])) ids.add(text(row[0]) ?? '');
  }
  return ids;
}

/** Whether every table only grew since `before` (a smaller highest rowid: rows deleted, or a VACUUM). */
export function onlyGrew(before: Rowids, now: Rowids): boolean {
  return FOLLOWED_TABLES.every(t => now[t] >= before[t]);
}

