/**
 * Opening an SQLite file with sql.js without reading it whole: sql.js opens a database only from
 * bytes it holds in its in-memory file system, and that file system reads a file's pages through
 * the contents object it keeps (`contents.subarray(start, end)`). Handing it an object that reads
 * those ranges from the file on demand lets SQLite read only the pages a query needs: a follow-up
 * that looks a hundred runs up by index reads a few megabytes of a gigabyte-sized `mlflow.db`.
 *
 * This leans on how sql.js 1.x keeps a file it is given (its first write to an empty file keeps
 * `data.slice(0, length)`; reads copy `contents.subarray(position, position + size)`), so a caller
 * must be ready to fall back to reading the file whole: `openLazily` checks that the view it gave
 * is the one being read from, and returns undefined when it is not. The file is opened read-only and
 * nothing is ever written to it: a write to the view throws.
 */
import * as fs from 'node:fs';
import type { Database, SqlJsStatic } from 'sql.js';

/** Bytes read from the file at a time, and how many such blocks are kept. */
const BLOCK = 4096;
const CACHED_BLOCKS = 4096;

/** A read-only window on a file that sql.js's file system takes for the file's bytes. */
export class LazyFileBytes {
  /** Bytes read from the file so far (what a test or a benchmark may check). */
  bytesRead = 0;
  /** Whether sql.js read through this object (the check that the trick still works). */
  used = false;
  private readonly blocks = new Map<number, Uint8Array>();

  constructor(private readonly fd: number, readonly length: number) {}

  /** sql.js keeps `slice(0, length)` of what it is given as the file's contents: the same view. */
  slice(start = 0, end = this.length): LazyFileBytes {
    if (start !== 0 || end !== this.length) throw new Error('LazyFileBytes: only the whole file can be taken');
    return this;
  }

  /** The bytes [start, end) of the file as it was opened. */
  subarray(start: number, end: number): Uint8Array {
    this.used = true;
    end = Math.min(end, this.length);
    const first = Math.floor(start / BLOCK);
    const last = Math.floor((end - 1) / BLOCK);
    if (first === last) {
      const block = this.block(first);
      return block.subarray(start - first * BLOCK, end - first * BLOCK);
    }
    const out = new Uint8Array(end - start);
    for (let b = first; b <= last; b++) {
      const block = this.block(b);
      const from = Math.max(start, b * BLOCK);
      const to = Math.min(end, (b + 1) * BLOCK);
      out.set(block.subarray(from - b * BLOCK, to - b * BLOCK), from - start);
    }
    return out;
  }

  /** Anything that would change the file's contents: never (nothing here writes to the file). */
  set(): never {
    throw new Error('read-only: RunLens never writes to a database it imports');
  }

  private block(index: number): Uint8Array {
    const cached = this.blocks.get(index);
    if (cached) {
      // Most recently used last, so that the first in the map is the one to let go.
      this.blocks.delete(index);
      this.blocks.set(index, cached);
      return cached;
    }
    const size = Math.min(BLOCK, this.length - index * BLOCK);
    const block = new Uint8Array(size);
    let done = 0;
    while (done < size) {
      const n = fs.readSync(this.fd, block, done, size - done, index * BLOCK + done);
      if (n === 0) break; // the file shrank since it was opened: the rest reads as zeros, and the caller's check after the read notices
      done += n;
    }
    this.bytesRead += size;
    if (this.blocks.size >= CACHED_BLOCKS) this.blocks.delete(this.blocks.keys().next().value as number);
    this.blocks.set(index, block);
    return block;
  }
}

export interface LazyDatabase {
  db: Database;
  bytes: LazyFileBytes;
  /** Whether the file is still as it was when opened (size and mtime): what was read is consistent if so. */
  unchanged(): boolean;
  /** Closes the database and the file. */
  close(): void;
}

/**
 * `dbPath` opened with sql.js reading pages on demand, or undefined when that cannot be done here
 * (an empty file, or a sql.js that does not keep the view it was given): then read it whole.
 */
export function openLazily(SQL: SqlJsStatic, dbPath: string): LazyDatabase | undefined {
  const fd = fs.openSync(dbPath, 'r');
  let db: Database | undefined;
  try {
    const before = fs.fstatSync(fd);
    if (before.size === 0) {
      fs.closeSync(fd);
      return undefined;
    }
    const bytes = new LazyFileBytes(fd, before.size);
    db = new SQL.Database(bytes as unknown as Uint8Array);
    db.run('PRAGMA writable_schema = ON'); // as openSqliteCopy does: only loosens checks on this copy
    db.exec('SELECT count(*) FROM sqlite_master');
    if (!bytes.used) throw new Error('sql.js did not read through the lazy view');
    const opened = db;
    return {
      db: opened, bytes,
      unchanged: () => {
        const now = fs.statSync(dbPath, { throwIfNoEntry: false });
        return !!now && now.size === before.size && now.mtimeMs === before.mtimeMs && now.ino === before.ino;
      },
      close: () => {
        opened.close();
        fs.closeSync(fd);
      },
    };
  } catch {
    db?.close();
    fs.closeSync(fd);
    return undefined;
  }
}
