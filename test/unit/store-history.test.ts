import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { StoreClient } from '../../src/store/client';
import { CollectingReporter, tempWorkspace, writeRun } from './support/workspace';
import { repoRoot } from './support/repo';
import { expectedNumber, expectedStores, FIXTURE_MLRUNS } from './mlflow-fixtures';

describe('metric histories through the store worker (what the panels chart)', () => {
  let client: StoreClient;
  before(async () => {
    const ws = tempWorkspace();
    writeRun(ws, { id: 'h1', metrics: [['loss', 1, 0], ['loss', 0.5, 1], ['acc', 'NaN', 0], ['loss', 0.25, 2]] });
    const dist = path.join(repoRoot(), 'dist');
    client = await StoreClient.start(path.join(dist, 'storeWorker.js'), path.join(dist, 'sql-wasm.wasm'), ws, new CollectingReporter(), 60_000);
  });
  after(() => client?.dispose());

  it("reads a logged run's every point from its run log, all keys or the ones asked for", async () => {
    const all = await client.api.history('h1');
    assert.deepEqual(all.loss.map((p) => [p.step, p.value]), [[0, 1], [1, 0.5], [2, 0.25]]);
    assert.ok(Number.isNaN(all.acc[0].value));
    assert.deepEqual(Object.keys(await client.api.history('h1', ['acc'])), ['acc']);
    assert.deepEqual(await client.api.history('no-such-run'), {});
  });

  it('reads an imported MLflow run from the MLflow store it came from', async () => {
    // The shared fixture is outside the test's folder: allowed, as the person does by importing it in VS Code.
    await client.api.allowSource(FIXTURE_MLRUNS);
    await client.api.importSource('mlflow-file', FIXTURE_MLRUNS);
    const expected = expectedStores().file.runs.find((r) => r.run_name === 'default-run-1')!;
    const run = (await client.api.runs({ limit: 1000 })).find((r) => r.name === 'default-run-1');
    assert.ok(run?.uid.startsWith('mlflow-'), 'the run was imported');
    const history = await client.api.history(run!.uid);
    assert.deepEqual(Object.keys(history).sort(), Object.keys(expected.metrics).sort());
    for (const [key, m] of Object.entries(expected.metrics)) {
      assert.deepEqual(history[key].map((p) => [p.step, p.value]), m.history.map((p) => [p.step, expectedNumber(p.value)]), key);
    }
  });
});
