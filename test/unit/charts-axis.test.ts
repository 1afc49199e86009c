import * as assert from 'node:assert/strict';
import { numericScale, tickStep, wantsLogScale } from '../../src/core/charts/axis';

const texts = (values: number[]) => numericScale(values).ticks.map((t) => t.text);

describe('axes of the panels\' plots', () => {
  it('go logarithmic only for positive values spanning more than a decade', () => {
    assert.equal(wantsLogScale([0.0001, 0.001, 0.01, 0.1]), true, 'learning rates');
    assert.equal(wantsLogScale([16, 32, 64, 128, 256]), true, 'batch sizes');
    assert.equal(wantsLogScale([0.01, 0.05, 0.1]), false, 'one decade');
    assert.equal(wantsLogScale([2, 4]), false, 'depths');
    assert.equal(wantsLogScale([0, 0.001, 0.1]), false, 'a zero has no logarithm');
    assert.equal(wantsLogScale([-0.1, 0.1, 10]), false, 'nor a negative value');
    assert.equal(wantsLogScale([]), false);
  });

  it('put a logarithmic axis\'s ticks at powers of ten, around the values', () => {
    const s = numericScale([0.0001, 0.0003, 0.001, 0.01, 0.1]);
    assert.equal(s.kind, 'log');
    assert.deepEqual(s.ticks.map((t) => t.text), ['0.0001', '0.001', '0.01', '0.1']);
    assert.equal(s.position(0.0001), 0);
    assert.equal(s.position(0.1), 1);
    assert.ok(Math.abs(s.position(0.001)! - 1 / 3) < 1e-9, 'a decade is a third of three decades');
    assert.deepEqual(texts([0.0003, 0.03]), ['0.0001', '0.001', '0.01', '0.1'], 'widened to whole decades');
  });

  it('thin the powers of ten when the values span many decades', () => {
    const s = numericScale([1e-9, 1e3]);
    assert.ok(s.ticks.length <= 7, s.ticks.map((t) => t.text).join(' '));
    assert.equal(s.ticks[0].text, '1e-9');
    assert.equal(s.position(1e-9), 0);
    assert.ok(s.position(1e3)! <= 1);
  });

  it('give a linear axis about five round ticks, widened to round ends', () => {
    assert.deepEqual(texts([0.7054, 0.8975, 0.9822]), ['0.70', '0.75', '0.80', '0.85', '0.90', '0.95', '1.00']);
    assert.deepEqual(texts([0.01, 0.1]), ['0.00', '0.02', '0.04', '0.06', '0.08', '0.10']);
    assert.deepEqual(texts([-3.5, 12.5]), ['-5', '0', '5', '10', '15']);
    const s = numericScale([0.7054, 0.9822]);
    assert.equal(s.position(0.7), 0);
    assert.equal(s.position(1), 1);
  });

  it('give whole-number values whole-number ticks', () => {
    assert.deepEqual(texts([2, 4]), ['2', '3', '4']);
    assert.deepEqual(texts([1, 3, 8]), ['1', '2', '3', '4', '5', '6', '7', '8']);
  });

  it('put a single value in the middle, labelled as itself', () => {
    const s = numericScale([0.001, 0.001]);
    assert.deepEqual(s.ticks.map((t) => t.text), ['0.001']);
    assert.equal(s.position(0.001), 0.5);
    assert.deepEqual(numericScale([]).ticks, []);
  });

  it('choose steps of 1, 2 or 5 times a power of ten', () => {
    assert.equal(tickStep(0, 1, 5), 0.2);
    assert.equal(tickStep(0, 10, 5), 2);
    assert.equal(tickStep(0, 0.3, 5), 0.05);
    assert.equal(tickStep(0, 1000, 5), 200);
  });
});
