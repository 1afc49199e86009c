import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { WorkspaceStore } from '../../src/core/store/workspaceStore';
import { getRun, listRuns } from '../../src/core/store/queries';
import { appendLog, CollectingReporter, DAY, line, T0, tempWorkspace, writeRun } from './support/workspace';

async function open(folder: string, reporter = new CollectingReporter()) {
  return WorkspaceStore.open(folder, { reporter, saveDelayMs: 10 });
}

describe('ingesting run logs', () => {
  it('records a run with its params, tags, metric summary and end', async () => {
    const ws = tempWorkspace();
    writeRun(ws, { id: 'r1', params: { lr: '0.001', bs: '32' }, metrics: [['loss', 0.9, 0], ['loss', 0.5, 1], ['loss', 0.7, 2], ['acc', 0.8, 0]] });
    appendLog(ws, 'r1', line({ e: 'tags', t: T0, tags: { team: 'vision', 'mlflow.note.content': 'first try' } }));
    const store = await open(ws);
    const run = getRun(store.catalog, 'r1')!;
    assert.equal(run.status, 'finished');
    assert.equal(run.experiment, 'exp');
    assert.deepEqual(run.params, { lr: '0.001', bs: '32' });
    assert.equal(run.tags.team, 'vision');
    assert.equal(run.note, 'first try');
    assert.deepEqual({ ...run.metrics.loss }, { key: 'loss', last: 0.7, lastStep: 2, lastTime: T0 + 2, min: 0.5, max: 0.9, count: 3 });
    assert.equal(run.scriptSha256, 'abc');
    await store.close();
  });

  it('resumes from the recorded byte offset after a restart, never counting a line twice', async () => {
    const ws = tempWorkspace();
    writeRun(ws, { id: 'r1', status: null, metrics: [['loss', 1, 0]], t: Date.now() });
    let store = await open(ws);
    await store.save();
    await store.close();
    appendLog(ws, 'r1', line({ e: 'metric', t: Date.now(), key: 'loss', value: 0.5, step: 1 }));
    store = await open(ws);
    const m = getRun(store.catalog, 'r1')!.metrics.loss;
    assert.equal(m.count, 2);
    assert.equal(m.last, 0.5);
    await store.close();
  });

  it('waits for a partial last line instead of reporting it', async () => {
    const ws = tempWorkspace();
    const reporter = new CollectingReporter();
    writeRun(ws, { id: 'r1', status: null, t: Date.now() });
    appendLog(ws, 'r1', '{"e":"metric","t":1,"key":"loss","val');
    const store = await open(ws, reporter);
    assert.deepEqual(reporter.problems, []);
    assert.equal(getRun(store.catalog, 'r1')!.metrics.loss, undefined);
    appendLog(ws, 'r1', 'ue":0.25,"step":3}\n');
    await store.refresh();
    assert.equal(getRun(store.catalog, 'r1')!.metrics.loss.last, 0.25);
    await store.close();
  });

  it('reports each malformed line with where and why, and keeps the good lines around it', async () => {
    const ws = tempWorkspace();
    const reporter = new CollectingReporter();
    const t = T0;
    appendLog(ws, 'r1', [
      line({ e: 'start', v: 1, t, run: 'r1', experiment: 'exp', name: 'n' }),
      '{not json\n',
      line({ e: 'params', t, params: { a: '1' } }),
      '[1, 2]\n',
      line({ e: 'metric', t, key: 'loss', value: 'high', step: 0 }),
      line({ e: 'metric', t, key: 'loss', value: 0.3, step: 0 }),
      line({ e: 'metric', t, key: 'loss', value: 0.2, step: 1.5 }),
      line({ e: 'end', t, status: 'exploded' }),
      line({ e: 'end', t, status: 'finished', error: null }),
    ].join(''));
    const store = await open(ws, reporter);
    const run = getRun(store.catalog, 'r1')!;
    assert.deepEqual(run.params, { a: '1' });
    assert.equal(run.metrics.loss.count, 1);
    assert.equal(run.status, 'finished');
    assert.equal(reporter.problems.length, 5, reporter.problems.join('\n'));
    assert.match(reporter.problems[0], new RegExp(`runs/${DAY}/r1\\.jsonl:2 \\(byte \\d+\\): not JSON`));
    assert.match(reporter.problems[1], /:4 .*not a JSON object/);
    assert.match(reporter.problems[2], /:5 .*not a number: "high"/);
    assert.match(reporter.problems[3], /:7 .*step that is not an integer/);
    assert.match(reporter.problems[4], /:8 .*unknown status "exploded"/);
    await store.close();
  });

  it('skips unknown event types with a note, never failing (a newer client)', async () => {
    const ws = tempWorkspace();
    const reporter = new CollectingReporter();
    writeRun(ws, { id: 'r1', params: { a: '1' } });
    appendLog(ws, 'r1', line({ e: 'video', t: T0, path: 'model.mp4', extra: { nested: true } }) + line({ e: 'video', t: T0 }));
    const store = await open(ws, reporter);
    assert.deepEqual(reporter.problems, []);
    assert.equal(reporter.infos.filter((m) => m.includes("unknown event type 'video'")).length, 1);
    assert.equal(getRun(store.catalog, 'r1')!.status, 'finished');
    await store.close();
  });

  it('skips a line that is not valid UTF-8 and keeps the next', async () => {
    const ws = tempWorkspace();
    const reporter = new CollectingReporter();
    const file = writeRun(ws, { id: 'r1', status: null });
    fs.appendFileSync(file, Buffer.concat([Buffer.from('{"e":"tags","t":1,"tags":{"k":"'), Buffer.from([0xff, 0xfe]), Buffer.from('"}}\n')]));
    appendLog(ws, 'r1', line({ e: 'tags', t: T0, tags: { ok: 'yes' } }));
    const store = await open(ws, reporter);
    assert.equal(getRun(store.catalog, 'r1')!.tags.ok, 'yes');
    assert.match(reporter.problems.join('\n'), /not valid UTF-8/);
    await store.close();
  });

  it('reads a 10 MB line (a huge parameter value) without losing its neighbours', async function () {
    this.timeout(30_000);
    const ws = tempWorkspace();
    const big = 'x'.repeat(10 * 1024 * 1024);
    writeRun(ws, { id: 'r1', params: { big, small: '1' } });
    const store = await open(ws);
    const run = getRun(store.catalog, 'r1')!;
    assert.equal(run.params.big.length, big.length);
    assert.equal(run.params.small, '1');
    await store.close();
  });

  it('keeps keys with slashes, dots, quotes and emoji as data', async () => {
    const ws = tempWorkspace();
    const params = { 'a/b': '1', '../../etc/passwd': '2', 'say "hi"': "it's", '🚀 rate': '1e-3', '': 'empty key' };
    writeRun(ws, { id: 'r1', params, metrics: [['val/loss 📉', 0.5, 0]] });
    const store = await open(ws);
    const run = getRun(store.catalog, 'r1')!;
    assert.deepEqual(run.params, params);
    assert.equal(run.metrics['val/loss 📉'].last, 0.5);
    assert.ok(!fs.existsSync(path.join(ws, '.runlens', 'etc')));
    await store.close();
  });

  it('keeps NaN and infinities as metric values', async () => {
    const ws = tempWorkspace();
    writeRun(ws, { id: 'r1', metrics: [['a', 'NaN', 0], ['b', 'Infinity', 0], ['c', '-Infinity', 0], ['d', -0, 0]] });
    const store = await open(ws);
    const m = getRun(store.catalog, 'r1')!.metrics;
    assert.ok(Number.isNaN(m.a.last));
    assert.equal(m.b.last, Infinity);
    assert.equal(m.c.last, -Infinity);
    assert.equal(m.d.last, 0);
    await store.close();
  });

  it('ignores log files whose names are not run ids, so nothing points outside .runlens/', async () => {
    const ws = tempWorkspace();
    const reporter = new CollectingReporter();
    appendLog(ws, 'bad name!', line({ e: 'start', v: 1, t: T0, experiment: 'x' }));
    appendLog(ws, '..', line({ e: 'start', v: 1, t: T0, experiment: 'x' }));
    writeRun(ws, { id: 'good' });
    const store = await open(ws, reporter);
    assert.deepEqual(listRuns(store.catalog).map((r) => r.uid), ['good']);
    assert.equal(reporter.problems.filter((p) => p.includes('not a run log name')).length, 2);
    await store.close();
  });

  it('a parameter logged again with another value keeps the first and says so', async () => {
    const ws = tempWorkspace();
    const reporter = new CollectingReporter();
    writeRun(ws, { id: 'r1', params: { lr: '0.1' } });
    appendLog(ws, 'r1', line({ e: 'params', t: T0, params: { lr: '0.10' } }) + line({ e: 'params', t: T0, params: { lr: '0.2' } }));
    const store = await open(ws, reporter);
    assert.equal(getRun(store.catalog, 'r1')!.params.lr, '0.1');
    assert.equal(reporter.problems.length, 1);
    assert.match(reporter.problems[0], /'lr' was logged again with another value/);
    await store.close();
  });
});

