import * as assert from 'node:assert/strict';
import { formatMetric, formatTick, paramsAs, runLabel, varyingKeys } from '../../src/core/runs/format';
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
    // By meaning, as compare's differences: 0.001 and 1e-3 are one learning rate.
    assert.deepEqual(varyingKeys([run({ lr: '0.001', opt: 'adam' }), run({ lr: '1e-3', opt: 'sgd' })]), ['opt']);
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

describe('one rule for the digits of a metric', () => {
  it('shows 4 significant digits whatever precision the value was logged with', () => {
    // A run logged with 2 decimals and one with 6 read alike next to each other.
    assert.deepEqual([0.81, 0.812345, 0.2, 0.09080, 12.3456, 123.456].map(formatMetric), ['0.8100', '0.8123', '0.2000', '0.09080', '12.35', '123.5']);
  });
  it('keeps whole numbers exact and never cuts digits before the point', () => {
    assert.deepEqual([5, 1200, -3, 1234.5, 12345.6, 999999.4].map(formatMetric), ['5', '1200', '-3', '1235', '12346', '999999']);
  });
  it('rounds up across a power of ten without switching form', () => {
    assert.deepEqual([0.99996, 9.99996, 999.96, 9999.96].map(formatMetric), ['1.000', '10.00', '1000', '10000']);
  });
  it('writes very small and very large values in exponent form, with as many digits', () => {
    assert.deepEqual([0.000123456, -0.00005, 1e6, 2.5e9].map(formatMetric), ['1.235e-4', '-5.000e-5', '1.000e+6', '2.500e+9']);
  });
  it('says what is not a number, and what is missing', () => {
    assert.deepEqual([0, -0, NaN, Infinity, -Infinity, null, undefined].map(formatMetric), ['0', '0', 'NaN', '∞', '-∞', '–', '–']);
  });
});

describe('axis ticks', () => {
  it('have the decimals of their step, the same on every tick', () => {
    assert.deepEqual([0.7, 0.75, 0.8, 0.85].map((t) => formatTick(t, 0.05)), ['0.70', '0.75', '0.80', '0.85']);
    assert.deepEqual([2, 2.5, 3].map((t) => formatTick(t, 0.5)), ['2.0', '2.5', '3.0']);
    assert.deepEqual([0, 0.25, 0.5].map((t) => formatTick(t, 0.25)), ['0.00', '0.25', '0.50']);
    assert.deepEqual([0, 20, 40].map((t) => formatTick(t, 20)), ['0', '20', '40']);
  });
  it('write a float\'s noise away, and tiny or huge round numbers in short exponent form', () => {
    assert.equal(formatTick(0.1 + 0.2, 0.1), '0.3');
    assert.equal(formatTick(-1e-17, 0.1), '0.0');
    assert.deepEqual([1e-5, 0.0001, 0.001, 1, 100, 1e7].map((t) => formatTick(t, t)), ['1e-5', '0.0001', '0.001', '1', '100', '1e+7']);
  });
});
