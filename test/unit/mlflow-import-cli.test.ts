import * as assert from 'node:assert/strict';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { cli } from './support/cli';
import { MLFLOW_FIXTURE } from './mlflow-fixtures';
import { tempWorkspace } from './support/workspace';

const FIXTURE = MLFLOW_FIXTURE;
const expected = JSON.parse(fs.readFileSync(path.join(FIXTURE, 'expected.json'), 'utf8'));

const identity = (r: Record<string, any>): string => r.tags.fixture_id ?? `name:${r.name ?? r.run_name}`;

for (const [store, file] of [['file', 'mlruns'], ['sqlite', 'mlflow.db']] as const) {
  describe(`runlens import of the real MLflow 2.17.2 ${store} store, read back with runlens runs --json --all`, function () {
    this.timeout(60_000);
    let actual: Map<string, Record<string, any>>;
    const want = expected.stores[store];
    const source = path.join(FIXTURE, file);

    let configHome: string | undefined;
    before(async () => {
      // The fixture is outside the workspace: imported in place with --allow-outside, remembered in a scratch config folder.
      configHome = process.env.XDG_CONFIG_HOME;
      process.env.XDG_CONFIG_HOME = tempWorkspace();
      const ws = tempWorkspace();
      const before = store === 'sqlite' ? crypto.createHash('sha256').update(fs.readFileSync(source)).digest('hex') : '';
      const imported = await cli(['import', source, '--workspace', ws, '--json', '--allow-outside']);
      assert.equal(imported.code, 0, imported.err);
      if (store === 'sqlite') assert.equal(crypto.createHash('sha256').update(fs.readFileSync(source)).digest('hex'), before, 'mlflow.db was not modified');
      const again = await cli(['import', source, '--workspace', ws]);
      assert.equal(again.code, 0, again.err);
      const listed = await cli(['runs', '--json', '--all', '--workspace', ws]);
      assert.equal(listed.code, 0, listed.err);
      actual = new Map(JSON.parse(listed.out).runs.map((r: Record<string, any>) => [identity(r), r]));
    });
    after(() => {
      if (configHome === undefined) delete process.env.XDG_CONFIG_HOME; else process.env.XDG_CONFIG_HOME = configHome;
    });

    it('has every run exactly once (importing twice created nothing twice)', () => {
      assert.equal(actual.size, want.runs.length);
      assert.deepEqual([...actual.keys()].sort(), want.runs.map(identity).sort());
    });

    it('keeps each run\'s experiment, name, status, deletion state and times', () => {
      for (const w of want.runs) {
        const a = actual.get(identity(w))!;
        assert.deepEqual(
          [a.experiment, a.name, a.status, a.lifecycle_stage, a.start_time, a.end_time],
          [w.experiment_name, w.run_name, w.status.toLowerCase(), w.lifecycle_stage, w.start_time, w.end_time], identity(w));
      }
    });

    it('keeps every parameter and tag as MLflow\'s strings (unicode, quotes, keys with / and :)', () => {
      for (const w of want.runs) {
        const a = actual.get(identity(w))!;
        assert.deepEqual(a.params, w.params, identity(w));
        assert.deepEqual(a.tags, w.tags, identity(w));
      }
    });

    it('keeps every metric history and final value, NaN, infinities and -0.0 included', () => {
      for (const w of want.runs) {
        const a = actual.get(identity(w))!;
        assert.deepEqual(Object.keys(a.metrics).sort(), Object.keys(w.metrics).sort(), identity(w));
        for (const [key, m] of Object.entries(w.metrics as Record<string, any>)) {
          assert.deepEqual(a.metrics[key].final, m.final, `${identity(w)} ${key} final`);
          assert.equal(a.metrics[key].count, m.num_points, `${identity(w)} ${key} count`);
          assert.deepEqual(a.metrics[key].history, m.history, `${identity(w)} ${key} history`);
        }
      }
    });

    it('nests runs under their parents', () => {
      for (const w of want.runs) {
        const parent = w.tags['mlflow.parentRunId'];
        const a = actual.get(identity(w))!;
        if (!parent) { assert.equal(a.parent_run_id, null, identity(w)); continue; }
        const p = want.runs.find((x: any) => x.run_id === parent);
        assert.equal(actual.get(identity(p))!.run_id, a.parent_run_id, identity(w));
      }
    });
  });
}
