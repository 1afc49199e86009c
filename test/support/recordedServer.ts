/**
 * The Python tests' recorded MLflow 2.17.2 server (python/tests/mlflowrecorded.py) in a process of
 * its own, for the TypeScript tiers that need a server the Python client uploads to: it answers
 * only with recorded exchanges, refuses any request the real server was not sent (said on its
 * stderr, kept in `unexpected`), and appends every request to a log read by `requests()`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as readline from 'node:readline';

export const PYTHON = fs.existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';

/** What an upload asks, with the answers the recorded server gave for one sweep. */
export const UPLOAD_ANSWERS = [
  'experiments/get-by-name=017-experiments-get-by-name', 'runs/create=024-runs-create-sweep-parent,025-runs-create-sweep-lr-0-001,026-runs-create-sweep-lr-0-01',
  'runs/log-batch=049-runs-log-batch-child1', 'runs/update=075-runs-update-finished', 'metrics/get-history=157-history-unknown-key',
  'runs/search=113-runs-search-filter-metrics-nan',
  // A window follows the server MLFLOW_TRACKING_URI names (its read side): its experiments, none of whose runs it has.
  'experiments/search=008-experiments-search-all',
];

export class RecordedServer {
  uri = '';
  private proc: ChildProcess | undefined;
  readonly requestLog = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'runlens-recorded-')), 'requests.jsonl');
  unexpected = '';

  /** `pythonDir`: the checkout's (or the extension's) python/ folder. */
  constructor(private readonly pythonDir: string) {}

  /** `auth`: the Authorization header a proxy in front of the server wants (else it answers 401). */
  async start(port = 0, auth?: string, answers = UPLOAD_ANSWERS): Promise<this> {
    const proc = this.proc = spawn(PYTHON, ['-m', 'tests.mlflowrecorded', '--port', String(port), '--log', this.requestLog, ...(auth ? ['--auth', auth] : []), ...answers],
      { cwd: this.pythonDir, stdio: ['ignore', 'pipe', 'pipe'] });
    proc.stderr!.on('data', (d: Buffer) => { this.unexpected += d.toString(); });
    const first = await new Promise<string>((resolve, reject) => {
      readline.createInterface({ input: proc.stdout! }).once('line', resolve);
      proc.once('exit', (code) => reject(new Error(`the recorded server exited (${code}): ${this.unexpected}`)));
    });
    this.uri = first.trim();
    return this;
  }

  /** The requests to `endpoint` (`''`: every one) the server answered or refused so far (it writes them down within 0.1 s). */
  requests(endpoint: string): Record<string, any>[] {
    if (!fs.existsSync(this.requestLog)) return [];
    return fs.readFileSync(this.requestLog, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l))
      .filter((r) => !endpoint || r.path.endsWith(`/${endpoint}`));
  }

  stop(): void { this.proc?.kill(); }
}

/**
 * What a process leaves in `folder` when the server was down for its whole run: a finished log that
 * says it goes to the server, and its outbox entry. Returns the log's path.
 */
export function writeWaitingRun(folder: string, id: string, serverUri: string): string {
  const day = new Date().toISOString().slice(0, 10);
  const t = Date.now() - 60_000;
  const lines = [
    { e: 'start', v: 1, t, run: id, experiment: 'rec-alpha', name: null, parent: null, script: null, git: null, host: 'test', pid: 1 },
    { e: 'params', t, params: { lr: '0.125' } },
    { e: 'upload', t, server: serverUri, step: 'queued' },
    { e: 'metrics', t, points: [['accuracy', 0.5, 0, t], ['accuracy', 0.75, 1, t + 1]] },
    { e: 'end', t: t + 1000, status: 'finished', error: null },
  ];
  const log = path.join(folder, '.runlens', 'runs', day, `${id}.jsonl`);
  fs.mkdirSync(path.dirname(log), { recursive: true });
  fs.writeFileSync(log, lines.map((l) => JSON.stringify(l)).join('\n') + '\n');
  fs.mkdirSync(path.join(folder, '.runlens', 'outbox'), { recursive: true });
  fs.writeFileSync(path.join(folder, '.runlens', 'outbox', `${id}.json`), JSON.stringify({ server: serverUri, log: `runs/${day}/${id}.jsonl` }));
  return log;
}

/** The `step`s of a run log's upload lines, in order. */
export function uploadSteps(log: string): string[] {
  return fs.readFileSync(log, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l)).filter((e) => e.e === 'upload').map((e) => e.step);
}
