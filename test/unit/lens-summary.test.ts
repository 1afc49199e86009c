import * as assert from 'node:assert/strict';
import { analyzePython } from '../../src/core/analysis';
import { inlayLabel, inlayLabels, lensTitle, summarize, valueSummaries } from '../../src/core/loops/summary';
import type { CombinationState, MatchedRun } from '../../src/core/store/types';

const run = (uid: string, status: MatchedRun['status'], metric: number | null, sha: string | null = 'v1'): MatchedRun =>
  ({ id: 1, uid, status, metric, scriptSha256: sha, gitCommit: null, startTime: 1, endTime: 2 });
const state = (s: CombinationState['state'], runs: MatchedRun[] = [], best: number | null = null): CombinationState =>
  ({ state: s, runs, best, counts: {} });

const LOOP = analyzePython(`import mlflow
for lr in [0.01, 0.1]:
    for bs in [32, 64]:
        with mlflow.start_run():
            mlflow.log_params({"lr": lr, "bs": bs})
`)[0];

describe('what the lens says about a loop', () => {
  it('counts logged combinations, names the best, and calls out failures', () => {
    const states = [state('finished', [run('a', 'finished', 0.81)], 0.81), state('finished', [run('b', 'finished', 0.7)], 0.7), state('failed', [run('c', 'failed', null)]), state('never-run')];
    const s = summarize(LOOP, states, true);
    assert.equal(lensTitle(LOOP, s, 'accuracy'), 'RunLens: 2 of 4 combinations logged · best accuracy 0.8100 (lr=0.01, bs=32) · 1 failed');
  });

  it('says when the same parameters were logged from other code', () => {
    const states = [state('finished', [run('a', 'finished', 0.5, 'old')], 0.5), state('never-run'), state('never-run'), state('never-run')];
    const s = summarize(LOOP, states, true, 'new');
    assert.equal(s.codeChanged, 1);
    assert.match(lensTitle(LOOP, s, 'accuracy'), /code changed since all of them/);
    assert.equal(summarize(LOOP, states, true, 'old').codeChanged, 0);
  });

  it('per literal value, an inlay hint: the best result of its runs and how many of its combinations are logged', () => {
    const states = [state('finished', [run('a', 'finished', 0.81)], 0.81), state('finished', [run('b', 'finished', 0.7)], 0.7), state('never-run'), state('never-run')];
    const values = valueSummaries(LOOP, states, true);
    const label = (key: string, value: number) => inlayLabel(values.find((v) => v.key === key && v.value === value)!, 'acc');
    assert.equal(label('lr', 0.01), '▸ acc 0.8100 · 2/2');
    assert.equal(label('lr', 0.1), '▸ 0/2');
    assert.equal(label('bs', 32), '▸ acc 0.8100 · 1/2');
  });

  it('the hints of one line say less when all they would say does not fit (VS Code cuts the rest)', () => {
    const states = [state('finished', [run('a', 'finished', 0.81)], 0.81), state('finished', [run('b', 'finished', 0.7)], 0.7), state('never-run'), state('never-run')];
    const lrs = valueSummaries(LOOP, states, true).filter((v) => v.key === 'lr');
    assert.deepEqual(inlayLabels(lrs, 'accuracy', 0), ['▸ accuracy 0.8100 · 2/2', '▸ 0/2']);
    assert.deepEqual(inlayLabels(lrs, 'accuracy', 43), ['▸ accuracy 0.8100 · 2/2', '▸ 0/2']);
    assert.deepEqual(inlayLabels([...lrs, ...lrs], 'accuracy', 43), ['▸ 0.8100 · 2/2', '▸ 0/2', '▸ 0.8100 · 2/2', '▸ 0/2']);
    assert.deepEqual(inlayLabels([...lrs, ...lrs, ...lrs, ...lrs], 'accuracy', 43).slice(0, 2), ['▸ 2/2', '▸ 0/2']);
  });

  it('per literal value: how many of its combinations are logged (hover and diagnostics)', () => {
    const states = [state('finished', [run('a', 'finished', 0.8)], 0.8), state('finished', [run('b', 'finished', 0.9)], 0.9), state('never-run'), state('failed', [run('d', 'failed', null)])];
    const values = valueSummaries(LOOP, states, true);
    const lr001 = values.find((v) => v.key === 'lr' && v.value === 0.01)!;
    assert.deepEqual([lr001.combinations, lr001.logged, lr001.best], [2, 2, 0.9]);
    const bs64 = values.find((v) => v.key === 'bs' && v.value === 64)!;
    assert.deepEqual([bs64.combinations, bs64.logged, bs64.failed], [2, 1, 1]);
  });

});
