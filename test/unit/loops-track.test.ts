// "Track This Loop with RunLens": the rewrites of an untracked loop, which then logs its runs.
import * as assert from 'node:assert/strict';
import { analyzePython } from '../../src/core/analysis';
import { trackRewrites, type TextChange } from '../../src/core/loops/track';

function apply(source: string, changes: TextChange[]): string {
  let out = source;
  for (const c of [...changes].sort((a, b) => b.from - a.from)) out = out.slice(0, c.from) + c.insert + out.slice(c.to);
  return out;
}

const rewrites = (source: string) => {
  const [loop] = analyzePython(source);
  assert.ok(loop && !loop.tracked, 'an untracked loop');
  return { loop, rewrites: trackRewrites(source, loop) };
};

describe('tracking an untracked loop', () => {
  it('runs the innermost body inside runlens.start_run with the loop\'s keys, importing runlens, and the loop is then tracked', () => {
    const source = `"""Compare forests."""
from __future__ import annotations
import pandas as pd

rows = []
for n in [100, 200]:
    for depth in [None, 8]:
        model = Forest(n_estimators=n, max_depth=depth)

        # fit and score
        rows.append({"n": n, "depth": depth, "score": model.fit(X, y).score(Xv, yv)})
print(pd.DataFrame(rows))
`;
    const { loop, rewrites: [wrap, grid] } = rewrites(source);
    assert.equal(wrap.title, 'Track This Loop with RunLens');
    const tracked = apply(source, wrap.changes);
    assert.equal(tracked, `"""Compare forests."""
from __future__ import annotations
import runlens
import pandas as pd

rows = []
for n in [100, 200]:
    for depth in [None, 8]:
        with runlens.start_run(params={"n": n, "depth": depth}):
            model = Forest(n_estimators=n, max_depth=depth)

            # fit and score
            rows.append({"n": n, "depth": depth, "score": model.fit(X, y).score(Xv, yv)})
print(pd.DataFrame(rows))
`);
    const [after] = analyzePython(tracked);
    assert.deepEqual([after.tracked, after.combinations], [true, loop.combinations]);
    assert.ok(grid, 'a plain product of literals is also offered as runlens.grid');
  });

  it('offers runlens.grid for a plain product of literals, keeping the body as it was inside the run', () => {
    const source = `import itertools
import runlens
scores = {}
for lr, bs in itertools.product([1e-3, 1e-2], (32, 64)):
    acc = train(lr, bs)
    scores[(lr, bs)] = acc
`;
    const { rewrites: [, grid] } = rewrites(source);
    const tracked = apply(source, grid.changes);
    assert.equal(tracked, `import itertools
import runlens
scores = {}
for params in runlens.grid(lr=[1e-3, 1e-2], bs=(32, 64)):
    lr, bs = params["lr"], params["bs"]
    with runlens.start_run(params=params):
        acc = train(lr, bs)
        scores[(lr, bs)] = acc
`);
    const [after] = analyzePython(tracked);
    assert.deepEqual([after.tracked, after.runtimeSkip, after.combinations.length], [true, true, 4]);
  });

  it('spreads a config dict the loop walks over, and moves a body written on the for line', () => {
    const source = `results = {}
for cfg in [{"lr": 0.1, "wd": 0}, {"lr": 0.01, "wd": 1e-4}]: results[str(cfg)] = train(**cfg)
`;
    const { loop, rewrites: list } = rewrites(source);
    assert.equal(list.length, 1, 'a list of configs is no product: no runlens.grid');
    const tracked = apply(source, list[0].changes);
    assert.equal(tracked, `import runlens
results = {}
for cfg in [{"lr": 0.1, "wd": 0}, {"lr": 0.01, "wd": 1e-4}]:
    with runlens.start_run(params=cfg):
        results[str(cfg)] = train(**cfg)
`);
    assert.deepEqual(analyzePython(tracked)[0].combinations, loop.combinations);
  });

  it('leaves a multi-line string inside the body as it is, and a loop over an epoch inside the run', () => {
    const source = `import runlens
log = []
for C in [0.1, 1]:
    clf = SVC(C=C)
    note = """first line
second line"""
    for epoch in range(3):
        clf.partial_fit(X, y)
    log.append((C, clf.score(X, y)))
`;
    const tracked = apply(source, rewrites(source).rewrites[0].changes);
    assert.match(tracked, /\n {4}with runlens\.start_run\(params=\{"C": C\}\):\n {8}clf = SVC\(C=C\)\n {8}note = """first line\nsecond line"""\n {8}for epoch in range\(3\):\n {12}clf\.partial_fit/);
    assert.equal(analyzePython(tracked)[0].tracked, true);
  });

  it('offers nothing for a tracked loop or a search', () => {
    const [tracked] = analyzePython('import mlflow\nfor lr in [1, 2]:\n    mlflow.log_param("lr", lr)\n');
    assert.deepEqual(trackRewrites('', tracked), []);
    const [search] = analyzePython('from sklearn.model_selection import GridSearchCV\nGridSearchCV(est, {"C": [1, 2]}).fit(X, y)\n');
    assert.deepEqual(trackRewrites('', search), []);
  });
});
