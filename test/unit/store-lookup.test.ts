import * as assert from 'node:assert/strict';
import { WorkspaceStore } from '../../src/core/store/workspaceStore';
import { declaredGoal, listRuns, lookupCombinations, higherIsBetter } from '../../src/core/store/queries';
import { ParamIndex, type IndexedRun } from '../../src/core/store/paramIndex';
import { CollectingReporter, tempWorkspace, writeRun } from './support/workspace';
import { analyzePython } from '../../src/core/analysis';
import { describeLoop } from '../../src/core/loops/describe';

async function storeWith(runs: Parameters<typeof writeRun>[1][]) {
  const ws = tempWorkspace();
  for (const r of runs) writeRun(ws, r);
  return WorkspaceStore.open(ws, { reporter: new CollectingReporter() });
}

describe('looking up a grid of combinations', () => {
  it('matches by meaning and by a subset of keys, whatever else the runs logged', async () => {
    const store = await storeWith([
      { id: 'a', params: { lr: '0.001', bs: '32', seed: '1' }, metrics: [['accuracy', 0.7, 0]] },
      { id: 'b', params: { lr: '1e-3', bs: '32.0', seed: '2' }, metrics: [['accuracy', 0.81, 0]] },
      { id: 'c', params: { lr: '0.01', bs: '32', seed: '1' }, status: 'failed' },
    ]);
    const grid = [{ lr: 1e-3, bs: 32 }, { lr: 0.01, bs: 32 }, { lr: 0.1, bs: 32 }, { lr: 0.001, bs: 64 }];
    const states = lookupCombinations(store.catalog, ['lr', 'bs'], grid, { metric: 'accuracy' });
    assert.deepEqual(states.map((s) => s.state), ['finished', 'failed', 'never-run', 'never-run']);
    assert.equal(states[0].best, 0.81);
    assert.equal(states[0].runs[0].uid, 'b', 'the best finished run comes first');
    assert.deepEqual(states[0].counts, { finished: 2 });
    assert.deepEqual(states[1].counts, { failed: 1 });
    await store.close();
  });

  it('ranks by the goal: a loss is better lower', async () => {
    const store = await storeWith([
      { id: 'a', params: { lr: '0.1' }, metrics: [['val_loss', 0.3, 0]] },
      { id: 'b', params: { lr: '0.1' }, metrics: [['val_loss', 0.2, 0]] },
    ]);
    assert.equal(higherIsBetter('val_loss'), false);
    assert.equal(lookupCombinations(store.catalog, ['lr'], [{ lr: 0.1 }], { metric: 'val_loss' })[0].best, 0.2);
    assert.equal(lookupCombinations(store.catalog, ['lr'], [{ lr: 0.1 }], { metric: 'val_loss', goal: 'maximize' })[0].best, 0.3);
    await store.close();
  });

  it("ranks by the direction a source declares for its experiment's metric, over the name's guess and the setting", async () => {
    const { Catalog } = await import('../../src/core/store/catalog');
    const c = await Catalog.open();
    const study = c.experimentId('study');
    const other = c.experimentId('other');
    c.transaction(() => {
      for (const [i, exp, v] of [[1, study, 0.3], [2, study, 0.2], [3, other, 0.1], [4, other, 0.4]] as const) {
        c.run("INSERT INTO runs (id, uid, experiment_id, status, source) VALUES (?, ?, ?, 'finished', 'x')", [i, `r${i}`, exp]);
        c.setParams(i, { lr: '0.1' });
        c.setMetricSummary(i, 'value', [{ key: 'value', value: v, step: 0, t: 0 }]);
      }
    });
    const best = (experimentId?: number, goal?: 'maximize' | 'minimize' | 'auto') =>
      lookupCombinations(c, ['lr'], [{ lr: 0.1 }], { metric: 'value', experimentId, goal })[0].best;
    assert.deepEqual([best(study), best()], [0.3, 0.4], "'value' reads as better higher");
    c.setExperimentTags('study', { 'runlens.goal.value': 'minimize' });
    assert.deepEqual([declaredGoal(c, 'value', study), declaredGoal(c, 'value', other), declaredGoal(c, 'value')], ['minimize', undefined, 'minimize']);
    assert.deepEqual([best(study), best(study, 'maximize'), best(other)], [0.2, 0.2, 0.4]);
    c.setExperimentTags('other', { 'runlens.goal.value': 'maximize' });
    assert.equal(declaredGoal(c, 'value'), undefined, 'two experiments that disagree say nothing for all runs');
    c.close();
  });

  it('a pruned or failed combination is not done; a queued one is on its way', async () => {
    const { Catalog } = await import('../../src/core/store/catalog');
    const c = await Catalog.open();
    const exp = c.experimentId('study');
    c.transaction(() => {
      for (const [i, status, lr] of [[1, 'pruned', '0.1'], [2, 'failed', '0.1'], [3, 'queued', '0.2'], [4, 'pruned', '0.3'], [5, 'finished', '0.3']] as const) {
        c.run('INSERT INTO runs (id, uid, experiment_id, status, source) VALUES (?, ?, ?, ?, ?)', [i, `r${i}`, exp, status, 'x']);
        c.setParams(i, { lr });
      }
    });
    const states = lookupCombinations(c, ['lr'], [{ lr: 0.1 }, { lr: 0.2 }, { lr: 0.3 }]);
    assert.deepEqual(states.map((s) => s.state), ['failed', 'queued', 'finished']);
    assert.deepEqual(states[0].counts, { pruned: 1, failed: 1 });
    c.close();
  });

  it('does not count deleted runs, and counts them again once restored', async () => {
    const store = await storeWith([{ id: 'a', params: { lr: '0.1' } }]);
    await store.edit({ e: 'delete', run: 'a' });
    assert.equal(lookupCombinations(store.catalog, ['lr'], [{ lr: 0.1 }])[0].state, 'never-run');
    await store.edit({ e: 'restore', run: 'a' });
    assert.equal(lookupCombinations(store.catalog, ['lr'], [{ lr: 0.1 }])[0].state, 'finished');
    await store.close();
  });

  it('narrows to one experiment when asked', async () => {
    const store = await storeWith([{ id: 'a', experiment: 'one', params: { lr: '0.1' } }, { id: 'b', experiment: 'two', params: { lr: '0.2' } }]);
    const two = store.catalog.experimentIds.get('two')!;
    assert.deepEqual(lookupCombinations(store.catalog, ['lr'], [{ lr: 0.1 }, { lr: 0.2 }], { experimentId: two }).map((s) => s.state), ['never-run', 'finished']);
    await store.close();
  });

  it('sees a run logged after the first lookup (the index follows writes)', async () => {
    const ws = tempWorkspace();
    const store = await WorkspaceStore.open(ws, { reporter: new CollectingReporter() });
    assert.equal(lookupCombinations(store.catalog, ['lr'], [{ lr: 0.5 }], { metric: 'acc' })[0].state, 'never-run');
    writeRun(ws, { id: 'late', params: { lr: '0.5' }, metrics: [['acc', 0.9, 0]] });
    await store.refresh();
    const [s] = lookupCombinations(store.catalog, ['lr'], [{ lr: 0.5 }], { metric: 'acc' });
    assert.equal(s.state, 'finished');
    assert.equal(s.best, 0.9);
    await store.close();
  });

  it('answers for random-search data, where every run has its own values', async () => {
    const { Catalog } = await import('../../src/core/store/catalog');
    const c = await Catalog.open();
    const exp = c.experimentId('random');
    c.transaction(() => {
      for (let i = 1; i <= 20_000; i++) {
        c.run("INSERT INTO runs (id, uid, experiment_id, status, source) VALUES (?, ?, ?, 'finished', 'x')", [i, `r${i}`, exp]);
        c.setParams(i, { a: String(i / 7), b: String(i / 11), c: String(i / 13), d: String(i / 17) });
      }
    });
    const [hit, miss] = lookupCombinations(c, ['a', 'b', 'c', 'd'], [{ a: 5 / 7, b: 5 / 11, c: 5 / 13, d: 5 / 17 }, { a: 5 / 7, b: 6 / 11, c: 5 / 13, d: 5 / 17 }]);
    assert.deepEqual([hit.state, hit.runs[0]?.uid, miss.state], ['finished', 'r5', 'never-run']);
    c.close();
  });

  it('a key no run has matches nothing', async () => {
    const store = await storeWith([{ id: 'a', params: { lr: '0.1' } }]);
    assert.equal(lookupCombinations(store.catalog, ['lr', 'momentum'], [{ lr: 0.1, momentum: 0.9 }])[0].state, 'never-run');
    await store.close();
  });
});

