import * as fs from 'node:fs';
import * as path from 'node:path';
import initSqlJs, { type SqlJsStatic } from 'sql.js';

let loading: Promise<SqlJsStatic> | undefined;
let wasmOverride: string | undefined;

/** Tells the loader where the bundle's copy of `sql-wasm.wasm` is (the extension knows its own path). */
export function setSqlJsWasmPath(file: string): void {
  wasmOverride = file;
}

/** Loads sql.js once per process, lazily: the WASM compile costs ~30 ms and stays out of activate(). */
export function loadSqlJs(): Promise<SqlJsStatic> {
  loading ??= initSqlJs({ wasmBinary: readWasm() as unknown as ArrayBuffer }).catch((e: unknown) => {
    loading = undefined;
    throw e;
  });
  return loading;
}

function readWasm(): Buffer {
  const candidates = [
    wasmOverride,
    process.env.RUNLENS_SQLJS_WASM,
    path.join(__dirname, 'sql-wasm.wasm'),
    path.join(__dirname, '..', 'sql-wasm.wasm'),
  ];
  for (const file of candidates) {
    if (file && fs.existsSync(file)) return fs.readFileSync(file);
  }
  throw new Error(`sql-wasm.wasm not found (looked in ${candidates.filter(Boolean).join(', ')}); rebuild with 'npm run build'`);
}
