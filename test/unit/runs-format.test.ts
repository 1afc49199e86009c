import * as assert from 'node:assert/strict';
import { paramsAs, runLabel, varyingKeys } from '../../src/core/runs/format';
import { chooseKeyMetric, keyMetricOf } from '../../src/core/runs/keyMetric';
import type { RunSummary } from '../../src/core/store/types';

const run = (params: Record<string, string>, metrics: string[] = [], experiment = 'e'): RunSummary => ({
  id: 1, uid: 'abcdef123456', experiment, experimentId: 1, name: null, parentUid: null, status: 'finished', startTime: 1, endTime: 2,
  lastUpdate: 2, deleted: false, params,
  metrics: Object.fromEntries(metrics.map((k) => [k, { key: k, last: 1, lastStep: 0, lastTime: 0, min: 1, max: 1, count: 1 }])),
});

describe('copying parameters', () => {
  it('as command-line arguments, every key and value is one shell word, whatever it holds', () => {
    assert.equal(paramsAs('args', { lr: '0.01', 'lr $(touch /tmp/pwned)': "it's" }), "--lr 0.01 '--lr $(touch /tmp/pwned)' 'it'\\''s'");
  });
  it('as a Python dict, numbers stay numbers only when Python reads them so', () => {
    assert.equal(paramsAs('python', { lr: '1e-3', bs: '32', id: '007', opt: 'adam', on: 'True', none: 'None' }),
      '{"lr": 1e-3, "bs": 32, "id": "007", "opt": "adam", "on": True, "none": None}');
  });
  it('as JSON, values as logged', () => {
    assert.deepEqual(JSON.parse(paramsAs('json', { lr: '0.01' })), { lr: '0.01' });
  });
});

describe('naming runs and choosing their key metric', () => {
  it('names an unnamed run by the params that vary, or by its first params when alone', () => {
    const a = run({ lr: '0.1', bs: '32' });
    const b = run({ lr: '0.2', bs: '32' });
    assert.deepEqual(varyingKeys([a, b]), ['lr']);
    assert.equal(runLabel(a, ['lr']), 'lr=0.1');
    assert.equal(runLabel(a, []), 'bs=32, lr=0.1');
  });
  it('one rule everywhere: configured per experiment, else a score, else a loss', () => {
    const settings = { keyMetric: '', byExperiment: { tune: 'f1' } };
    assert.equal(keyMetricOf(run({}, ['epoch_time', 'loss', 'val_accuracy']), settings), 'val_accuracy');
    assert.equal(keyMetricOf(run({}, ['epoch_time', 'loss']), settings), 'loss');
    assert.equal(keyMetricOf(run({}, ['f1', 'accuracy'], 'tune'), settings), 'f1');
    assert.equal(chooseKeyMetric('', ['train_loss', 'epoch']), 'train_loss');
    assert.equal(chooseKeyMetric('', ['loss', 'val_accuracy', 'lr']), 'val_accuracy');
    assert.equal(chooseKeyMetric('f1', ['loss']), 'f1');
    assert.equal(chooseKeyMetric('', []), undefined);
  });
});
