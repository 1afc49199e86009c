/**
 * The store's own errors: what a person is told in one sentence (another process writes the store,
 * the disk is full), and SQLite's errors with their result codes, to tell a damaged database from
 * anything else.
 */

/** A failure said to the person as it is, with no stack: the command line exits 2 with it. */
export class StoreError extends Error {}

/** An error SQLite returned for the catalog's database; `code` is SQLite's primary result code. */
export class SqliteError extends Error {
  constructor(message: string, readonly code: number) { super(message); }
}

const SQLITE_CORRUPT = 11;
const SQLITE_NOTADB = 26;

/**
 * Whether an error says that the catalog's database is damaged: SQLite found a malformed page or
 * record, or the file is not a database. (While a database is opened and caught up with, any
 * SqliteError counts: see WorkspaceStore.)
 */
export function isDamage(e: unknown): e is SqliteError {
  return e instanceof SqliteError && (e.code === SQLITE_CORRUPT || e.code === SQLITE_NOTADB || /malformed/i.test(e.message));
}

/** A file system error in the words a person acts on. */
export function fileProblem(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  switch (err.code) {
    case 'ENOSPC': return 'the disk is full';
    case 'EDQUOT': return 'the disk quota is used up';
    case 'EROFS': return 'the file system is read-only';
    case 'EACCES': case 'EPERM': return 'permission denied';
    default: return err.message;
  }
}
