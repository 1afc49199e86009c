/**
 * Telling an Optuna storage by a few of its bytes: an RDB storage is an SQLite file whose schema
 * (the sqlite_master table, read page by page from its root) holds Optuna's tables; a journal's
 * first line creates a study.
 */
import { promises as fs } from 'node:fs';
import { SQLITE_MAGIC } from '../sources/sqliteFile';

/** Pages of sqlite_master read at most: a schema of a few dozen tables takes a handful. */
const SCHEMA_PAGES = 64;

async function head(file: string, bytes: number): Promise<Buffer | undefined> {
  let handle;
  try {
    handle = await fs.open(file, 'r');
    const buf = Buffer.alloc(bytes);
    const { bytesRead } = await handle.read(buf, 0, bytes, 0);
    return buf.subarray(0, bytesRead);
  } catch {
    return undefined;
  } finally {
    await handle?.close();
  }
}

/**
 * The text of an SQLite file's schema pages (the leaves of sqlite_master's b-tree, whose root is
 * page 1), without reading the rest of the file: enough to find `CREATE TABLE` statements.
 */
async function schemaText(file: string): Promise<string | undefined> {
  let handle;
  try {
    handle = await fs.open(file, 'r');
    const header = Buffer.alloc(100);
    if ((await handle.read(header, 0, 100, 0)).bytesRead < 100 || header.subarray(0, 16).toString('latin1') !== SQLITE_MAGIC) return undefined;
    const raw = header.readUInt16BE(16);
    const size = raw === 1 ? 65536 : raw;
    const page = Buffer.alloc(size);
    const queue = [1];
    const texts: string[] = [];
    for (let read = 0; queue.length && read < SCHEMA_PAGES; read++) {
      const n = queue.shift()!;
      if ((await handle.read(page, 0, size, (n - 1) * size)).bytesRead < size) break;
      const at = n === 1 ? 100 : 0;
      if (page[at] === 0x0d) texts.push(page.toString('latin1'));
      else if (page[at] === 0x05) {
        // An interior page: its cells point at the pages below it, and its header at the right-most one.
        const cells = page.readUInt16BE(at + 3);
        for (let i = 0; i < cells; i++) queue.push(page.readUInt32BE(page.readUInt16BE(at + 12 + 2 * i)));
        queue.push(page.readUInt32BE(at + 8));
      }
    }
    return texts.join('\n');
  } catch {
    return undefined;
  } finally {
    await handle?.close();
  }
}

/** Whether the file is an SQLite database at all. */
export async function isSqlite(file: string): Promise<boolean> {
  const b = await head(file, 16);
  return b?.toString('latin1') === SQLITE_MAGIC;
}

/** Whether the file is an SQLite database holding Optuna's tables. */
export async function isOptunaDb(file: string): Promise<boolean> {
  const text = await schemaText(file);
  return !!text && ['studies', 'trials', 'trial_params'].every((t) => new RegExp(`CREATE TABLE "?${t}"? \\(`).test(text));
}

/** Whether the file is an Optuna journal: its first line creates a study. */
export async function isOptunaJournal(file: string): Promise<boolean> {
  const b = await head(file, 4096);
  const first = b?.toString('utf8').split('\n', 1)[0];
  if (!first?.startsWith('{"op_code": 0')) return false;
  try {
    const log = JSON.parse(first) as Record<string, unknown>;
    return typeof log.study_name === 'string' && Array.isArray(log.directions);
  } catch {
    return false;
  }
}

/**
 * The file an `sqlite:///` storage URL names, as SQLAlchemy reads it: `sqlite:///study.db` is
 * relative (to where Optuna ran), `sqlite:////abs/study.db` absolute. Anything else is no file.
 */
export function sqliteUrlPath(url: string): string | undefined {
  const m = /^sqlite:\/\/\/([^?]+)(?:\?.*)?$/.exec(url.trim());
  return m ? decodeURIComponent(m[1]) : undefined;
}
