import * as assert from 'node:assert/strict';
import { brushed, metricAxis, passes, toggleCategory, withRange, type BrushedRun, type Brushes } from '../../src/core/charts/brush';
import { numericScale } from '../../src/core/charts/axis';

const runs: BrushedRun[] = [
  { params: { lr: '0.001', opt: 'adam' }, metrics: { acc: 0.7 } },
  { params: { lr: '0.01', opt: 'sgd' }, metrics: { acc: 0.9 } },
  { params: { lr: '1e-1', opt: 'adam' }, metrics: { acc: 0.8 } },
  { params: { opt: 'adam' }, metrics: { acc: null } },
];

describe('brushes on parallel coordinates', () => {
  it('keep every run until something is brushed', () => {
    assert.deepEqual(brushed(runs, {}), [true, true, true, true]);
  });

  it('keep the runs inside a dragged range (either direction, ends included); a run without the value is out', () => {
    const b = withRange({}, 'lr', 0.05, 0.001);
    assert.deepEqual(b, { lr: { kind: 'range', lo: 0.001, hi: 0.05 } });
    assert.deepEqual(brushed(runs, b), [true, true, false, false]);
    assert.equal(passes({ kind: 'range', lo: 0, hi: 1 }, 'adam'), false);
  });

  it('combine several axes, a metric\'s among them', () => {
    const b: Brushes = { ...withRange({}, 'lr', 0, 1), ...withRange({}, metricAxis('acc'), 0.75, 1) };
    assert.deepEqual(brushed(runs, b), [false, true, true, false]);
  });

  it('toggle clicked categories, and clear an axis by clicking without dragging', () => {
    let b = toggleCategory({}, 'opt', 'adam');
    assert.deepEqual(brushed(runs, b), [true, false, true, true]);
    b = toggleCategory(b, 'opt', 'sgd');
    assert.deepEqual(brushed(runs, b), [true, true, true, true]);
    b = toggleCategory(toggleCategory(b, 'opt', 'adam'), 'opt', 'sgd');
    assert.deepEqual(b, {});
    assert.deepEqual(withRange(withRange({}, 'lr', 0, 1), 'lr', 0.5, 0.5), {});
  });

  it('ignore a brush on an axis not drawn (a parameter that no longer differs)', () => {
    assert.deepEqual(brushed(runs, withRange({}, 'lr', 5, 6), ['opt']), [true, true, true, true]);
  });

  it('map pixels back to values through the axis (the inverse of its position)', () => {
    for (const values of [[0.0001, 0.1], [2, 4, 8], [0.5, 0.9]]) {
      const s = numericScale(values);
      for (const v of values) assert.ok(Math.abs(s.value(s.position(v)!) - v) < 1e-9 * Math.max(1, v), `${v} on ${s.kind}`);
    }
  });
});
