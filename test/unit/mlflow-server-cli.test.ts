/**
 * The command line and a tracking server (recorded MLflow 2.17.2 answers): `runlens import
 * http://…` follows it from the workspace, `runs --json --all` lists its runs with their source,
 * `exists` counts them, `sync` catches up and says when the server cannot be reached.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { MlflowReplay } from '../support/mlflowReplay';
import { REST } from './mlflow-server-client.test';
import { cli } from './support/cli';
import { tempWorkspace } from './support/workspace';

describe('runlens and a tracking server (recorded MLflow 2.17.2)', function () {
  this.timeout(30_000);
  let replay: MlflowReplay;
  let ws: string;
  const saved = { ...process.env };

  before(async () => {
    replay = await MlflowReplay.start(REST, ['008', '134']);
    ws = tempWorkspace();
    fs.mkdirSync(path.join(ws, '.runlens'));
    // The person's own list of allowed sources goes to a folder of the test's, not theirs.
    process.env.XDG_CONFIG_HOME = path.join(ws, 'config');
    process.env.RUNLENS_MLFLOW_PAGE_SIZE = '100';
    delete process.env.MLFLOW_TRACKING_TOKEN;
  });
  after(async () => {
    process.env = saved;
    await replay.stop();
  });
  afterEach(() => assert.deepEqual(replay.unmatched.splice(0), []));

  it('import http://… syncs the experiments named and follows them', async () => {
    const r = await cli(['import', replay.uri, '--experiment', 'rec-alpha', '--experiment', 'rec-beta', '--workspace', ws]);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /Synced 14 runs from http:\/\/127\.0\.0\.1:\d+ \(rec-alpha, rec-beta\)/);
    const allowed = JSON.parse(fs.readFileSync(path.join(ws, 'config', 'runlens', 'allowed-sources.json'), 'utf8'));
    assert.deepEqual(allowed[path.resolve(ws)], [replay.uri]);
  });

  it('runs --json --all lists the server\'s runs with their source, deleted ones too', async () => {
    const r = await cli(['runs', '--json', '--all', '--workspace', ws]);
    assert.equal(r.code, 0, r.err);
    const runs = JSON.parse(r.out).runs as { name: string; source: string; lifecycle_stage: string }[];
    assert.equal(runs.length, 14);
    const sweep = runs.find((x) => x.name === 'sweep-lr-0.001')!;
    assert.equal(sweep.source, `mlflow-server:${replay.uri}#922252d5808e45668e95a9eab9ab7e8b`);
    assert.equal(runs.find((x) => x.name === 'to-delete')!.lifecycle_stage, 'deleted');
  });

  it('exists counts a combination only the server has, compared by meaning', async () => {
    const yes = await cli(['exists', 'lr=1e-3 batch_size=32.0', '--experiment', 'rec-alpha', '--workspace', ws]);
    assert.equal(yes.code, 0, yes.out + yes.err);
    const no = await cli(['exists', 'lr=0.5', '--workspace', ws]);
    assert.equal(no.code, 1);
  });

  it('sync says when the server cannot be reached, and keeps its runs', async () => {
    await replay.stop();
    try {
      const r = await cli(['sync', '--workspace', ws]);
      assert.equal(r.code, 2);
      assert.match(r.out, /MLflow server offline, as of /);
      assert.match(r.err, /cannot be reached/);
      const runs = JSON.parse((await cli(['runs', '--json', '--all', '--workspace', ws])).out).runs;
      assert.equal(runs.length, 14);
    } finally {
      await replay.restart();
    }
  });

  it('refuses a URI with credentials written into it, without echoing them', async () => {
    const r = await cli(['import', 'http://alice:s3cret@127.0.0.1:9/', '--workspace', ws]);
    assert.equal(r.code, 2);
    assert.doesNotMatch(r.err, /s3cret/);
    assert.match(r.err, /MLFLOW_TRACKING_TOKEN/);
  });
});
