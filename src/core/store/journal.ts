import * as fs from 'node:fs';
import { readLines } from '../runlog/lines';
import type { Reporter } from './ingest';
import { appendLineSync, realFs, type WriteFs } from './atomicFile';
import { FILE_SOURCE_KINDS, type FileSourceKind } from '../sources/source';

/** Edits made in the editor, kept as an append-only log beside the run logs (docs/run-log.md). */
export type JournalEvent =
  | { e: 'tag'; run: string; key: string; value: string }
  | { e: 'untag'; run: string; key: string }
  | { e: 'note'; run: string; text: string }
  | { e: 'delete'; run: string }
  | { e: 'restore'; run: string }
  | { e: 'source'; kind: FileSourceKind; path: string }
  /** A tracking server followed from this workspace (`runlens import http://…`), and which of its experiments. */
  | { e: 'source'; kind: 'mlflow-server'; path: string; experiments?: string[] };

const s = (v: unknown): v is string => typeof v === 'string';

function parseJournalEvent(raw: unknown): JournalEvent | string {
  if (typeof raw !== 'object' || raw === null) return 'not a JSON object';
  const r = raw as Record<string, unknown>;
  switch (r.e) {
    case 'tag': return s(r.run) && s(r.key) && s(r.value) ? { e: 'tag', run: r.run, key: r.key, value: r.value } : "'tag' needs run, key and value";
    case 'untag': return s(r.run) && s(r.key) ? { e: 'untag', run: r.run, key: r.key } : "'untag' needs run and key";
    case 'note': return s(r.run) && s(r.text) ? { e: 'note', run: r.run, text: r.text } : "'note' needs run and text";
    case 'delete': case 'restore': return s(r.run) ? { e: r.e, run: r.run } : `'${r.e}' needs run`;
    case 'source':
      if (r.kind === 'mlflow-server' && s(r.path)) {
        const experiments = Array.isArray(r.experiments) ? r.experiments.filter(s) : undefined;
        return experiments?.length ? { e: 'source', kind: r.kind, path: r.path, experiments } : { e: 'source', kind: r.kind, path: r.path };
      }
      return FILE_SOURCE_KINDS.includes(r.kind as FileSourceKind) && s(r.path) ? { e: 'source', kind: r.kind as FileSourceKind, path: r.path } : "'source' needs kind and path";
    default: return `unknown edit '${String(r.e)}'`;
  }
}

export class Journal {
  constructor(readonly file: string, private readonly wfs: WriteFs = realFs) {}

  /** Appends one edit as one whole line (one write on an O_APPEND descriptor), or nothing if it fails. */
  append(ev: JournalEvent): void {
    appendLineSync(this.file, JSON.stringify({ ...ev, t: Date.now() }) + '\n', this.wfs);
  }

  /**
   * The edits from `offset` on. A journal shorter than `offset` was replaced (restored, copied):
   * it is read again from the start, which is safe because every edit can be applied twice.
   */
  read(offset: number, line: number, report: Reporter): { events: JournalEvent[]; offset: number; line: number; restarted?: boolean } {
    if (!fs.existsSync(this.file)) return { events: [], offset, line };
    if (fs.statSync(this.file).size < offset) return { ...this.read(0, 0, report), restarted: true };
    const events: JournalEvent[] = [];
    const r = readLines(this.file, offset, line, (l) => {
      if (!l.ok) { report.problem(`journal.jsonl:${l.line}: ${l.reason}`); return; }
      // The line break that closes a half line a failed write left (see appendLineSync).
      if (l.text.trim() === '') return;
      let raw: unknown;
      try { raw = JSON.parse(l.text); } catch { report.problem(`journal.jsonl:${l.line}: not JSON; skipped`); return; }
      const ev = parseJournalEvent(raw);
      if (typeof ev === 'string') report.problem(`journal.jsonl:${l.line}: ${ev}; skipped`);
      else events.push(ev);
    });
    return { events, offset: r.offset, line: r.line };
  }
}
