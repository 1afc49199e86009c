import * as path from 'node:path';
import { readLines } from '../runlog/lines';
import { parseEvent } from '../runlog/events';

/** Where a run log lives, relative to `.runlens/`. */
export const RUN_LOG_SOURCE = /^runs\/\d{4}-\d{2}-\d{2}\/[A-Za-z0-9_-]{1,64}\.jsonl$/;

export interface HistoryPoint { step: number; value: number; timestamp: number }

/**
 * Full metric histories are not kept in the catalog (10M points would make every snapshot cost
 * seconds): they are read on demand from the run log, which holds every point anyway.
 */
export function readRunLogHistory(storeDir: string, source: string, keys?: string[]): Record<string, HistoryPoint[]> {
  // `source` comes from the database, which users copy and commit: it must name a run log, nothing else.
  if (!RUN_LOG_SOURCE.test(source)) throw new Error(`not a run log: ${source}`);
  const out: Record<string, HistoryPoint[]> = {};
  const wanted = keys ? new Set(keys) : undefined;
  readLines(path.join(storeDir, source), 0, 0, (l) => {
    if (!l.ok || !l.text.includes('"metric')) return;
    let raw: unknown;
    try { raw = JSON.parse(l.text); } catch { return; }
    const parsed = parseEvent(raw);
    if (!parsed.ok || parsed.event.e !== 'metrics') return;
    for (const p of parsed.event.points) {
      if (wanted && !wanted.has(p.key)) continue;
      (out[p.key] ??= []).push({ step: p.step, value: p.value, timestamp: p.t });
    }
  });
  return out;
}

/** Non-finite numbers (and -0.0, whose sign JSON.stringify drops) as the strings JSON output uses for them. */
export function jsonNumber(v: number): number | string {
  if (Number.isNaN(v)) return 'NaN';
  if (Object.is(v, -0)) return '-0.0';
  if (v === Infinity) return 'Infinity';
  if (v === -Infinity) return '-Infinity';
  return v;
}
