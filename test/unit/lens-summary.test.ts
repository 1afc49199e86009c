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
    assert.equal(s.changedRun, 'a', 'the run whose code the lens offers to compare');
    assert.equal(summarize(LOOP, states, true, 'old').codeChanged, 0);
    assert.equal(summarize(LOOP, states, true, 'old').changedRun, undefined);
    // Several runs from other code: the newest is offered.
    const newer = { ...run('b', 'finished', 0.6, 'older'), startTime: 5 };
    const two = [state('finished', [run('a', 'finished', 0.5, 'old')], 0.5), state('finished', [newer], 0.6), state('never-run'), state('never-run')];
    assert.equal(summarize(LOOP, two, true, 'new').changedRun, 'b');
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

  it('counts pruned Optuna trials and queued ones apart from failures', () => {
    const states = [state('finished', [run('a', 'finished', 0.8)], 0.8), state('pruned', [run('b', 'pruned', null)]), state('pruned', [run('c', 'pruned', null)]), state('queued', [run('d', 'queued', null)])];
    const s = summarize(LOOP, states, true);
    assert.deepEqual([s.logged, s.failed, s.pruned, s.queued], [1, 0, 2, 1]);
    assert.equal(lensTitle(LOOP, s, 'accuracy'), 'RunLens: 1 of 4 combinations logged · best accuracy 0.8000 (lr=0.01, bs=32) · 2 pruned · 1 queued');
    const bs64 = valueSummaries(LOOP, states, true).find((v) => v.key === 'bs' && v.value === 64)!;
    assert.deepEqual([bs64.logged, bs64.failed, bs64.pruned], [0, 0, 1]);
  });

  it("an Optuna GridSampler's lens counts grid points done", () => {
    const grid = { ...LOOP, optuna: { kind: 'grid' as const } };
    assert.equal(lensTitle(grid, summarize(grid, [state('never-run'), state('never-run')], true), undefined), 'RunLens: 2 grid points, none done yet');
    const states = [state('finished', [run('a', 'finished', 0.2)], 0.2), state('finished', [run('b', 'finished', 0.1)], 0.1), state('pruned'), state('never-run')];
    assert.equal(lensTitle(grid, summarize(grid, states, false), 'value'), 'RunLens: 2 of 4 grid points done · best value 0.1000 (lr=0.01, bs=64) · 1 pruned');
  });

  it('over seeds: counts settings with how many seeds each, and ranks them by their mean ± standard deviation', () => {
    const seeded = analyzePython(`import mlflow
for lr in [0.01, 0.1, 0.5]:
    for seed in [0, 1]:
        with mlflow.start_run():
            mlflow.log_params({"lr": lr, "seed": seed})
`)[0];
    assert.deepEqual(seeded.keys, ['lr', 'seed']);
    const tally = (...v: number[]) => ({ n: v.length, sum: v.reduce((a, b) => a + b, 0), sumSq: v.reduce((a, b) => a + b * b, 0) });
    const done = (uid: string, v: number): CombinationState => ({ ...state('finished', [run(uid, 'finished', v)], v), results: tally(v) });
    // lr=0.01: 0.80 and 0.82 (mean 0.81); lr=0.1: one seed of 0.95 (the best single run, half a setting); lr=0.5: 0.5 and 0.9 (mean 0.7).
    const states = [done('a', 0.8), done('b', 0.82), done('c', 0.95), state('never-run'), done('e', 0.5), done('f', 0.9)];
    const s = summarize(seeded, states, true);
    assert.deepEqual(s.seeds, { keys: ['seed'], total: 3, logged: 2, partly: 1, least: 2, most: 2 });
    assert.equal(s.best?.uid, 'c', 'the setting with one seed done ranks by that one run');
    assert.equal(lensTitle(seeded, s, 'accuracy'), 'RunLens: 2 of 3 combinations logged (2 seeds each) · 1 partly logged · best accuracy 0.9500 (lr=0.1)');
    // With lr=0.1's second seed at 0.6, its mean (0.775) falls below lr=0.01's (0.81).
    const all = [...states.slice(0, 3), done('d', 0.6), ...states.slice(4)];
    const title = lensTitle(seeded, summarize(seeded, all, true), 'accuracy');
    assert.equal(title, 'RunLens: all 3 combinations logged (2 seeds each) · best mean accuracy 0.8100 ± 0.0141 (lr=0.01)');
    // For a loss, lower is better: lr=0.5's mean 0.7 wins.
    assert.match(lensTitle(seeded, summarize(seeded, all, false), 'loss'), /best mean loss 0\.7000 ± 0\.2828 \(lr=0\.5\)$/);
  });

  it('a combination repeated without logging its seed is ranked by the mean of its runs', () => {
    const repeated = analyzePython(`import mlflow
for lr in [0.01, 0.1]:
    for _ in range(3):
        with mlflow.start_run():
            mlflow.log_param("lr", lr)
`)[0];
    assert.deepEqual(repeated.repeats, [3, 3]);
    const states: CombinationState[] = [
      { ...state('finished', [run('a', 'finished', 0.99)], 0.99), results: { n: 3, sum: 0.99 + 0.5 + 0.51, sumSq: 0.99 ** 2 + 0.5 ** 2 + 0.51 ** 2 } },
      { ...state('finished', [run('b', 'finished', 0.8)], 0.8), results: { n: 3, sum: 0.8 + 0.79 + 0.81, sumSq: 0.8 ** 2 + 0.79 ** 2 + 0.81 ** 2 } },
    ];
    assert.equal(lensTitle(repeated, summarize(repeated, states, true), 'acc'), 'RunLens: all 2 combinations logged · 3 runs each · best mean acc 0.8000 ± 0.0100 (lr=0.1)');
  });
});