describe('following the logs', () => {
  it('an idle refresh changes nothing, so nothing is saved or redrawn', async () => {
    const ws = tempWorkspace();
    writeRun(ws, { id: 'r1', params: { lr: '0.1' } });
    const store = await open(ws);
    await store.save();
    const revision = store.catalog.revision;
    let changes = 0;
    store.onChange(() => changes++);
    for (let i = 0; i < 5; i++) await store.refresh();
    assert.equal(store.catalog.revision, revision);
    assert.equal(changes, 0);
    await store.close();
  });

  it('finds a run whose log was created empty and got its first line later', async () => {
    const ws = tempWorkspace();
    const store = await open(ws);
    appendLog(ws, 'late', '');
    await store.refresh();
    appendLog(ws, 'late', line({ e: 'start', v: 1, t: Date.now(), run: 'late', experiment: 'exp' }) + line({ e: 'params', t: Date.now(), params: { lr: '0.1' } }));
    await store.refresh();
    assert.equal(getRun(store.catalog, 'late')?.params.lr, '0.1');
    await store.close();
  });

  it('finds a log that arrives late in an old day folder (copied, pulled)', async () => {
    const ws = tempWorkspace();
    writeRun(ws, { id: 'now' });
    let store = await open(ws);
    await store.close();
    writeRun(ws, { id: 'old', params: { lr: '0.3' } }, '2025-01-15');
    store = await open(ws);
    assert.equal(getRun(store.catalog, 'old')?.params.lr, '0.3');
    writeRun(ws, { id: 'older', params: { lr: '0.4' } }, '2024-06-01');
    await store.refresh();
    assert.equal(getRun(store.catalog, 'older')?.params.lr, '0.4');
    await store.close();
  });
});

