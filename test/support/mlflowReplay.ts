/**
 * Real traffic of a real MLflow 2.17.2 tracking server (shared/fixtures/mlflow-2.17.2/rest/), served
 * back over HTTP on 127.0.0.1 for the contract tests. A recording, never a re-implementation: a
 * request is answered only by a recorded response to the same request (method, path, query and
 * JSON body alike), out of the recordings the test chose; anything else gets a 599 and is kept in
 * `unmatched`, which the tests check is empty. The same request recorded twice (a search before and
 * after the server changed) is told apart by the test choosing which recordings are served now.
 */
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';

interface Recorded {
  name: string;
  method: string;
  path: string;
  query: Record<string, string | string[]>;
  body: unknown;
  status: number;
  headers: Record<string, string>;
  bodyKind: string;
  responseBody: unknown;
}

export class MlflowReplay {
  readonly unmatched: string[] = [];
  /** Every request answered, by recording name, in order. */
  readonly served: string[] = [];
  private active: Recorded[] = [];
  private stopped = false;

  private constructor(private readonly server: http.Server, private readonly all: Recorded[]) {}

  /** Serves the recordings whose numbers (`'008'`) or names are given, on a free port of 127.0.0.1. */
  static async start(restDir: string, recordings: string[]): Promise<MlflowReplay> {
    const all = fs.readdirSync(restDir).filter((f) => f.endsWith('.request.json')).sort().map((f) => load(restDir, f.slice(0, -'.request.json'.length)));
    const server = http.createServer();
    const replay = new MlflowReplay(server, all);
    server.on('request', (req, res) => replay.answer(req, res));
    replay.use(recordings);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    void replay.port;
    return replay;
  }

  private listeningOn = 0;

  get uri(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get port(): number {
    return this.listeningOn || (this.listeningOn = (this.server.address() as AddressInfo).port);
  }

  /** From now on, serve these recordings (numbers or names) instead. */
  use(recordings: string[]): void {
    this.active = recordings.map((r) => {
      const found = this.all.find((x) => x.name === r || x.name.startsWith(`${r}-`));
      if (!found) throw new Error(`no recording ${r}`);
      return found;
    });
  }

  /** Stops answering: the port refuses connections, as a server that was stopped. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** Listens again on the same port (a server that came back). */
  async restart(): Promise<void> {
    const port = this.port;
    if (!this.stopped) return;
    await new Promise<void>((resolve, reject) => { this.server.once('error', reject); this.server.listen(port, '127.0.0.1', () => resolve()); });
    this.stopped = false;
  }

  private answer(req: http.IncomingMessage, res: http.ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://replay');
      const text = Buffer.concat(chunks).toString('utf8');
      let body: unknown = null;
      if (text) { try { body = JSON.parse(text); } catch { body = text; } }
      const query = queryOf(url);
      const match = this.active.filter((r) => r.method === req.method && r.path === url.pathname && same(r.query, query) && same(r.body, body));
      if (match.length !== 1) {
        const what = `${req.method} ${url.pathname}${url.search} ${text}`;
        this.unmatched.push(match.length ? `${what} (matches ${match.map((m) => m.name).join(', ')})` : what);
        res.writeHead(599, { 'Content-Type': 'text/plain' });
        res.end(`not a recorded request: ${what}`);
        return;
      }
      const r = match[0];
      this.served.push(r.name);
      res.writeHead(r.status, r.headers);
      if (r.bodyKind === 'json') res.end(JSON.stringify(r.responseBody, null, 2));
      else if (r.bodyKind === 'base64') res.end(Buffer.from(String(r.responseBody), 'base64'));
      else if (r.bodyKind === 'none') res.end();
      else res.end(String(r.responseBody ?? ''));
    });
  }
}

function load(dir: string, name: string): Recorded {
  const request = JSON.parse(fs.readFileSync(path.join(dir, `${name}.request.json`), 'utf8'));
  const response = JSON.parse(fs.readFileSync(path.join(dir, `${name}.response.json`), 'utf8'));
  return {
    name, method: request.method, path: request.path, query: request.query ?? {}, body: request.body_kind === 'json' ? request.body : request.body ?? null,
    status: response.status, headers: response.headers ?? {}, bodyKind: response.body_kind, responseBody: response.body,
  };
}

function queryOf(url: URL): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const key of new Set(url.searchParams.keys())) {
    const all = url.searchParams.getAll(key);
    out[key] = all.length === 1 ? all[0] : all;
  }
  return out;
}

/** Equal as JSON values, whatever the order of an object's keys. */
function same(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== typeof b || a === null || b === null || typeof a !== 'object') return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) return a.length === (b as unknown[]).length && a.every((x, i) => same(x, (b as unknown[])[i]));
  const ka = Object.keys(a as object);
  const kb = Object.keys(b as object);
  return ka.length === kb.length && ka.every((k) => same((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}

// `node out/test/support/mlflowReplay.js REST_DIR 008 134 …`: serves those recordings until killed
// or until its standard input closes (the test process that started it has gone, even when none of
// its tests ran), for tests outside this process (the UI tests); prints the URI on its first line.
if (require.main === module) {
  void MlflowReplay.start(process.argv[2], process.argv.slice(3)).then((replay) => {
    console.log(replay.uri);
    const stop = () => {
      if (replay.unmatched.length) console.error(`unrecorded requests:\n${replay.unmatched.join('\n')}`);
      void replay.stop().then(() => process.exit(replay.unmatched.length ? 1 : 0));
    };
    process.on('SIGTERM', stop);
    process.stdin.on('end', stop).resume();
  });
}
