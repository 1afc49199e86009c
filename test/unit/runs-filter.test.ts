import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { repoRoot } from './support/repo';
import { WorkspaceStore } from '../../src/core/store/workspaceStore';
import { listRuns } from '../../src/core/store/queries';
import { FilterError, parseFilter } from '../../src/core/runs/filter';
import { appendLog, CollectingReporter, line, T0, tempWorkspace, writeRun } from './support/workspace';

describe('the runs filter', () => {
  let store: WorkspaceStore;
  before(async () => {
    const ws = tempWorkspace();
    writeRun(ws, { id: 'a', params: { lr: '0.01', optimizer: 'adam', bs: '32' }, metrics: [['accuracy', 0.85, 0]] });
    writeRun(ws, { id: 'b', params: { lr: '1e-3', optimizer: 'sgd', bs: '64' }, metrics: [['accuracy', 0.7, 0]] });
    writeRun(ws, { id: 'c', params: { lr: '0.1', optimizer: 'rmsprop', bs: '128' }, metrics: [['accuracy', 0.9, 0]], status: 'failed' });
    writeRun(ws, { id: 'd', params: { lr: '0.01', optimizer: 'Adam', 'model/depth': '12' }, status: null, t: Date.now() - 120_000 });
    appendLog(ws, 'a', line({ e: 'tags', t: T0, tags: { team: 'vision' } }));
    store = await WorkspaceStore.open(ws, { reporter: new CollectingReporter() });
  });
  after(() => store.close());

  const ids = (filter: string) => listRuns(store.catalog, { filter, limit: 100 }).map((r) => r.uid).sort().join(',');

  it('compares params by meaning and metrics by value', () => {
    assert.equal(ids('params.lr = 0.01 and metrics.accuracy > 0.8'), 'a');
    assert.equal(ids('params.lr = 0.001'), 'b');
    assert.equal(ids('params.lr = 1e-2'), 'a,d');
    assert.equal(ids('params.bs >= 64'), 'b,c');
    assert.equal(ids('metrics.accuracy <= 0.85'), 'a,b');
  });

  it('takes in, not in, like and ilike', () => {
    assert.equal(ids("params.optimizer in ('adam', 'sgd')"), 'a,b');
    assert.equal(ids("params.optimizer not in ('adam', 'sgd')"), 'c,d');
    assert.equal(ids("params.optimizer like 'a%'"), 'a');
    assert.equal(ids("params.optimizer ilike 'a%'"), 'a,d');
  });

  it('has what MLflow lacks: or, not, parentheses, bare words, statuses', () => {
    assert.equal(ids('status = failed or status = crashed'), 'c,d');
    assert.equal(ids('not (status = failed) and params.bs is not null'), 'a,b');
    assert.equal(ids('(params.optimizer = adam or params.optimizer = sgd) and metrics.accuracy > 0.75'), 'a');
    assert.equal(ids("tags.team = 'vision'"), 'a');
    assert.equal(ids('params.`model/depth` = 12'), 'd');
    assert.equal(ids("attributes.name like 'run-_'"), 'a,b,c,d');
  });

  it('says where a bad query is wrong', () => {
    const where = (q: string) => { try { parseFilter(q); return 'parsed'; } catch (e) { assert.ok(e instanceof FilterError); return e.message; } };
    assert.equal(where('params.lr = '), 'expected a value but found the end of the query (at column 13)');
    assert.equal(where('lr = 0.1'), "unknown field 'lr': write params.lr, metrics.lr or tags.lr (at column 1)");
    assert.equal(where("params.lr = 0.1 and"), 'expected a field such as params.lr, metrics.accuracy or status, but found the end of the query (at column 20)');
    assert.equal(where("params.opt = 'adam"), "a quote ' is not closed (at column 14)");
    assert.equal(where('metrics.acc > high'), 'parsed');
    assert.throws(() => listRuns(store.catalog, { filter: 'metrics.acc > high' }), /metrics\.acc is a number; 'high' is not \(at column 15\)/);
    assert.equal(where('params.lr = 0.1 params.bs = 2'), "expected 'and', 'or' or the end but found 'params' (at column 17)");
  });

  it('an empty filter is no filter', () => {
    assert.equal(ids('  '), 'a,b,c,d');
  });
});

describe('the runs filter finds the runs the shared vectors say (the Python client evaluates the same file)', () => {
  interface VectorRun {
    id: string; experiment: string; name: string | null; status: 'finished' | 'failed' | 'killed' | 'crashed';
    start_time: number; end_time: number | null;
    params: Record<string, string>; metrics: Record<string, number | string>; tags: Record<string, string>;
  }
  const shared = JSON.parse(fs.readFileSync(path.join(repoRoot(), 'test/vectors/run-filters.json'), 'utf8')) as {
    runs: VectorRun[]; cases: { filter: string; runs: string[] }[]; errors: { filter: string; error: string }[];
  };
  let store: WorkspaceStore;
  before(async () => {
    const ws = tempWorkspace();
    for (const r of shared.runs) {
      const t = r.start_time;
      // A crashed run: no end, its process on another host, nothing written for long.
      let text = line({ e: 'start', v: 2, t, run: r.id, experiment: r.experiment, name: r.name, parent: null, script: null, git: null, host: 'elsewhere', pid: 1 });
      text += line({ e: 'params', t, params: r.params });
      if (Object.keys(r.metrics).length) text += line({ e: 'metrics', t, points: Object.entries(r.metrics).map(([k, v]) => [k, v, 0, t]) });
      if (Object.keys(r.tags).length) text += line({ e: 'tags', t, tags: r.tags });
      if (r.status !== 'crashed') text += line({ e: 'end', t: r.end_time, status: r.status, error: null });
      appendLog(ws, r.id, text, new Date(t).toISOString().slice(0, 10));
    }
    store = await WorkspaceStore.open(ws, { reporter: new CollectingReporter() });
  });
  after(() => store.close());

  it('keeps the runs each filter keeps', () => {
    assert.deepEqual(shared.runs.map((r) => `${r.id} ${store.catalog.one('SELECT status FROM runs WHERE uid = ?', [r.id])?.[0]}`),
      shared.runs.map((r) => `${r.id} ${r.status}`), 'the runs are in the store as the vectors have them');
    for (const c of shared.cases) {
      const kept = listRuns(store.catalog, { filter: c.filter, limit: 100, sort: { by: 'start_time', descending: false } }).map((r) => r.uid);
      assert.deepEqual(kept, c.runs, c.filter);
    }
  });

  it('says where a filter does not read', () => {
    for (const c of shared.errors) {
      assert.throws(() => listRuns(store.catalog, { filter: c.filter }), (e: Error) => e instanceof FilterError && e.message.startsWith(c.error), c.filter);
    }
  });
});
