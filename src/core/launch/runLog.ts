/**
 * The launcher's part of a run log (docs/run-log.md, "Launched runs").
 *
 * The launcher writes the `start` and `params` lines before the process exists, so the run shows
 * as running at once and no process can race it for the file. The Python client, finding that log
 * under RUNLENS_RUN_ID, appends to it (its own `start` line completes the first). Until the client
 * writes, the launcher keeps the run alive with heartbeats; once the process has exited, it writes
 * the `end` line if nobody did. Every write is one whole line on an `O_APPEND` descriptor, so the
 * two writers never interleave bytes.
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pythonStr } from '../params/canonical';
import { readLines } from '../runlog/lines';
import type { EndEvent, EndStatus } from '../runlog/events';

export interface LaunchRecord {
  /** The `.runlens` folder. */
  dir: string;
  runId: string;
  experiment: string;
  script: string;
  argv: string[];
  params: Record<string, unknown>;
  tags?: Record<string, string>;
  t?: number;
}

export type RunError = NonNullable<EndEvent['error']>;

/** 32 hex digits, as the Python client and MLflow make them. */
export function newRunId(): string {
  return crypto.randomBytes(16).toString('hex');
}

const line = (ev: Record<string, unknown>) => JSON.stringify(ev) + '\n';

export class LaunchLog {
  /** The log's size after the launcher's last write: more means the process writes it itself. */
  private expected: number;

  private constructor(readonly file: string, size: number) {
    this.expected = size;
  }

  /** Creates the log; fails if a log with this id exists (a run id is never reused). */
  static create(r: LaunchRecord): LaunchLog {
    const t = r.t ?? Date.now();
    const day = new Date(t).toISOString().slice(0, 10);
    const file = path.join(r.dir, 'runs', day, `${r.runId}.jsonl`);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    let sha256: string | null = null;
    try { sha256 = crypto.createHash('sha256').update(fs.readFileSync(r.script)).digest('hex'); } catch { /* read by the client, if it runs */ }
    const text = line({
      e: 'start', t, v: 1, run: r.runId, experiment: r.experiment, name: null, parent: null,
      script: { path: r.script, sha256 }, git: null, host: os.hostname(), pid: null, python: null, argv: r.argv,
      // What tells the Python client this log is a launcher's, waiting for it (docs/run-log.md).
      launcher: 'runlens',
    }) + (Object.keys(r.params).length ? line({ e: 'params', t, params: Object.fromEntries(Object.entries(r.params).map(([k, v]) => [k, pythonStr(v)])) }) : '')
      + (r.tags && Object.keys(r.tags).length ? line({ e: 'tags', t, tags: r.tags }) : '');
    fs.writeFileSync(file, text, { flag: 'wx' });
    return new LaunchLog(file, Buffer.byteLength(text));
  }

  /** Whether anyone but the launcher has written since (the Python client has taken the run). */
  taken(): boolean {
    try { return fs.statSync(this.file).size !== this.expected; } catch { return false; }
  }

  heartbeat(t = Date.now()): void {
    this.append({ e: 'heartbeat', t });
  }

  /** The `end` line the log has, if any (the client's, or one written earlier). */
  end(): EndEvent | undefined {
    let found: EndEvent | undefined;
    readLines(this.file, 0, 0, (l) => {
      if (!l.ok || !l.text.includes('"end"')) return;
      try {
        const ev = JSON.parse(l.text);
        if (ev?.e === 'end') found = ev;
      } catch { /* a line the store reports; not this reader's business */ }
    });
    return found;
  }

  /** Ends the run unless its process did; returns the end the log now has. */
  finish(status: EndStatus, error: RunError | null, t = Date.now()): EndEvent {
    const existing = this.end();
    if (existing) return existing;
    const ev: EndEvent = { e: 'end', t, status, error };
    this.append(ev as unknown as Record<string, unknown>);
    return ev;
  }

  private append(ev: Record<string, unknown>): void {
    const data = line(ev);
    fs.appendFileSync(this.file, data);
    this.expected += Buffer.byteLength(data);
  }
}

/** What a process's exit means for a run that never logged its own end. */
export function exitOutcome(code: number | null, signal: string | null, stderrTail: string): { status: EndStatus; error: RunError | null } {
  if (signal) return { status: 'killed', error: null };
  if (code === 0) return { status: 'finished', error: null };
  return { status: 'failed', error: errorFromStderr(code, stderrTail) };
}

/**
 * The error a failed process printed: Python's last traceback line (`ValueError: diverged`) when
 * there is one, else the last line it printed, with the exit code.
 */
export function errorFromStderr(code: number | null, stderr: string): RunError {
  const lines = stderr.replace(/\r/g, '').split('\n').map((l) => l.trimEnd()).filter(Boolean);
  const last = lines[lines.length - 1] ?? '';
  const exit = `exit code ${code ?? 'unknown'}`;
  const tb = stderr.lastIndexOf('Traceback (most recent call last):');
  const m = /^([A-Za-z_][\w.]*)(?::\s?(.*))?$/.exec(last);
  // After a traceback the last line names the exception; a SyntaxError at compile time prints none.
  if (m && (tb >= 0 || /(Error|Exception)$/.test(m[1]))) {
    return { type: m[1], message: m[2] ?? '', traceback: tb >= 0 ? stderr.slice(tb) : stderr };
  }
  return { type: exit, message: last || 'the process printed nothing on stderr', traceback: stderr || undefined };
}
