import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * The runs of a `.runlens/` folder that wait to be uploaded to a tracking server, and how the
 * extension has them uploaded: by the Python client's own uploader (`python -m runlens.upload`,
 * python/runlens/upload.py), so there is one implementation of uploading, resuming and locking.
 * docs/run-log.md ("Uploads") has the format: `outbox/<run id>.json` holds `{"server", "log"}`.
 */

export const OUTBOX_DIR = 'outbox';
const NAME = /^([A-Za-z0-9_-]{1,64})\.json$/;

export interface WaitingRun {
  runId: string;
  /** The server's URI (no credentials) as the run's log names it; undefined while unreadable. */
  server?: string;
}

/** Every run in `storeDir`'s outbox, whatever its server. A link is never followed. */
export function waitingRuns(storeDir: string): WaitingRun[] {
  const dir = path.join(storeDir, OUTBOX_DIR);
  let names: string[];
  try {
    if (fs.lstatSync(dir).isSymbolicLink()) return [];
    names = fs.readdirSync(dir);
  } catch { return []; }
  const runs: WaitingRun[] = [];
  for (const name of names.sort()) {
    const m = NAME.exec(name);
    if (!m) continue;
    let server: string | undefined;
    try {
      const file = path.join(dir, name);
      if (!fs.lstatSync(file).isFile()) continue;
      const parsed = JSON.parse(fs.readFileSync(file, 'utf8')) as { server?: unknown };
      if (typeof parsed.server === 'string') server = parsed.server;
    } catch { /* being written, or just removed: counted without its server */ }
    runs.push({ runId: m[1], server });
  }
  return runs;
}

/** The runs waiting per server (unreadable ones under ''). */
export function byServer(runs: readonly WaitingRun[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const r of runs) counts.set(r.server ?? '', (counts.get(r.server ?? '') ?? 0) + 1);
  return counts;
}

/**
 * A server URI as run logs record it: scheme and host in lower case, the port, the path without its
 * last '/', no credentials, no query (python/runlens/_tracking.py `Server.uri`). Undefined for
 * anything that is not an http(s) URI.
 */
export function serverIdentity(uri: string): string | undefined {
  let u: URL;
  try { u = new URL(uri.trim()); } catch { return undefined; }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') return undefined;
  const host = u.hostname.toLowerCase();
  const port = u.port ? `:${u.port}` : '';
  return `${u.protocol}//${host}${port}${u.pathname.replace(/\/+$/, '')}`;
}

const CREDENTIALS = ['MLFLOW_TRACKING_TOKEN', 'MLFLOW_TRACKING_USERNAME', 'MLFLOW_TRACKING_PASSWORD'];

/**
 * The uploader's environment: this process's, with the client on PYTHONPATH and the folder named;
 * MLflow's credential variables only when they belong to `server` (the tracking URI of the same
 * environment names it), so credentials never go to a server they were not given for.
 */
export function uploaderEnv(base: NodeJS.ProcessEnv, server: string, storeDir: string, clientDir: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(base)) if (!k.startsWith('RUNLENS_') && k !== 'MLFLOW_TRACKING_URI') env[k] = v;
  const named = [base.RUNLENS_TRACKING_URI, base.MLFLOW_TRACKING_URI].find((u) => u && u.trim());
  if (!named || serverIdentity(named) !== server) for (const k of CREDENTIALS) delete env[k];
  env.PYTHONPATH = [clientDir, base.PYTHONPATH].filter(Boolean).join(path.delimiter);
  env.PYTHONIOENCODING = 'utf-8';
  env.RUNLENS_DIR = storeDir;
  return env;
}

export function uploaderArgs(server: string): string[] {
  return ['-m', 'runlens.upload', '--json', '--server', server];
}

export interface UploadOutcome {
  done: number; stopped: number; waiting: number; busy: number; points: number;
  /** What the uploader said about runs it could not upload, each once (sentences for a person). */
  problems: string[];
}

/** Reads the uploader's JSON lines (python/runlens/upload.py, --json). */
export function readUploadOutput(stdout: string): UploadOutcome {
  const out: UploadOutcome = { done: 0, stopped: 0, waiting: 0, busy: 0, points: 0, problems: [] };
  for (const line of stdout.split('\n')) {
    if (!line.trim()) continue;
    let o: Record<string, unknown>;
    try { o = JSON.parse(line) as Record<string, unknown>; } catch { continue; }
    const summary = o.summary as Record<string, unknown> | undefined;
    if (summary && typeof summary === 'object') {
      for (const k of ['done', 'stopped', 'waiting', 'busy', 'points'] as const) {
        if (typeof summary[k] === 'number') out[k] = summary[k];
      }
    } else if ((o.state === 'waiting' || o.state === 'stopped') && typeof o.message === 'string' && !out.problems.includes(o.message)) {
      out.problems.push(o.message);
    }
  }
  return out;
}
