import * as fs from 'node:fs';
import * as path from 'node:path';
import { envCredentials, type Credentials } from '../mlflowServer/credentials';
import { normalizeServerUri } from '../mlflowServer/uri';

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

/**
 * Every run in `storeDir`'s outbox, whatever its server (`only`: those of these run ids, so a page
 * of the tree reads a file per run it shows, not per run waiting). A link is never followed.
 */
export function waitingRuns(storeDir: string, only?: ReadonlySet<string>): WaitingRun[] {
  const dir = path.join(storeDir, OUTBOX_DIR);
  let names: string[];
  try {
    if (fs.lstatSync(dir).isSymbolicLink()) return [];
    names = fs.readdirSync(dir);
  } catch { return []; }
  const runs: WaitingRun[] = [];
  for (const name of names.sort()) {
    const m = NAME.exec(name);
    if (!m || (only && !only.has(m[1]))) continue;
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

/**
 * How the Runs view marks a run of the outbox: `uploading` while its own process runs (it uploads
 * as it logs), `not uploaded` once it has ended and waits (a server that was down, a process that
 * died), with a tooltip that says where it goes and how it gets there.
 */
export function uploadMark(run: WaitingRun, running: boolean): { label: string; tooltip: string } {
  const where = run.server ?? 'its tracking server';
  return running
    ? { label: 'uploading', tooltip: `Being uploaded to ${where} by the process that logs it.` }
    : {
      label: 'not uploaded',
      tooltip: `Not uploaded to ${where} yet: it waits in .runlens/outbox, and goes up when the server answers (the window that writes this folder's store tries it in the background; RunLens: Upload Pending Runs tries now).`,
    };
}

/** The runs waiting per server (unreadable ones under ''). */
export function byServer(runs: readonly WaitingRun[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const r of runs) counts.set(r.server ?? '', (counts.get(r.server ?? '') ?? 0) + 1);
  return counts;
}

const CREDENTIALS = ['MLFLOW_TRACKING_TOKEN', 'MLFLOW_TRACKING_USERNAME', 'MLFLOW_TRACKING_PASSWORD'];

/**
 * The credentials an upload to `server` gets: those the editor keeps for its origin (entered once,
 * VS Code's secret storage), else MLflow's variables of VS Code's environment when that environment
 * names this server as its tracking URI; never credentials meant for another server.
 */
export function uploadCredentials(server: string, env: NodeJS.ProcessEnv, kept: Credentials | undefined): Credentials | undefined {
  if (kept) return kept;
  const named = [env.RUNLENS_TRACKING_URI, env.MLFLOW_TRACKING_URI].find((u) => u && u.trim());
  return named && sameServer(named, server) ? envCredentials(env) : undefined;
}

function sameServer(a: string, b: string): boolean {
  try { return normalizeServerUri(a) === normalizeServerUri(b); } catch { return false; }
}

/**
 * The uploader's environment: this process's, with the client on PYTHONPATH and the folder named,
 * and `credentials` as MLflow's variables (the only ones it gets: the environment's own are
 * dropped). They reach the uploader in its environment, in memory: never in a file or an argument.
 */
export function uploaderEnv(base: NodeJS.ProcessEnv, storeDir: string, clientDir: string, credentials: Credentials | undefined): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(base)) {
    if (!k.startsWith('RUNLENS_') && k !== 'MLFLOW_TRACKING_URI' && !CREDENTIALS.includes(k)) env[k] = v;
  }
  if (credentials && 'token' in credentials) env.MLFLOW_TRACKING_TOKEN = credentials.token;
  else if (credentials) { env.MLFLOW_TRACKING_USERNAME = credentials.username; env.MLFLOW_TRACKING_PASSWORD = credentials.password; }
  env.PYTHONPATH = [clientDir, base.PYTHONPATH].filter(Boolean).join(path.delimiter);
  env.PYTHONIOENCODING = 'utf-8';
  env.RUNLENS_DIR = storeDir;
  return env;
}

export function uploaderArgs(server: string): string[] {
  return ['-m', 'runlens.upload', '--json', '--server', server];
}

export interface UploadOutcome {
  done: number; stopped: number; waiting: number; busy: number; points: number; files: number;
  /** What the uploader said about runs it could not upload, each once (sentences for a person). */
  problems: string[];
  /** Why the artifacts of runs it uploaded stayed here (a server that keeps none), each once. */
  notes: string[];
  /** The server refused the credentials (401/403): the runs wait for them. */
  auth: boolean;
}

/** Reads the uploader's JSON lines (python/runlens/upload.py, --json). */
export function readUploadOutput(stdout: string): UploadOutcome {
  const out: UploadOutcome = { done: 0, stopped: 0, waiting: 0, busy: 0, points: 0, files: 0, problems: [], notes: [], auth: false };
  for (const line of stdout.split('\n')) {
    if (!line.trim()) continue;
    let o: Record<string, unknown>;
    try { o = JSON.parse(line) as Record<string, unknown>; } catch { continue; }
    const summary = o.summary as Record<string, unknown> | undefined;
    if (summary && typeof summary === 'object') {
      for (const k of ['done', 'stopped', 'waiting', 'busy', 'points', 'files'] as const) {
        if (typeof summary[k] === 'number') out[k] = summary[k];
      }
      continue;
    }
    if ((o.state === 'waiting' || o.state === 'stopped') && typeof o.message === 'string') {
      if (!out.problems.includes(o.message)) out.problems.push(o.message);
      if (o.problem === 'auth') out.auth = true;
    }
    if (typeof o.note === 'string' && !out.notes.includes(o.note)) out.notes.push(o.note);
  }
  return out;
}
