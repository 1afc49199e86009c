import * as fs from 'node:fs';

/** A line longer than this (its bytes without the newline) is skipped and reported rather than held in memory. */
export const MAX_LINE_BYTES = 64 * 1024 * 1024;
const CHUNK = 4 * 1024 * 1024;
const NEWLINE = 0x0a;
const utf8 = new TextDecoder('utf-8', { fatal: true });

export type LineResult =
  | { ok: true; text: string; offset: number; line: number }
  | { ok: false; offset: number; line: number; reason: string };

export interface ReadResult {
  /** Where the next read starts: just past the last complete line. A partial last line is left for later. */
  offset: number;
  line: number;
  /** Bytes that were read but belong to a line not finished yet. */
  pending: number;
}

/**
 * Reads the complete lines appended to `file` since `offset` (1-based `line` counts them), calling
 * `onLine` for each. Invalid UTF-8 and over-long lines are reported through `onLine`, never thrown:
 * one bad line must not cost the good ones around it. `followLinks`: for a file outside `.runlens/`
 * that its owner may well keep behind a symbolic link (an Optuna journal, which SourcePolicy has
 * already checked where it really is).
 */
export function readLines(file: string, offset: number, line: number, onLine: (l: LineResult) => void, { followLinks = false } = {}): ReadResult {
  // A log that is a symbolic link is not followed (it could point outside .runlens/): ELOOP.
  const fd = fs.openSync(file, fs.constants.O_RDONLY | (followLinks ? 0 : fs.constants.O_NOFOLLOW ?? 0));
  try {
    const size = fs.fstatSync(fd).size;
    if (size < offset) {
      // The file shrank: it was replaced or truncated. Nothing recorded is dropped; the caller reports it.
      return { offset, line, pending: -1 };
    }
    let pos = offset;
    let carry: Buffer[] = [];
    let carryLen = 0;
    let lineStart = offset;
    let skipping = false;
    const buf = Buffer.allocUnsafe(Math.min(CHUNK, Math.max(1, size - offset)));
    while (pos < size) {
      const n = fs.readSync(fd, buf, 0, Math.min(buf.length, size - pos), pos);
      if (n <= 0) break;
      let start = 0;
      for (;;) {
        const nl = buf.indexOf(NEWLINE, start);
        if (nl < 0 || nl >= n) break;
        const piece = buf.subarray(start, nl);
        line++;
        if (skipping || carryLen + piece.length > MAX_LINE_BYTES) {
          onLine({ ok: false, offset: lineStart, line, reason: `line longer than ${MAX_LINE_BYTES} bytes, skipped` });
          skipping = false;
        } else {
          const bytes = carryLen ? Buffer.concat([...carry, piece]) : piece;
          emit(bytes, lineStart, line, onLine);
        }
        carry = []; carryLen = 0;
        start = nl + 1;
        lineStart = pos + start;
      }
      if (start < n && !skipping) {
        carry.push(Buffer.from(buf.subarray(start, n)));
        carryLen += n - start;
        if (carryLen > MAX_LINE_BYTES) { skipping = true; carry = []; carryLen = 0; }
      }
      pos += n;
    }
    return { offset: lineStart, line, pending: size - lineStart };
  } finally {
    fs.closeSync(fd);
  }
}

function emit(bytes: Buffer, offset: number, line: number, onLine: (l: LineResult) => void): void {
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    onLine({ ok: false, offset, line, reason: 'the line is not valid UTF-8' });
    return;
  }
  if (text.endsWith('\r')) text = text.slice(0, -1);
  onLine({ ok: true, text, offset, line });
}
