/**
 * The tracking-server client against real answers of a real MLflow 2.17.2 server, served back by
 * test/support/mlflowReplay.ts: paging (including the empty `{}` page that ends a full chain),
 * numbers, histories and every kind of error the recording holds.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { MlflowRestApi } from '../../src/core/mlflowServer/api';
import { MlflowHttp, ServerError } from '../../src/core/mlflowServer/http';
import { parsePoints, parseRun } from '../../src/core/mlflowServer/parse';
import type { MlflowRun } from '../../src/core/mlflow/model';
import { MlflowReplay } from '../support/mlflowReplay';
import { MLFLOW_FIXTURE } from './mlflow-fixtures';

export const REST = path.join(MLFLOW_FIXTURE, 'rest');

describe('a tracking server, as the recorded MLflow 2.17.2 answers it', () => {
  let replay: MlflowReplay;
  let api: MlflowRestApi;
  const problems: string[] = [];

  before(async () => {
    replay = await MlflowReplay.start(REST, []);
    api = new MlflowRestApi(new MlflowHttp(replay.uri, { onProblem: (m) => problems.push(m), timeoutMs: 5000 }));
  });
  after(() => replay.stop());
  afterEach(() => assert.deepEqual(replay.unmatched.splice(0), [], 'every request was one the server answered when recorded'));

  async function runsOf(q: Parameters<MlflowRestApi['searchRuns']>[0]): Promise<MlflowRun[]> {
    const out: MlflowRun[] = [];
    for await (const page of api.searchRuns(q)) for (const raw of page) out.push(parseRun(raw) as MlflowRun);
    return out;
  }

  it('reads the version', async () => {
    replay.use(['002']);
    assert.equal(await api.version(), '2.17.2');
  });

  it('reads every experiment, the deleted ones too, page by page', async () => {
    replay.use(['019', '020', '021', '022']);
    const all = await api.experiments(undefined, 1);
    assert.deepEqual(all.map((e) => `${e.id}:${e.name}`).sort(), ['0:Default', '1:rec-alpha', '2:rec-beta', '3:rec-gamma']);
    replay.use(['008']);
    const alpha = (await api.experiments()).find((e) => e.name === 'rec-alpha');
    assert.ok(alpha);
  });

  it('pages runs/search to the end, across the empty {} page that closes a full chain', async () => {
    replay.use(['118', '119', '120', '121', '122', '123', '124', '125']);
    const byTwo = await runsOf({ experimentIds: ['1', '2'], viewType: 'ALL', orderBy: ['attributes.start_time DESC'], pageSize: 2 });
    assert.equal(byTwo.length, 14);
    assert.equal(new Set(byTwo.map((r) => r.runId)).size, 14);
    replay.use(['126', '127', '128']);
    const byFive = await runsOf({ experimentIds: ['1', '2'], viewType: 'ALL', orderBy: ['attributes.start_time DESC'], pageSize: 5 });
    assert.deepEqual(byFive.map((r) => r.runId), byTwo.map((r) => r.runId));
  });

  it('reads a run as MLflow reports it: NaN, deleted, parent, params as strings, no start time as unknown', async () => {
    replay.use(['149']);
    const runs = await runsOf({ experimentIds: ['1', '2'], viewType: 'ALL', orderBy: ['attributes.start_time DESC'], pageSize: 100 });
    const child = runs.find((r) => r.name === 'client-child')!;
    assert.ok(Number.isNaN(child.latest.loss.value));
    assert.equal(child.latest.acc.value, 0.9);
    assert.equal(child.parentRunId, runs.find((r) => r.name === 'client-parent')!.runId);
    assert.equal(runs.find((r) => r.name === 'renamed-from-tag')!.lifecycle, 'deleted');
    const edge = runs.find((r) => r.name === 'edge-values')!;
    assert.equal(edge.params.lr_exp, '1e-3');
    assert.equal(edge.params.dropout, 'None');
    assert.equal(edge.params.empty, '');
    assert.equal(Object.keys(edge.params).length > 100, true);
    assert.equal(runs.find((r) => r.name === 'follow-no-start-time')!.startTime, null);
    assert.equal(runs.find((r) => r.name === 'still-running')!.status, 'FINISHED');
  });

  it('reads a metric history whole when the server ignores max_results, and NaN and +/-max double as sent', async () => {
    replay.use(['154']);
    let pages = 0;
    let points = 0;
    await api.metricHistory('92afe9d0a1694ea6b44479cc2646d184', 'loss', (p) => { pages++; points += p.length; }, 1000);
    assert.deepEqual({ pages, points }, { pages: 1, points: 2500 });
    replay.use(['039']);
    const weird = parsePoints(await api.http.json({ method: 'GET', path: '/api/2.0/mlflow/metrics/get-history', query: { run_id: 'f39eb22d0f7444e1a1e86fd53cbdce8f', metric_key: 'weird' } }));
    assert.ok(Number.isNaN(weird[0].value));
    assert.deepEqual(weird.slice(1).map((p) => p.value), [1.7976931348623157e308, -1.7976931348623157e308, 0]);
  });

  it('asks the server for a sample of a long history where it can', async () => {
    replay.use(['159']);
    const sample = await api.sampledHistory('92afe9d0a1694ea6b44479cc2646d184', 'loss', 100);
    assert.equal(sample?.length, 101);
    assert.equal(sample?.at(-1)?.step, 2499);
  });

  it('reads an empty history as none: a key the run never logged answers {}', async () => {
    replay.use(['157']);
    const answer = await api.http.json({ method: 'GET', path: '/api/2.0/mlflow/metrics/get-history', query: { run_id: '92afe9d0a1694ea6b44479cc2646d184', metric_key: 'no-such-metric' } });
    assert.deepEqual(parsePoints(answer), []);
  });

  it('runs/get of an unknown run is no run, not an error', async () => {
    replay.use(['169']);
    assert.equal(await api.getRun('0123456789abcdef0123456789abcdef'), undefined);
  });

  const refusals: [string, string, (e: ServerError) => void][] = [
    ['131', 'a bad request: MLflow\'s own message', (e) => { assert.equal(e.problem, 'api'); assert.match(e.message, /max_results/); assert.match(e.message, /127\.0\.0\.1/); }],
    ['129', 'a page token it did not issue', (e) => { assert.equal(e.problem, 'api'); assert.match(e.message, /page token/i); }],
    ['133', 'an endpoint that does not take GET: HTML 405', (e) => { assert.equal(e.problem, 'no-endpoint'); assert.match(e.message, /version 2\.0 or newer/); }],
    ['196', 'an unknown endpoint: HTML 404', (e) => { assert.equal(e.problem, 'no-endpoint'); }],
    ['187', 'a 500 error page', (e) => { assert.equal(e.problem, 'server'); assert.ok(e.offline); assert.doesNotMatch(e.message, /<html/i); }],
  ];
  for (const [n, what, check] of refusals) {
    it(`says what went wrong, naming the server: ${what}`, async () => {
      replay.use([n]);
      const rec = JSON.parse(fs.readFileSync(path.join(REST, fs.readdirSync(REST).find((f) => f.startsWith(`${n}-`) && f.endsWith('.request.json'))!), 'utf8'));
      const url = new URL(rec.url, 'http://x');
      const query: Record<string, string> = Object.fromEntries(url.searchParams);
      const err = await api.http.json({ method: rec.method, path: url.pathname, query, body: rec.body_kind === 'json' ? rec.body : undefined })
        .then(() => undefined, (e: unknown) => e);
      assert.ok(err instanceof ServerError, String(err));
      check(err);
    });
  }

  it('calls a server that is not there unreachable, which the store takes as offline', async () => {
    const gone = await MlflowReplay.start(REST, []);
    const uri = gone.uri;
    await gone.stop();
    const err = await new MlflowRestApi(new MlflowHttp(uri, { timeoutMs: 2000 })).version().then(() => undefined, (e: unknown) => e);
    assert.ok(err instanceof ServerError && err.problem === 'unreachable' && err.offline, String(err));
    assert.match((err as Error).message, new RegExp(uri.replace(/[.]/g, '\\.')));
  });
});
