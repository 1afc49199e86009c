/**
 * What stands between RunLens and a tracking server when things go wrong that a recording of MLflow
 * cannot show: a proxy asking for a login, a slow link, a redirect to another host, bytes damaged
 * on the way, an endless history. The HTTP servers here are stand-ins for those, not for MLflow:
 * where they answer as MLflow, they send what the real 2.17.2 server sent (the recordings).
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { MlflowRestApi } from '../../src/core/mlflowServer/api';
import { MlflowHttp, ServerError } from '../../src/core/mlflowServer/http';
import { BoundedSample } from '../../src/core/mlflowServer/history';
import { normalizeServerUri } from '../../src/core/mlflowServer/uri';
import { envCredentialsFor } from '../../src/core/mlflowServer/credentials';
import { syncServer } from '../../src/core/mlflowServer/sync';
import { mayContactServer } from '../../src/core/store/sourcePolicy';
import { REST } from './mlflow-server-client.test';

type Handler = (req: http.IncomingMessage, res: http.ServerResponse) => void;

async function standIn(handler: Handler): Promise<{ uri: string; seen: http.IncomingHttpHeaders[]; close(): Promise<void> }> {
  const seen: http.IncomingHttpHeaders[] = [];
  const server = http.createServer((req, res) => { seen.push(req.headers); handler(req, res); });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    uri: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen,
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}

/** A recorded answer of the real server, as it was sent. */
function recorded(name: string): { status: number; type: string; body: string } {
  const r = JSON.parse(fs.readFileSync(path.join(REST, `${name}.response.json`), 'utf8'));
  return { status: r.status, type: r.headers['Content-Type'], body: r.body_kind === 'json' ? JSON.stringify(r.body, null, 2) : String(r.body) };
}

const error = (p: Promise<unknown>) => p.then(() => undefined, (e: unknown) => e as ServerError);

