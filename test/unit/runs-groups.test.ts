import * as assert from 'node:assert/strict';
import { defaultIgnoredKeys, groupCurve, groupRuns, isSeedLike, spread } from '../../src/core/runs/groups';

const run = (params: Record<string, string>, metrics: Record<string, number | null> = {}) => ({ params, metrics });

describe('groups of runs over seeds', () => {
  it('names keys like a seed as seeds', () => {
    for (const k of ['seed', 'Seed', 'random_seed', 'seed_0', 'data.seed', 'random_state', 'rng', 'torch_seed']) assert.equal(isSeedLike(k), true, k);
    for (const k of ['lr', 'seeding_method', 'depth', 'strings']) assert.equal(isSeedLike(k), false, k);
  });

  it('ignore by default the seed keys and the keys unique per run, when something else still varies', () => {
    const runs = [
      run({ lr: '0.1', seed: '1', run_tag: 'a' }), run({ lr: '0.1', seed: '2', run_tag: 'b' }),
      run({ lr: '0.01', seed: '1', run_tag: 'c' }), run({ lr: '0.01', seed: '2', run_tag: 'd' }),
    ];
    assert.deepEqual(defaultIgnoredKeys(runs), ['run_tag', 'seed']);
  });

  it('do not ignore the only varying key, though each run has its own value (a plain lr sweep)', () => {
    const runs = [run({ lr: '0.1', bs: '32' }), run({ lr: '0.01', bs: '32' }), run({ lr: '0.001', bs: '32' })];
    assert.deepEqual(defaultIgnoredKeys(runs), []);
    assert.equal(groupRuns(runs, []).length, 3);
  });

  it('put runs together whose remaining parameters agree by meaning, with n, mean and sample std per metric', () => {
    const runs = [
      run({ lr: '0.001', seed: '1' }, { acc: 0.8 }), run({ lr: '1e-3', seed: '2' }, { acc: 0.9 }),
      run({ lr: '0.01', seed: '1' }, { acc: 0.5 }), run({ lr: '0.0010', seed: '3' }, { acc: null }),
    ];
    const groups = groupRuns(runs, ['seed']);
    assert.equal(groups.length, 2);
    assert.deepEqual(groups[0].members, [0, 1, 3]);
    assert.deepEqual(groups[0].params, { lr: '0.001' });
    const acc = groups[0].metrics.acc!;
    assert.equal(acc.n, 2, 'a NaN is not a value');
    assert.ok(Math.abs(acc.mean - 0.85) < 1e-12);
    assert.ok(Math.abs(acc.std - Math.sqrt(0.005)) < 1e-12, 'sample standard deviation');
    assert.deepEqual(groups[1].metrics.acc, { n: 1, mean: 0.5, std: 0, min: 0.5, max: 0.5 });
  });

  it('tell a run without a key apart from runs that have it', () => {
    const groups = groupRuns([run({ lr: '0.1' }), run({ lr: '0.1', wd: '0' })], []);
    assert.equal(groups.length, 2);
  });

  it('spread of nothing is null', () => {
    assert.equal(spread([null, undefined, NaN]), null);
  });

  it('draw a mean line with a band of ± one std, or min to max, over the members that have a point', () => {
    const c = groupCurve([[1, 2, undefined], [3, null, undefined]], 'std');
    assert.deepEqual(c.mean, [2, 2, undefined]);
    assert.ok(Math.abs(c.hi[0]! - (2 + Math.SQRT2)) < 1e-12);
    assert.deepEqual(groupCurve([[1, 2], [3, 2]], 'minmax'), { mean: [2, 2], lo: [1, 2], hi: [3, 2] });
  });
});