describe('the param index keeps its groupings current as runs are added', () => {
  it('answers after each new run as an index built from scratch does, also when a key gets a new value', () => {
    const run = (i: number): IndexedRun => ({ experimentId: 1, status: 'finished', deleted: false, uid: `r${i}`, startTime: i, endTime: i, scriptSha256: null, gitCommit: null });
    const params = (i: number): [string, string][] => [['lr', `n:${1 + (i % 3)}e-3`], ['bs', `n:${16 << (i % 2)}e0`], ...(i % 4 ? [['seed', `n:${i % 5}e0`] as [string, string]] : [])];
    const grid = [['n:1e-3', 'n:16e0'], ['n:2e-3', 'n:32e0'], ['n:3e-3', 'n:16e0'], ['n:4e-3', 'n:32e0']];
    const live = new ParamIndex();
    for (let i = 1; i <= 40; i++) {
      if (i === 31) continue; // run 31 came early, with a value no run had before
      live.setRun(i, run(i));
      for (const [k, c] of params(i)) live.setParam(i, k, c);
      if (i === 30) { live.setRun(31, run(31)); live.setParam(31, 'lr', 'n:4e-3'); live.setParam(31, 'bs', 'n:32e0'); }
      const fresh = new ParamIndex();
      for (let j = 1; j <= Math.max(i, i >= 30 ? 31 : 0); j++) {
        if (j === 31 && i < 30) continue;
        fresh.setRun(j, run(j));
        for (const [k, c] of j === 31 ? [['lr', 'n:4e-3'], ['bs', 'n:32e0']] as [string, string][] : params(j)) fresh.setParam(j, k, c);
      }
      assert.deepEqual(live.lookup(['lr', 'bs'], grid), fresh.lookup(['lr', 'bs'], grid), `after run ${i}`);
      assert.deepEqual(live.lookup(['seed'], [['n:1e0'], ['n:3e0']]), fresh.lookup(['seed'], [['n:1e0'], ['n:3e0']]), `after run ${i}`);
    }
  });
});