describe('runs whose process died', () => {
  it('become crashed when their pid is gone on this host', async () => {
    const ws = tempWorkspace();
    const os = await import('node:os');
    writeRun(ws, { id: 'r1', status: null, host: os.hostname(), pid: 2 ** 22 + 12345, t: Date.now() });
    const store = await open(ws);
    assert.equal(getRun(store.catalog, 'r1')!.status, 'crashed');
    await store.close();
  });

  it('become crashed when their heartbeat stopped, and stay running while it beats', async () => {
    const ws = tempWorkspace();
    writeRun(ws, { id: 'old', status: null, t: Date.now() - 120_000 });
    writeRun(ws, { id: 'live', status: null, t: Date.now() - 120_000 });
    appendLog(ws, 'live', line({ e: 'heartbeat', t: Date.now() }));
    const store = await open(ws);
    assert.equal(getRun(store.catalog, 'old')!.status, 'crashed');
    assert.equal(getRun(store.catalog, 'live')!.status, 'running');
    await store.close();
  });

  it('come back to running when a run taken for crashed writes again', async () => {
    const ws = tempWorkspace();
    writeRun(ws, { id: 'slow', status: null, t: Date.now() - 120_000 });
    const store = await open(ws);
    assert.equal(getRun(store.catalog, 'slow')!.status, 'crashed');
    appendLog(ws, 'slow', line({ e: 'heartbeat', t: Date.now() }));
    await store.refresh();
    assert.equal(getRun(store.catalog, 'slow')!.status, 'running');
    appendLog(ws, 'slow', line({ e: 'end', t: Date.now(), status: 'finished', error: null }));
    await store.refresh();
    assert.equal(getRun(store.catalog, 'slow')!.status, 'finished');
    await store.close();
  });
});
