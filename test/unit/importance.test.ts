import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { encode, parameterImportance, type ImportanceRun } from '../../src/core/importance/forest';

// Debian's interpreter, which has python3-optuna (and scikit-learn, which Optuna's evaluators use).
const PYTHON = process.env.RUNLENS_TEST_PYTHON || '/usr/bin/python3';

/** Seeded uniform numbers, so the trials are the same on every run. */
function uniform(seed: number): () => number {
  let s = seed;
  return () => { s = (s * 48271) % 2147483647; return s / 2147483647; };
}

/**
 * Trials where x clearly matters most, w matters too, and z and the optimizer do not matter at all:
 * value = 10 x² + 2 w, plus a little noise.
 */
function trials(n: number): { params: { x: number; w: number; z: number; optimizer: string }; value: number }[] {
  const r = uniform(12345);
  return Array.from({ length: n }, () => {
    const x = r();
    const w = r();
    const z = r();
    const optimizer = ['adam', 'sgd', 'rmsprop'][Math.floor(r() * 3)];
    return { params: { x, w, z, optimizer }, value: 10 * x * x + 2 * w + 0.05 * (r() - 0.5) };
  });
}

const OPTUNA_SCRIPT = `
import json, sys, warnings
warnings.simplefilter("ignore")
import optuna
from optuna.distributions import CategoricalDistribution, FloatDistribution
from optuna.importance import FanovaImportanceEvaluator, MeanDecreaseImpurityImportanceEvaluator
optuna.logging.set_verbosity(optuna.logging.ERROR)
study = optuna.create_study()
dists = {"x": FloatDistribution(0, 1), "w": FloatDistribution(0, 1), "z": FloatDistribution(0, 1),
         "optimizer": CategoricalDistribution(["adam", "sgd", "rmsprop"])}
for t in json.load(sys.stdin):
    study.add_trial(optuna.trial.create_trial(params=t["params"], distributions=dists, value=t["value"]))
print(json.dumps({
    "default": optuna.importance.get_param_importances(study, evaluator=FanovaImportanceEvaluator(seed=0)),
    "mdi": optuna.importance.get_param_importances(study, evaluator=MeanDecreaseImpurityImportanceEvaluator(seed=0)),
}))
`;

describe('parameter importance', () => {
  it('ranks the parameters the metric depends on above those it does not, with importances summing to 1', () => {
    const imp = parameterImportance(trials(150).map((t) => ({ params: Object.fromEntries(Object.entries(t.params).map(([k, v]) => [k, String(v)])), value: t.value })))!;
    assert.deepEqual(imp.params.map((p) => p.key).slice(0, 2), ['x', 'w']);
    assert.ok(Math.abs(imp.params.reduce((s, p) => s + p.importance, 0) - 1) < 1e-9);
    assert.ok(imp.params[0].importance > 0.6, `x: ${imp.params[0].importance}`);
    for (const p of imp.params.slice(2)) assert.ok(p.importance < 0.05, `${p.key}: ${p.importance}`);
    assert.equal(imp.runs, 150);
  });

  it('is the same every time (a seeded forest), leaves out runs without the metric and parameters that never vary', () => {
    const runs: ImportanceRun[] = trials(40).map((t) => ({ params: { x: String(t.params.x), bs: '32' }, value: t.value }));
    runs.push({ params: { x: '0.5', bs: '32' }, value: null });
    const a = parameterImportance(runs)!;
    assert.deepEqual(parameterImportance(runs), a);
    assert.deepEqual(a.params.map((p) => p.key), ['x']);
    assert.equal(a.runs, 40);
    assert.equal(parameterImportance(runs.slice(0, 2)), null, 'too few runs');
  });

  it('orders categories by their mean metric, and puts a missing value below every number', () => {
    assert.deepEqual(encode(['b', 'a', 'c', 'a'], [5, 1, 3, 1]), [2, 0, 1, 0]);
    assert.deepEqual(encode(['1e-3', undefined, '0.1'], [0, 0, 0]), [0.001, 0.001 - 1, 0.1]);
  });

  it('agrees with real Optuna (get_param_importances) on the same trials: the clearly important and unimportant parameters rank the same', function () {
    this.timeout(120_000);
    const ts = trials(150);
    const run = spawnSync(PYTHON, ['-c', OPTUNA_SCRIPT], { input: JSON.stringify(ts), encoding: 'utf8', timeout: 110_000 });
    assert.equal(run.status, 0, run.stderr);
    const optuna = JSON.parse(run.stdout) as Record<'default' | 'mdi', Record<string, number>>;
    const ours = parameterImportance(ts.map((t) => ({ params: Object.fromEntries(Object.entries(t.params).map(([k, v]) => [k, String(v)])), value: t.value })))!;
    const mine = Object.fromEntries(ours.params.map((p) => [p.key, p.importance]));
    console.log(`      importance of x, w, z, optimizer: RunLens ${fmt(mine)}; Optuna fANOVA (its default) ${fmt(optuna.default)}; Optuna mean decrease in impurity ${fmt(optuna.mdi)}`);
    for (const theirs of [optuna.default, optuna.mdi]) {
      const rank = (imp: Record<string, number>) => Object.keys(imp).sort((a, b) => imp[b] - imp[a]);
      // The clearly important ones, in order; the clearly unimportant ones below them, both small.
      assert.deepEqual(rank(theirs).slice(0, 2), ['x', 'w']);
      assert.deepEqual(rank(mine).slice(0, 2), ['x', 'w']);
      for (const k of ['z', 'optimizer']) {
        assert.ok(theirs[k] < 0.05 && mine[k] < 0.05, `${k}: Optuna ${theirs[k]}, RunLens ${mine[k]}`);
      }
    }
  });
});

function fmt(imp: Record<string, number>): string {
  return ['x', 'w', 'z', 'optimizer'].map((k) => (imp[k] ?? 0).toFixed(3)).join(' / ');
}
