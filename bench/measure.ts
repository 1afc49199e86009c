/** What the import benchmarks share: timing, rounding, a scratch folder, the raw read floor of an SQLite file. */
import * as fs from 'node:fs';
import * as os from 'node:os';
import type { SqlJsStatic } from 'sql.js';

export async function seconds(work: () => Promise<void>): Promise<number> {
  const start = performance.now();
  await work();
  return (performance.now() - start) / 1000;
}

export function round(n: number): number {
  return Number(n.toPrecision(4));
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/**
 * The floor of reading an SQLite source: read the file, open it with sql.js and step through every
 * row of `tables` (`SELECT *`), doing nothing with them.
 */
export function rawReadTables(SQL: SqlJsStatic, dbPath: string, tables: readonly string[]): void {
  const db = new SQL.Database(fs.readFileSync(dbPath));
  try {
    for (const table of tables) {
      const statement = db.prepare(`SELECT * FROM ${table}`);
      while (statement.step()) statement.get();
      statement.free();
    }
  } finally {
    db.close();
  }
}

/**
 * Where stores are written for a benchmark: a RAM disk where there is one (/dev/shm;
 * RUNLENS_BENCH_TMP overrides), so that the figures measure the reader rather than the disk.
 */
export function scratchParent(): string {
  const chosen = process.env.RUNLENS_BENCH_TMP;
  if (chosen) return chosen;
  try {
    fs.accessSync('/dev/shm', fs.constants.W_OK);
    return '/dev/shm';
  } catch {
    return os.tmpdir();
  }
}