describe('a tracking server behind trouble', () => {
  it('401 and 403 name the server and say how to give credentials, never the credentials', async () => {
    for (const status of [401, 403]) {
      const s = await standIn((_q, res) => { res.writeHead(status, { 'Content-Type': 'text/html' }); res.end('<html>no</html>'); });
      const e = await error(new MlflowRestApi(new MlflowHttp(s.uri, { credentials: { token: 'tok-secret-123' } })).experiments());
      await s.close();
      assert.ok(e instanceof ServerError && e.problem === 'auth');
      assert.match(e.message, new RegExp(`${s.uri.replace(/[.]/g, '\\.')} answered ${status}`));
      assert.match(e.message, /MLFLOW_TRACKING_TOKEN/);
      assert.doesNotMatch(e.message, /tok-secret-123/);
      assert.equal(s.seen[0].authorization, 'Bearer tok-secret-123');
    }
  });

  it('a proxy\'s login page where JSON was expected is said as such', async () => {
    const s = await standIn((_q, res) => { res.writeHead(200, { 'Content-Type': 'text/html' }); res.end('<!doctype html><form>Sign in</form>'); });
    const e = await error(new MlflowRestApi(new MlflowHttp(s.uri)).experiments());
    await s.close();
    assert.ok(e instanceof ServerError && e.problem === 'not-json', String(e));
    assert.match(e.message, /HTML page instead of MLflow's JSON/);
  });

  it('a server that does not answer in time is given up on, as offline', async () => {
    const s = await standIn(() => { /* never answers */ });
    const started = Date.now();
    const e = await error(new MlflowRestApi(new MlflowHttp(s.uri, { timeoutMs: 300 })).version());
    await s.close();
    assert.ok(e instanceof ServerError && e.problem === 'timeout' && e.offline, String(e));
    assert.ok(Date.now() - started < 5000);
  });

  it('a redirect to another origin is not followed: the credentials never reach it', async () => {
    const elsewhere = await standIn((_q, res) => { res.writeHead(200, { 'Content-Type': 'text/plain' }); res.end('2.17.2'); });
    const s = await standIn((_q, res) => { res.writeHead(302, { Location: `${elsewhere.uri}/version` }); res.end(); });
    const e = await error(new MlflowRestApi(new MlflowHttp(s.uri, { credentials: { username: 'alice', password: 'pw-secret' } })).version());
    await Promise.all([s.close(), elsewhere.close()]);
    assert.ok(e instanceof ServerError && e.problem === 'redirect', String(e));
    assert.equal(elsewhere.seen.length, 0);
    assert.doesNotMatch(e.message, /pw-secret|alice/);
  });

  it('a redirect within the server is followed, with its credentials', async () => {
    const s = await standIn((req, res) => {
      if (req.url === '/version') { res.writeHead(301, { Location: '/root/version' }); res.end(); return; }
      res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' }); res.end('2.17.2');
    });
    assert.equal(await new MlflowRestApi(new MlflowHttp(s.uri, { credentials: { token: 't' } })).version(), '2.17.2');
    await s.close();
    assert.deepEqual(s.seen.map((h) => h.authorization), ['Bearer t', 'Bearer t']);
  });

  it('bytes damaged on the way (invalid UTF-8) are read with replacement characters, and said', async () => {
    const experiments = recorded('008-experiments-search-all');
    const search = recorded('134-follow-state-a');
    const damaged = Buffer.from(search.body.replace('"client-child"', '"client-chXld"'), 'utf8');
    damaged[damaged.indexOf('chXld') + 2] = 0xff;
    const s = await standIn((req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(req.url?.includes('experiments') ? experiments.body : damaged);
    });
    const problems: string[] = [];
    const snap = await syncServer(new MlflowRestApi(new MlflowHttp(s.uri, { onProblem: (m) => problems.push(m) })), { experiments: ['rec-alpha', 'rec-beta'] }, undefined);
    await s.close();
    assert.equal(snap.runs.length, 14);
    assert.ok(snap.runs.some((r) => r.name === 'client-ch\uFFFDld'));
    assert.match(problems.join('\n'), /not valid UTF-8/);
  });

  it('an endless history is kept to a bounded sample with its first, last and extreme points', () => {
    const sample = new BoundedSample(2500);
    for (let step = 0; step < 1_000_000; step++) sample.add({ step, value: step === 777_777 ? -5 : Math.sin(step / 1000), timestamp: step });
    const points = sample.points();
    assert.ok(points.length <= 2503, `${points.length}`);
    assert.equal(points[0].step, 0);
    assert.equal(points.at(-1)!.step, 999_999);
    assert.ok(points.some((p) => p.value === -5));
  });

  it('credentials from the environment go only to the server MLFLOW_TRACKING_URI names', () => {
    const env = { MLFLOW_TRACKING_URI: 'http://team:5000', MLFLOW_TRACKING_TOKEN: 't' };
    assert.deepEqual(envCredentialsFor('http://team:5000', env, false), { token: 't' });
    assert.equal(envCredentialsFor('http://other:5000', env, true), undefined);
    assert.equal(envCredentialsFor('http://other:5000', { MLFLOW_TRACKING_TOKEN: 't' }, false), undefined, 'not to a server only the workspace named');
    assert.deepEqual(envCredentialsFor('http://other:5000', { MLFLOW_TRACKING_TOKEN: 't' }, true), { token: 't' });
  });

  it('a server only the workspace\'s settings name is contacted in a trusted workspace only', () => {
    assert.equal(mayContactServer(['workspace'], false), false);
    assert.equal(mayContactServer(['workspace'], true), true);
    assert.equal(mayContactServer(['user'], false), true, 'the person\'s own settings');
    assert.equal(mayContactServer(['environment', 'workspace'], false), true, 'MLFLOW_TRACKING_URI is the person\'s');
    assert.equal(mayContactServer([], true), false);
  });

  it('names one server one way, and refuses credentials written into its URI', () => {
    assert.equal(normalizeServerUri('HTTP://Team:5000/'), 'http://team:5000');
    assert.equal(normalizeServerUri('https://h/mlflow/'), 'https://h/mlflow');
    assert.throws(() => normalizeServerUri('http://bob:hunter2@h:5000'), (e: Error) => !e.message.includes('hunter2'));
  });
});
