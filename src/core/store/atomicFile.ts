import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * Every call through which the store writes a file: the snapshot, the writer's lock and the edits
 * journal all go through one of these, so the fault tests can fail any of them like a full disk or a
 * short write (test/unit/store-faults.test.ts).
 */
export interface WriteFs {
  /** 'a+': appending, and reading (the last byte of a log). */
  open(file: string, flags: 'w' | 'wx' | 'a+'): number;
  /** As write(2): may write fewer bytes than asked. */
  write(fd: number, data: Uint8Array, offset: number, length: number): number;
  fsync(fd: number): void;
  truncate(fd: number, length: number): void;
  close(fd: number): void;
  rename(from: string, to: string): void;
  /** Creates `to` as a second name of `from`; fails with EEXIST if `to` exists. */
  link(from: string, to: string): void;
  unlink(file: string): void;
}

export const realFs: WriteFs = {
  open: (file, flags) => fs.openSync(file, flags),
  write: (fd, data, offset, length) => fs.writeSync(fd, data, offset, length),
  fsync: (fd) => fs.fsyncSync(fd),
  truncate: (fd, length) => fs.ftruncateSync(fd, length),
  close: (fd) => fs.closeSync(fd),
  rename: (from, to) => fs.renameSync(from, to),
  link: (from, to) => fs.linkSync(from, to),
  unlink: (file) => fs.unlinkSync(file),
};

/** Writes per call of the snapshot's save; between them the store's thread answers queries. */
const CHUNK = 4 << 20;

const bytesOf = (data: Uint8Array | string) => (typeof data === 'string' ? Buffer.from(data, 'utf8') : data);

/** A write that stopped short without an error of its own: the disk took no more. */
function shortWrite(file: string): NodeJS.ErrnoException {
  const e = new Error(`ENOSPC: no space left on device, write '${file}' (a short write)`) as NodeJS.ErrnoException;
  e.code = 'ENOSPC';
  return e;
}

/** A name beside `file` that no other process or call uses. */
export function scratchName(file: string, tag: string): string {
  return path.join(path.dirname(file), `.${path.basename(file)}.${tag}.${crypto.randomBytes(6).toString('hex')}.tmp`);
}

/**
 * The one way RunLens replaces a file: write a temporary file beside it, fsync it, rename it over
 * the old one, fsync the folder. A reader sees the old file or the new one, never half of either;
 * a failed write (a full disk) leaves the old file as it was and no temporary file behind.
 */
export async function writeFileAtomic(file: string, data: Uint8Array | string, wfs: WriteFs = realFs): Promise<void> {
  const bytes = bytesOf(data);
  const tmp = scratchName(file, 'save');
  let fd: number | undefined;
  try {
    fd = wfs.open(tmp, 'wx');
    for (let off = 0; off < bytes.length;) {
      const n = wfs.write(fd, bytes, off, Math.min(CHUNK, bytes.length - off));
      if (n <= 0) throw shortWrite(tmp);
      off += n;
      if (off < bytes.length) await new Promise((r) => setImmediate(r));
    }
    wfs.fsync(fd);
    wfs.close(fd);
    fd = undefined;
    wfs.rename(tmp, file);
  } catch (e) {
    if (fd !== undefined) try { wfs.close(fd); } catch { /* already failing */ }
    try { wfs.unlink(tmp); } catch { /* never created, or already gone */ }
    throw e;
  }
  try {
    const dir = fs.openSync(path.dirname(file), 'r');
    try { fs.fsyncSync(dir); } catch { /* folders cannot be fsynced everywhere */ } finally { fs.closeSync(dir); }
  } catch { /* the rename is what matters */ }
}

/**
 * Writes a new file whole (no fsync: for small files that are rewritten often, such as the lock).
 * A failed write removes what it created.
 */
export function writeNewFileSync(file: string, data: Uint8Array | string, wfs: WriteFs = realFs): void {
  const bytes = bytesOf(data);
  let fd: number | undefined;
  try {
    fd = wfs.open(file, 'w');
    for (let off = 0; off < bytes.length;) {
      const n = wfs.write(fd, bytes, off, bytes.length - off);
      if (n <= 0) throw shortWrite(file);
      off += n;
    }
    wfs.close(fd);
    fd = undefined;
  } catch (e) {
    if (fd !== undefined) try { wfs.close(fd); } catch { /* already failing */ }
    try { wfs.unlink(file); } catch { /* never created */ }
    throw e;
  }
}

/**
 * Appends one line to an append-only log with a single write on an O_APPEND descriptor, so lines of
 * several processes never mix. A line that cannot be written whole is taken back (the file is cut to
 * its size before, when nothing was appended after it), so no half line stays; and a half line left
 * by someone else is closed first, so it cannot swallow this one.
 */
export function appendLineSync(file: string, text: string, wfs: WriteFs = realFs): void {
  if (!text.endsWith('\n') || text.indexOf('\n') !== text.length - 1) throw new Error('appendLineSync writes exactly one line');
  const fd = wfs.open(file, 'a+');
  try {
    const before = fs.fstatSync(fd).size;
    const bytes = Buffer.from(lastByte(fd, before) === 0x0a || before === 0 ? text : '\n' + text, 'utf8');
    let written = 0;
    try {
      written = wfs.write(fd, bytes, 0, bytes.length);
      if (written !== bytes.length) throw shortWrite(file);
    } catch (e) {
      if (written > 0 && fs.fstatSync(fd).size === before + written) {
        try { wfs.truncate(fd, before); } catch { /* the reader skips a half line it cannot parse */ }
      }
      throw e;
    }
  } finally {
    // After one whole write, a failing close loses nothing: the line is in the file.
    try { wfs.close(fd); } catch { /* see above */ }
  }
}

function lastByte(fd: number, size: number): number | undefined {
  if (size === 0) return undefined;
  const b = Buffer.alloc(1);
  try {
    return fs.readSync(fd, b, 0, 1, size - 1) === 1 ? b[0] : undefined;
  } catch {
    return undefined;
  }
}
