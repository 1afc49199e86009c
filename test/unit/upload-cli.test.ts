/**
 * `runlens sync` uploads the runs waiting for a tracking server, as the window that writes the
 * store does: with the Python client's uploader, to servers the person named only. The server is
 * the recorded MLflow 2.17.2 one (python/tests/mlflowrecorded.py) in a process of its own.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { cli } from './support/cli';
import { repoRoot } from './support/repo';
import { tempWorkspace } from './support/workspace';
import { PYTHON, RecordedServer, uploadSteps, writeWaitingRun } from '../support/recordedServer';

describe('runlens sync uploads the runs waiting for a tracking server (recorded MLflow 2.17.2)', function () {
  this.timeout(60_000);
  let server: RecordedServer;
  const saved = { ...process.env };

  before(async function () {
    if (!fs.existsSync(path.join(path.dirname(repoRoot()), 'shared', 'fixtures', 'mlflow-2.17.2', 'rest')) && !process.env.RUNLENS_FIXTURES) this.skip();
    server = await new RecordedServer(path.join(repoRoot(), 'python')).start();
  });
  beforeEach(() => {
    for (const k of ['MLFLOW_TRACKING_URI', 'RUNLENS_TRACKING_URI', 'MLFLOW_TRACKING_TOKEN', 'MLFLOW_TRACKING_USERNAME', 'MLFLOW_TRACKING_PASSWORD', 'RUNLENS_DIR']) delete process.env[k];
    process.env.XDG_CONFIG_HOME = tempWorkspace();
  });
  afterEach(() => { for (const k of ['MLFLOW_TRACKING_URI', 'XDG_CONFIG_HOME']) if (saved[k] === undefined) delete process.env[k]; else process.env[k] = saved[k]; });
  after(() => {
    server?.stop();
    assert.equal(server?.unexpected ?? '', '', 'runlens sent only what the real server was sent');
  });

  it('to the server the environment names, each run once, and says so', async () => {
    const ws = tempWorkspace();
    const log = writeWaitingRun(ws, 'waitingcli1', server.uri);
    process.env.MLFLOW_TRACKING_URI = server.uri;
    const r = await cli(['sync', '--workspace', ws, '--python', PYTHON]);
    assert.equal(r.code, 0, r.out + r.err);
    assert.match(r.out, new RegExp(`Uploaded 1 run to ${server.uri.replace(/[.:/]/g, '\\$&')}\\.`));
    assert.deepEqual(uploadSteps(log), ['queued', 'creating', 'created', 'sending', 'sent', 'done']);
    assert.deepEqual(fs.readdirSync(path.join(ws, '.runlens', 'outbox')), []);
    const again = await cli(['sync', '--workspace', ws, '--python', PYTHON, '--json']);
    assert.deepEqual(JSON.parse(again.out).uploads, [], 'nothing waits any more');
  });

  it('not to a server only the run logs name, which it lists instead', async () => {
    const ws = tempWorkspace();
    const log = writeWaitingRun(ws, 'waitingcli2', server.uri);
    const r = await cli(['sync', '--workspace', ws, '--python', PYTHON, '--json']);
    assert.equal(r.code, 0, r.out + r.err);
    assert.match(r.err, /1 run waits for http:\/\/127\.0\.0\.1:\d+, which you have not named here/);
    assert.deepEqual(JSON.parse(r.out).uploads.map((u: { named: boolean; waiting: number }) => [u.named, u.waiting]), [[false, 1]]);
    assert.deepEqual(uploadSteps(log), ['queued']);
  });

  it('says, with exit 2, that runs still wait when the uploader cannot run', async () => {
    const ws = tempWorkspace();
    writeWaitingRun(ws, 'waitingcli3', server.uri);
    process.env.MLFLOW_TRACKING_URI = server.uri;
    const r = await cli(['sync', '--workspace', ws, '--python', path.join(ws, 'no-such-python')]);
    assert.equal(r.code, 2);
    assert.match(r.err, /the uploader did not run with .*no-such-python .*give another interpreter with --python/);
    assert.deepEqual(fs.readdirSync(path.join(ws, '.runlens', 'outbox')), ['waitingcli3.json']);
  });
});
