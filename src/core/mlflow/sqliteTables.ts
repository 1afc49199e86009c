/**
 * Reading tables of a database whose schema may not be the one expected (another MLflow version)
 * or whose pages may be damaged (a truncated copy): a missing optional column reads as NULL, a
 * missing table or required column is reported, and an error part-way through a table keeps the
 * rows read before it. Nothing here writes.
 */
import type { Database, SqlValue, Statement } from 'sql.js';
import { firstLine } from './metaYaml';
import type { ImportProblem } from './model';

export type Row = SqlValue[];

/** A value computed in SQL from columns (read as NULL when the table lacks one of them). */
export interface Computed { sql: string; columns: readonly string[] }

export interface TableQuery {
  table: string;
  /** Columns (or values computed from them) to select; those the table lacks read as NULL... */
  wanted: readonly (string | Computed)[];
  /** ...unless they are required: then the table is reported and not read. */
  required: readonly string[];
  /** SQL after the FROM clause. */
  tail?: string;
  params?: SqlValue[];
  /** A missing table is not worth reporting. */
  optional?: boolean;
}

export class TableReader {
  private readonly columnCache = new Map<string, Set<string> | undefined>();

  constructor(
    private readonly db: Database,
    private readonly dbPath: string,
    private readonly problems: ImportProblem[],
  ) {}

  /**
   * Whether SQLite can read the list of tables at all; if not, that is the one problem reported
   * (every table would be "missing" otherwise).
   */
  schemaReadable(): boolean {
    try {
      this.db.exec('SELECT name FROM sqlite_master');
      return true;
    } catch (err) {
      this.report(`damaged beyond reading: its list of tables cannot be read (${firstLine(err)})`);
      return false;
    }
  }

  /** The table's column names, or undefined (reported) if it cannot be read. */
  columns(table: string, optional = false): Set<string> | undefined {
    if (this.columnCache.has(table)) return this.columnCache.get(table);
    let columns: Set<string> | undefined;
    try {
      const result = this.db.exec(`PRAGMA table_info(${quote(table)})`);
      const names = (result[0]?.values ?? []).map(row => String(row[1]));
      if (names.length) columns = new Set(names);
      else if (!optional) this.report(`table ${table} is missing`);
    } catch (err) {
      this.report(`table ${table}: ${firstLine(err)}`);
    }
    // A table found missing while only asking is not remembered: the reader that needs it reports it.
    if (columns || !optional) this.columnCache.set(table, columns);
    return columns;
  }

  /** Calls `onRow` for each row of `query`; returns how many, or -1 if the table is unreadable. */
  scan(query: TableQuery, onRow: (row: Row) => void): number {
    const statement = this.prepare(query);
    if (!statement) return -1;
    try {
      return this.stepRows(statement, query.table, onRow, 0, Infinity).count;
    } finally {
      statement.free();
    }
  }

  /**
   * `scan` for tables of millions of rows: gives the event loop a turn every `sliceMs`, so that
   * an extension host stays responsive while it runs.
   */
  async scanSliced(query: TableQuery, onRow: (row: Row) => void, sliceMs: number): Promise<number> {
    const statement = this.prepare(query);
    if (!statement) return -1;
    try {
      for (let count = 0; ;) {
        const slice = this.stepRows(statement, query.table, onRow, count, sliceMs);
        count = slice.count;
        if (slice.done) return count;
        await new Promise(resolve => setImmediate(resolve));
      }
    } finally {
      statement.free();
    }
  }

  /**
   * Steps `statement` for up to `sliceMs`, calling `onRow` for each row: a plain loop, as resuming
   * a generator for each of five million rows costs about as much as SQLite's own stepping. An
   * error part-way is reported and ends the rows.
   */
  private stepRows(statement: Statement, table: string, onRow: (row: Row) => void, count: number, sliceMs: number): { count: number; done: boolean } {
    const start = performance.now();
    for (;;) {
      let row: Row;
      try {
        if (!statement.step()) return { count, done: true };
        row = statement.get();
      } catch (err) {
        this.report(`table ${table}: ${firstLine(err)} (after ${count} rows)`);
        return { count, done: true };
      }
      onRow(row);
      if ((++count & 0xfff) === 0 && performance.now() - start > sliceMs) return { count, done: false };
    }
  }

  /** The statement selecting the `wanted` columns, or undefined (reported) when the table cannot be read. */
  private prepare({ table, wanted, required, tail = '', params = [], optional = false }: TableQuery): Statement | undefined {
    const columns = this.columns(table, optional);
    if (!columns) return undefined;
    const missing = required.filter(c => !columns.has(c));
    if (missing.length) {
      this.report(`table ${table} lacks column ${missing.join(', ')}: not read`);
      return undefined;
    }
    const select = wanted.map(c => (typeof c === 'string' ? (columns.has(c) ? quote(c) : 'NULL')
      : c.columns.every(x => columns.has(x)) ? c.sql : 'NULL')).join(', ');
    try {
      const statement = this.db.prepare(`SELECT ${select} FROM ${quote(table)} ${tail}`);
      if (params.length) statement.bind(params);
      return statement;
    } catch (err) {
      this.report(`table ${table}: ${firstLine(err)} (after 0 rows)`);
      return undefined;
    }
  }

  /** Every row `sql` gives (with `params` bound); throws what sql.js throws. */
  all(sql: string, params: SqlValue[] = []): Row[] {
    const statement = this.db.prepare(sql);
    try {
      statement.bind(params);
      const rows: Row[] = [];
      while (statement.step()) rows.push(statement.get());
      return rows;
    } finally {
      statement.free();
    }
  }

  /** The first value `sql` gives; throws what sql.js throws. */
  first(sql: string): SqlValue | undefined {
    return this.db.exec(sql)[0]?.values[0]?.[0];
  }

  report(message: string): void {
    this.problems.push({ path: this.dbPath, message });
  }
}

function quote(identifier: string): string {
  return '"' + identifier.replace(/"/g, '""') + '"';
}

/** A column value as text (MLflow's ids and names), undefined for NULL. */
export function text(value: SqlValue): string | undefined {
  if (typeof value === 'string') return value;
  return value === null ? undefined : String(value);
}

/** A column value as a number (times, steps), null for NULL or anything not numeric. */
export function num(value: SqlValue): number | null {
  if (typeof value === 'number') return value;
  if (typeof value === 'string' && value.trim() !== '' && !Number.isNaN(Number(value))) return Number(value);
  return null;
}
