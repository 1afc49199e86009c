// Grids run by a library: scikit-learn's searches and samplers with literal grids, loops over a
// search's results, and W&B sweep configs written in code.
import * as assert from 'node:assert/strict';
import { analyzePython } from '../../src/core/analysis';
import { planLoopRun } from '../../src/core/launch/loopRun';
import { only } from './support/analysis';

describe('analysis: scikit-learn searches and samplers', () => {
  it('reports a GridSearchCV with a literal grid at its call, keys sorted as ParameterGrid does, untracked without autolog', () => {
    const loop = only(`
from sklearn.model_selection import GridSearchCV
from sklearn.svm import SVC
search = GridSearchCV(SVC(), param_grid={"kernel": ["linear", "rbf"], "C": [0.1, 1]}, cv=5)
search.fit(X, y)
`);
    assert.equal(loop.line, 4);
    assert.equal(loop.runBy, 'sklearn');
    assert.equal(loop.tracked, false);
    assert.deepEqual(loop.keys, ['C', 'kernel']);
    assert.deepEqual(loop.combinations, [
      { C: 0.1, kernel: 'linear' }, { C: 0.1, kernel: 'rbf' }, { C: 1, kernel: 'linear' }, { C: 1, kernel: 'rbf' },
    ]);
    assert.deepEqual(loop.valueSites.map((v) => v.site.text), ['0.1', '1', '"linear"', '"rbf"']);
    const plan = planLoopRun(loop);
    assert.equal(plan.ok, false);
    assert.match(!plan.ok ? plan.reason : '', /run by scikit-learn's search, not by a for loop/);
  });

  it('counts a search as tracked under MLflow autologging, and reads a list of grids (Halving too)', () => {
    const loop = only(`
import mlflow
from sklearn.experimental import enable_halving_search_cv
from sklearn.model_selection import HalvingGridSearchCV
mlflow.sklearn.autolog()
grid = [{"clf__C": [0.1, 1.0], "clf__penalty": ["l2"]}, {"clf__C": [1.0], "clf__penalty": ["l1"], "clf__solver": ["liblinear"]}]
HalvingGridSearchCV(pipe, grid).fit(X, y)
`);
    assert.equal(loop.tracked, true);
    assert.deepEqual(loop.combinations, [
      { clf__C: 0.1, clf__penalty: 'l2' }, { clf__C: 1.0, clf__penalty: 'l2' }, { clf__C: 1.0, clf__penalty: 'l1', clf__solver: 'liblinear' },
    ]);
  });

  it('lenses the loop that logs a search\'s candidates (cv_results_["params"]) rather than the search itself', () => {
    const loops = analyzePython(`
import mlflow
from sklearn.model_selection import GridSearchCV
search = GridSearchCV(est, {"alpha": [0.1, 1.0]})
search.fit(X, y)
results = search.cv_results_
for params, score in zip(results["params"], results["mean_test_score"]):
    with mlflow.start_run():
        mlflow.log_params(params)
        mlflow.log_metric("cv", score)
with mlflow.start_run():
    for k, v in search.best_params_.items():
        mlflow.log_param(k, v)
`);
    assert.deepEqual(loops.map((l) => [l.line, l.runBy, l.combinations]), [[7, undefined, [{ alpha: 0.1 }, { alpha: 1.0 }]]]);
    assert.deepEqual(loops[0].guard?.reads, { alpha: 'params["alpha"]' });
  });

  it('knows every point of a ParameterSampler over lists no larger than n_iter, and only the keys otherwise', () => {
    const [all, some, randomized] = analyzePython(`
import mlflow
from sklearn.model_selection import ParameterSampler, RandomizedSearchCV
for p in ParameterSampler({"lr": [1e-3, 1e-2], "bs": [32]}, n_iter=5, random_state=0):
    mlflow.log_params(p)
for p in ParameterSampler({"dropout": [0.1, 0.2, 0.3]}, n_iter=2):
    mlflow.log_params(p)
RandomizedSearchCV(est, {"alpha": loguniform(1e-4, 1)}, n_iter=20).fit(X, y)
`);
    assert.deepEqual(all.combinations, [{ bs: 32, lr: 1e-3 }, { bs: 32, lr: 1e-2 }]);
    assert.deepEqual([some.keys, some.unknown, some.combinations], [['dropout'], ['dropout'], []]);
    assert.deepEqual([randomized.keys, randomized.unknown, randomized.combinations], [['alpha'], ['alpha'], []]);
  });

  it('is nothing to lens: a search whose grid is not known, or one made per iteration of a loop', () => {
    const loops = analyzePython(`
from sklearn.model_selection import GridSearchCV
GridSearchCV(est, load_grid()).fit(X, y)
for name, est in MODELS.items():
    GridSearchCV(est, {"C": [1, 2]}).fit(X, y)
`);
    assert.deepEqual(loops.filter((l) => l.combinations.length), []);
  });
});

describe('analysis: W&B sweep configs in code', () => {
  it('crosses a grid sweep\'s values (a value is a constant) at the wandb.sweep call, in the project it names', () => {
    const loop = only(`
import wandb
if __name__ == "__main__":
    sweep_config = {
        "method": "grid",
        "metric": {"name": "loss", "goal": "minimize"},
        "parameters": {"lr": {"values": [1e-2, 1e-3]}, "bs": {"values": [32, 64]}, "epochs": {"value": 20}},
    }
    sweep_id = wandb.sweep(sweep_config, project="demo")
    wandb.agent(sweep_id, function=train)
`);
    assert.deepEqual([loop.line, loop.runBy, loop.tracked, loop.experiment], [9, 'wandb', true, 'demo']);
    assert.deepEqual(loop.keys, ['lr', 'bs', 'epochs']);
    assert.deepEqual(loop.combinations, [
      { lr: 0.01, bs: 32, epochs: 20 }, { lr: 0.01, bs: 64, epochs: 20 }, { lr: 0.001, bs: 32, epochs: 20 }, { lr: 0.001, bs: 64, epochs: 20 },
    ]);
    assert.equal(planLoopRun(loop).ok, false);
  });

  it('reads a config built with dict() and changed before the call; a random sweep has keys only', () => {
    const [grid, random] = analyzePython(`
import wandb
config = dict(method="grid", parameters=dict(layers=dict(values=[2, 3])))
config["parameters"]["layers"]["values"] = [4]
params = {"kl": {"values": [0, 1e-4]}}
params.update({"latent": {"value": 8}})
sweep = dict(method="grid", parameters=params)
wandb.sweep(sweep=sweep, project="vae")
wandb.sweep({"method": "random", "parameters": {"lr": {"min": 1e-5, "max": 1e-2}}})
`);
    assert.deepEqual(grid.combinations, [{ kl: 0, latent: 8 }, { kl: 1e-4, latent: 8 }]);
    assert.deepEqual([random.keys, random.combinations], [['lr'], []]);
  });
});
