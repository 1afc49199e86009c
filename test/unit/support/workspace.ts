import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Reporter } from '../../../src/core/store/ingest';

const made: string[] = [];
// Root-level hook: every test file that makes workspaces removes them when it is done.
after(() => { for (const dir of made.splice(0)) fs.rmSync(dir, { recursive: true, force: true }); });

/** A throwaway workspace folder with a `.runlens/` that tests write run logs into; removed after the file's tests. */
export function tempWorkspace(parent = os.tmpdir()): string {
  const dir = fs.mkdtempSync(path.join(parent, 'runlens-test-'));
  made.push(dir);
  return dir;
}

export class CollectingReporter implements Reporter {
  problems: string[] = [];
  infos: string[] = [];
  problem(m: string): void { this.problems.push(m); }
  info(m: string): void { this.infos.push(m); }
}

/** Today (UTC), and a time an hour ago: the tests must pass on any day, not just the one they were written. */
export const DAY = new Date().toISOString().slice(0, 10);
export const T0 = Date.now() - 3_600_000;

/** Appends raw text to a run's log, as a logging process would. */
export function appendLog(folder: string, runId: string, text: string, day = DAY): string {
  const dir = path.join(folder, '.runlens', 'runs', day);
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${runId}.jsonl`);
  fs.appendFileSync(file, text);
  return file;
}

export function line(ev: Record<string, unknown>): string {
  return JSON.stringify(ev) + '\n';
}

export interface FakeRun {
  id: string;
  experiment?: string;
  params?: Record<string, string>;
  metrics?: [string, number | string, number][];
  status?: 'finished' | 'failed' | 'killed' | null;
  pid?: number;
  host?: string;
  t?: number;
}

/** Writes a whole run log: start, params, metrics, and an end unless status is null. */
export function writeRun(folder: string, r: FakeRun, day = DAY): string {
  const t = r.t ?? T0;
  let text = line({ e: 'start', v: 1, t, run: r.id, experiment: r.experiment ?? 'exp', name: `run-${r.id}`, parent: null,
    script: { path: 'train.py', sha256: 'abc' }, git: null, host: r.host ?? 'elsewhere', pid: r.pid ?? 1, python: '3.11', argv: [] });
  if (r.params) text += line({ e: 'params', t, params: r.params });
  if (r.metrics?.length) text += line({ e: 'metrics', t, points: r.metrics.map(([k, v, s], i) => [k, v, s, t + i]) });
  if (r.status !== null) text += line({ e: 'end', t: t + 1000, status: r.status ?? 'finished', error: null });
  return appendLog(folder, r.id, text, day);
}
