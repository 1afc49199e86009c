// Loops that record a result per combination without a tracker: their own variables are the
// parameters; loops over epochs, folds, splits or data are not experiment loops.
import * as assert from 'node:assert/strict';
import { analyzeNotebook, analyzePython } from '../../src/core/analysis';
import { planLoopRun } from '../../src/core/launch/loopRun';
import { only } from './support/analysis';

describe('analysis: untracked experiment loops', () => {
  it('reads a nest that appends a dict per combination to a list made before it', () => {
    const loop = only(`
from sklearn.ensemble import RandomForestClassifier
rows = []
for n_estimators in [100, 200]:
    for max_depth in [None, 8]:
        model = RandomForestClassifier(n_estimators=n_estimators, max_depth=max_depth)
        rows.append({"n": n_estimators, "depth": max_depth, "score": model.fit(X, y).score(Xv, yv)})
`);
    assert.equal(loop.tracked, false);
    assert.deepEqual(loop.keys, ['n_estimators', 'max_depth']);
    assert.deepEqual(loop.combinations, [
      { n_estimators: 100, max_depth: null }, { n_estimators: 100, max_depth: 8 },
      { n_estimators: 200, max_depth: null }, { n_estimators: 200, max_depth: 8 },
    ]);
    assert.deepEqual(loop.valueSites.map((v) => v.site.text), ['100', '200', 'None', '8']);
    assert.deepEqual(loop.guard?.reads, { n_estimators: 'n_estimators', max_depth: 'max_depth' });
  });

  it('reads results[(a, b)] = score, a CSV row per combination, a tuple appended, a DataFrame row and a dump', () => {
    for (const record of [
      'scores[(C, kernel)] = clf.fit(X, y).score(Xv, yv)',
      'writer.writerow([C, kernel, clf.fit(X, y).score(Xv, yv)])',
      'scores.append((C, kernel, clf.fit(X, y).score(Xv, yv)))',
      'df.loc[len(df)] = [C, kernel, clf.fit(X, y).score(Xv, yv)]',
      'json.dump({"C": C, "acc": clf.fit(X, y).score(Xv, yv)}, open(f"out/{kernel}-{C}.json", "w"))',
    ]) {
      const loop = only(`
import csv, json
scores = {}
df = make_frame()
writer = csv.writer(open("r.csv", "w"))
for C in [0.1, 1]:
    for kernel in ("linear", "rbf"):
        clf = SVC(C=C, kernel=kernel)
        ${record}
`);
      assert.equal(loop.tracked, false, record);
      assert.deepEqual(loop.combinations.length, 4, record);
    }
  });

  it('sees a value passed to a method of an object whose result is recorded (svc.set_params(C=value))', () => {
    const loop = only(`
svc = LinearSVC(max_iter=5000)
scores = []
for value in [0.25, 0.5]:
    svc.set_params(C=value)
    svc.fit(X, y)
    scores.append(svc.score(Xv, yv))
`);
    assert.deepEqual([loop.tracked, loop.combinations], [false, [{ value: 0.25 }, { value: 0.5 }]]);
  });

  it('takes a row that is a config dict as its keys, and a function called with the loop variable', () => {
    const loop = only(`
results = {}
for cfg in [{"lr": 0.1, "wd": 0}, {"lr": 0.01, "wd": 1e-4}]:
    results[str(cfg)] = train(**cfg)
`);
    assert.deepEqual(loop.combinations, [{ lr: 0.1, wd: 0 }, { lr: 0.01, wd: 1e-4 }]);
    assert.deepEqual(loop.guard?.reads, { lr: 'cfg["lr"]', wd: 'cfg["wd"]' });
  });

  it('reads an untracked loop in a notebook cell over lists of an earlier cell', () => {
    const [, second] = analyzeNotebook([
      'depths = [2, 4]\ncriteria = ["gini", "entropy"]\n',
      'records = []\nfor depth in depths:\n    for criterion in criteria:\n        tree = DecisionTreeClassifier(max_depth=depth, criterion=criterion)\n        records.append((depth, criterion, tree.fit(X, y).score(Xt, yt)))\n',
    ]);
    assert.deepEqual(second.loops.map((l) => [l.line, l.tracked, l.combinations.length]), [[2, false, 4]]);
    assert.deepEqual(second.loops[0].valueSites.map((v) => v.site.cell), [0, 0, 0, 0]);
  });

  it('is no experiment loop: epochs, folds, data splits, counting, printing, or records that do not depend on a run', () => {
    const loops = analyzePython(`
history = []
for epoch in range(20):
    loss = train_one_epoch(model, loader, epoch)
    history.append({"epoch": epoch, "loss": loss})
for step in range(num_steps):
    losses.append(optimizer_step(step))
sizes = {}
for split in ["train", "val", "test"]:
    sizes[split] = len(load_split(split))
for name in ["train", "validation"]:
    sizes[name] = evaluate(model, name)
totals = []
for i in [1, 2, 3]:
    totals.append(i * i)
for lr in [0.1, 0.01]:
    print(lr, train(lr))
for lr in [0.1, 0.01]:
    done.append(train(0.5))
`);
    assert.deepEqual(loops, []);
  });

  it('is tracked when the nest logs to a tracker, even if it also appends results', () => {
    const loop = only(`
import mlflow
rows = []
for lr in [0.1, 0.01]:
    with mlflow.start_run():
        mlflow.log_param("lr", lr)
        rows.append(train(lr))
`);
    assert.equal(loop.tracked, true);
  });

  it('can be run in part by the runner: the guard reads the loop variables', () => {
    const [loop] = analyzePython(`scores = {}
for C in [0.1, 1]:
    scores[C] = SVC(C=C).fit(X, y).score(Xv, yv)
`);
    const plan = planLoopRun(loop);
    assert.ok(plan.ok);
    assert.deepEqual(plan.reads, { C: 'C' });
  });
});
