import * as assert from 'node:assert/strict';
import { bestOf, chartData, chartOptions, DEFAULT_CHART_OPTIONS, emaSmooth, groupedChartData, quantile, xValues, yRange } from '../../src/core/charts/lines';

const close = (actual: (number | null | undefined)[], expected: (number | null | undefined)[]) => {
  assert.equal(actual.length, expected.length);
  actual.forEach((a, i) => {
    const e = expected[i];
    if (typeof e !== 'number' || typeof a !== 'number') assert.equal(a, e, `at ${i}`);
    else assert.ok(Math.abs(a - e) < 1e-9, `at ${i}: ${a} is not ${e}`);
  });
};

describe('chart smoothing', () => {
  it('is TensorBoard\'s debiased exponential moving average', () => {
    // By hand: the average starts at 0 and is divided by 1 - w^n after n points.
    close(emaSmooth([1, 2, 3], 0.5), [1, (0.25 + 1) / 0.75, (0.625 + 1.5) / 0.875]);
  });

  it('does not pull the first point towards zero (the debiasing), and weight 0 changes nothing', () => {
    assert.equal(emaSmooth([10, 0, 0], 0.9)[0], 10);
    assert.deepEqual(emaSmooth([3, 1, 2], 0), [3, 1, 2]);
  });

  it('leaves NaN points as gaps that do not move the average, and a constant series as it is', () => {
    const s = emaSmooth([1, null, 3], 0.5);
    assert.equal(s[1], null);
    close([s[2]], [(0.25 + 1.5) / 0.75]);
    assert.deepEqual(emaSmooth([0.5, 0.5, 0.5], 0.9), [0.5, 0.5, 0.5]);
  });

  it('of a noisy series is smoother: its steps are much smaller than the raw ones', () => {
    const raw = Array.from({ length: 200 }, (_, i) => 1 - i / 400 + (i % 2 ? 0.1 : -0.1));
    const jumps = (v: (number | null)[]) => v.slice(1).reduce<number>((sum, x, i) => sum + Math.abs((x as number) - (v[i] as number)), 0);
    assert.ok(jumps(emaSmooth(raw, 0.9)) < jumps(raw) / 5);
  });
});

describe('chart x axes and ranges', () => {
  it('puts points at their step, seconds since the run\'s first point, or wall time in seconds', () => {
    assert.deepEqual(xValues([0, 5], [1000_000, 1003_500], 'step'), [0, 5]);
    assert.deepEqual(xValues([0, 5], [1000_000, 1003_500], 'relative'), [0, 3.5]);
    assert.deepEqual(xValues([0, 5], [1000_000, 1003_500], 'wall'), [1000, 1003.5]);
  });

  it('ignoring outliers, spans the 5th to 95th percentile, so one spike does not flatten the rest', () => {
    const values = [...Array.from({ length: 99 }, (_, i) => 0.5 + i / 1000), 1000];
    const [, hiAll] = yRange(values, { logY: false, ignoreOutliers: false })!;
    const [lo, hi] = yRange(values, { logY: false, ignoreOutliers: true })!;
    assert.ok(hiAll > 1000);
    assert.ok(lo > 0.49 && hi < 0.7, `${lo}..${hi}`);
    assert.equal(quantile([1, 2, 3, 4, 5], 0.5), 3);
    assert.equal(quantile([0, 10], 0.05), 0.5);
  });

  it('on a log scale ranges over the positive values only, padded in decades', () => {
    const [lo, hi] = yRange([0.001, 10, -1, 0], { logY: true, ignoreOutliers: false })!;
    assert.ok(lo < 0.001 && lo > 0.0005 && hi > 10 && hi < 20, `${lo}..${hi}`);
    assert.equal(yRange([], { logY: false, ignoreOutliers: false }), null);
    assert.deepEqual(yRange([2, 2], { logY: false, ignoreOutliers: false })!.map((v) => +v.toFixed(3)), [1.78, 2.22]);
  });
});

describe('a chart\'s data', () => {
  const a = { steps: [0, 1, 2], times: [0, 1000, 2000], values: [1, 0.5, 0.25] };
  const b = { steps: [0, 2, 4], times: [500, 1500, 2500], values: [2, null, -1] };

  it('aligns the lines on the union of their x values: undefined where a line has no point, null for its NaN', () => {
    const d = chartData([a, b, null], DEFAULT_CHART_OPTIONS);
    assert.deepEqual(d.x, [0, 1, 2, 4]);
    assert.deepEqual(d.raw, [[1, 0.5, 0.25, undefined], [2, undefined, null, -1], [undefined, undefined, undefined, undefined]]);
    assert.equal(d.smoothed, null);
  });

  it('smooths each line over its own points before aligning', () => {
    const d = chartData([a, b], { ...DEFAULT_CHART_OPTIONS, smoothing: 0.5 });
    close(d.smoothed![0], [...emaSmooth(a.values, 0.5), undefined]);
    assert.equal(d.smoothed![1][1], undefined);
  });

  it('on a log scale drops values that are not positive and counts them', () => {
    const d = chartData([a, b], { ...DEFAULT_CHART_OPTIONS, logY: true });
    assert.equal(d.hiddenByLog, 1);
    assert.equal(d.raw[1][3], null);
  });

  it('by relative time: each run from its own first point', () => {
    const d = chartData([a, b], { ...DEFAULT_CHART_OPTIONS, x: 'relative' });
    assert.deepEqual(d.x, [0, 1, 2]);
  });
});

describe('chart options kept in a memento', () => {
  it('read back whatever was stored, anything unknown or out of range as the default', () => {
    assert.deepEqual(chartOptions(undefined), DEFAULT_CHART_OPTIONS);
    assert.deepEqual(chartOptions({ smoothing: 0.6, logY: true, x: 'wall', ignoreOutliers: true }), { smoothing: 0.6, logY: true, x: 'wall', ignoreOutliers: true });
    assert.deepEqual(chartOptions({ smoothing: 7, logY: 'yes', x: 'epoch' }), { ...DEFAULT_CHART_OPTIONS, smoothing: 0.99 });
  });
});

describe('a metric\'s best value', () => {
  it('is its maximum when higher is better, else its minimum', () => {
    assert.equal(bestOf({ min: 0.1, max: 0.9 }, true), 0.9);
    assert.equal(bestOf({ min: 0.1, max: 0.9 }, false), 0.1);
  });
});

describe('a chart of groups of runs', () => {
  it('draws each group\'s mean of its members\' (smoothed) values, with its band setting the y range', () => {
    const s = (values: number[]) => ({ steps: values.map((_, i) => i), times: values.map((_, i) => i), values });
    const data = chartData([s([1, 1]), s([3, 3]), s([10, 10])], DEFAULT_CHART_OPTIONS);
    const g = groupedChartData(data, [[0, 1], [2]], 'minmax', DEFAULT_CHART_OPTIONS);
    assert.deepEqual(g.groups[0], { mean: [2, 2], lo: [1, 1], hi: [3, 3] });
    assert.deepEqual(g.groups[1].mean, [10, 10]);
    assert.deepEqual(g.yRange!.map((v) => +v.toFixed(2)), [0.55, 10.45]);
  });
});