describe('a loop over tuples against what MLflow stored', () => {
  it('finds the run logged with str((64, 64)), also across a worker boundary, and not one logged with a list', async () => {
    const store = await storeWith([
      { id: 'a', params: { shape: '(64, 64)' }, metrics: [['accuracy', 0.7, 0]] },
      { id: 'b', params: { shape: '[128, 128]' }, metrics: [['accuracy', 0.8, 0]] },
    ]);
    const [loop] = analyzePython('import mlflow\nfor shape in [(64, 64), (128, 128)]:\n    mlflow.log_param("shape", shape)\n');
    // The editor's store answers from a worker thread: what it is sent is structurally cloned.
    const port = {
      lookup: (keys: string[], combos: Record<string, unknown>[], o: { metric?: string }) =>
        lookupCombinations(store.catalog, keys, structuredClone(combos), { metric: o.metric }),
      metricsOf: () => ['accuracy'], experimentId: () => undefined, metricNames: () => ['accuracy'], declaredGoal: () => undefined,
    };
    const state = await describeLoop(loop, port, { configuredMetric: () => 'accuracy', goal: 'auto', sameExperiment: false });
    assert.deepEqual(state.states.map((s) => s.state), ['finished', 'never-run']);
    await store.close();
  });
});

describe('listing runs', () => {
  it('sorts by a metric in either direction, runs without it last, and pages', async () => {
    const store = await storeWith([
      { id: 'a', metrics: [['acc', 0.5, 0]] }, { id: 'b', metrics: [['acc', 0.9, 0]] }, { id: 'c' }, { id: 'd', metrics: [['acc', 0.7, 0]] },
    ]);
    const ids = (descending: boolean, offset = 0, limit = 10) => listRuns(store.catalog, { sort: { metric: 'acc', descending }, offset, limit }).map((r) => r.uid);
    assert.deepEqual(ids(true), ['b', 'd', 'a', 'c']);
    assert.deepEqual(ids(false), ['a', 'd', 'b', 'c']);
    assert.deepEqual(ids(true, 1, 2), ['d', 'a']);
    await store.close();
  });
});

describe('a loop over seeds, against a real store', () => {
  it('tallies every finished run of a combination, and the lens ranks settings by their mean over seeds', async () => {
    const store = await storeWith([
      { id: 's1', params: { lr: '0.01', seed: '0' }, metrics: [['accuracy', 0.8, 0]] },
      { id: 's2', params: { lr: '0.01', seed: '1' }, metrics: [['accuracy', 0.82, 0]] },
      { id: 's3', params: { lr: '0.1', seed: '0' }, metrics: [['accuracy', 0.95, 0]] },
      { id: 's4', params: { lr: '0.1', seed: '1' }, metrics: [['accuracy', 0.6, 0]] },
      // Run twice with the same seed: both count for its mean; a failed run does not.
      { id: 's5', params: { lr: '0.1', seed: '1' }, metrics: [['accuracy', 0.61, 0]] },
      { id: 's6', params: { lr: '0.5', seed: '0' }, status: 'failed' },
    ]);
    const [loop] = analyzePython('import mlflow\nfor lr in [0.01, 0.1, 0.5]:\n    for seed in [0, 1]:\n        with mlflow.start_run():\n            mlflow.log_params({"lr": lr, "seed": seed})\n');
    const port = {
      lookup: (keys: string[], combos: Record<string, unknown>[], o: { metric?: string }) => lookupCombinations(store.catalog, keys, combos, { metric: o.metric }),
      metricsOf: () => ['accuracy'], experimentId: () => undefined, metricNames: () => ['accuracy'], declaredGoal: () => undefined,
    };
    const state = await describeLoop(loop, port, { configuredMetric: () => 'accuracy', goal: 'auto', sameExperiment: false });
    assert.deepEqual(state.states[3].results?.n, 2);
    // lr=0.1: (0.95 + 0.6 + 0.61) / 3 = 0.72 < lr=0.01's 0.81, though it has the best single run.
    assert.equal(state.title, 'RunLens: 2 of 3 combinations logged (2 seeds each) · best mean accuracy 0.8100 ± 0.0141 (lr=0.01) · 1 failed');
    await store.close();
  });
});
