/**
 * Loading sql.js once, lazily (compiling its WASM costs tens of milliseconds, and an extension
 * must not pay that while activating). The bundled extension points `wasmPath` at its own copy of
 * `sql-wasm.wasm`; in plain Node sql.js finds the file next to its script.
 */
import initSqlJs, { type SqlJsStatic } from 'sql.js';

export interface SqlJsOptions {
  /** Path of `sql-wasm.wasm`. */
  wasmPath?: string;
  /** Or Emscripten's own hook, given the file name sql.js wants. */
  locateFile?: (file: string) => string;
}

const loaded = new Map<string, Promise<SqlJsStatic>>();

export function loadSqlJs(options: SqlJsOptions = {}): Promise<SqlJsStatic> {
  const locateFile = options.locateFile ?? (options.wasmPath ? () => options.wasmPath as string : undefined);
  const cacheKey = options.wasmPath ?? (options.locateFile ? options.locateFile('sql-wasm.wasm') : '');
  let sql = loaded.get(cacheKey);
  if (!sql) {
    sql = initSqlJs(locateFile ? { locateFile } : undefined);
    // A failed load (a wrong path) must not stick: the next call tries again.
    sql.catch(() => loaded.delete(cacheKey));
    loaded.set(cacheKey, sql);
  }
  return sql;
}
