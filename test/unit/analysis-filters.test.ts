// `continue` filters evaluated statically, and run-time skips recognised and flagged.
import * as assert from 'node:assert/strict';
import { only } from './support/analysis';


const GRID = `
import mlflow
from itertools import product
for lr, bs in product([0.1, 0.01], [16, 32, 64]):
`;

describe('analysis: continue filters', () => {
  it('removes the combinations a continue on loop variables skips', () => {
    const loop = only(`${GRID}
    if lr == 0.1 and bs > 16:
        continue
    mlflow.log_params({"lr": lr, "bs": bs})
`);
    assert.deepEqual(loop.combinations, [
      { lr: 0.1, bs: 16 }, { lr: 0.01, bs: 16 }, { lr: 0.01, bs: 32 }, { lr: 0.01, bs: 64 },
    ]);
    assert.deepEqual(loop.notes, []);
  });

  it('evaluates or, not, !=, <=, >= and in / not in over literals', () => {
    const cases: [string, number][] = [
      ['bs in (16, 64) or lr != 0.1', 5],
      ['not bs <= 32', 2],
      ['bs not in [32]', 4],
      ['lr >= 0.1 and not (bs == 32)', 2],
      ['(lr, bs) in [(0.01, 64)]', 1],
      ['16 < bs < 64', 2],
    ];
    for (const [cond, skipped] of cases) {
      const loop = only(`${GRID}
    if ${cond}:
        continue
    mlflow.log_params({"lr": lr, "bs": bs})
`);
      assert.equal(loop.combinations.length, 6 - skipped, cond);
    }
  });

  it('compares with constants bound earlier, and through values computed in the body', () => {
    const loop = only(`
import mlflow
MAX_TOKENS = 4096
for ctx in [1024, 4096, 8192]:
    for bs in [8, 16]:
        tokens = ctx * bs
        if tokens > MAX_TOKENS * 16:
            continue
        mlflow.log_params({"ctx": ctx, "bs": bs})
`);
    assert.deepEqual(loop.combinations, [
      { ctx: 1024, bs: 8 }, { ctx: 1024, bs: 16 }, { ctx: 4096, bs: 8 }, { ctx: 4096, bs: 16 }, { ctx: 8192, bs: 8 },
    ]);
  });

  it('follows elif and else branches', () => {
    const loop = only(`${GRID}
    if bs == 16:
        pass
    elif lr == 0.1:
        continue
    else:
        continue
    mlflow.log_params({"lr": lr, "bs": bs})
`);
    assert.deepEqual(loop.combinations, [{ lr: 0.1, bs: 16 }, { lr: 0.01, bs: 16 }]);
  });

  it('keeps combinations whose filter it cannot evaluate, and says so', () => {
    const loop = only(`${GRID}
    if too_big(lr, bs):
        continue
    mlflow.log_params({"lr": lr, "bs": bs})
`);
    assert.equal(loop.combinations.length, 6);
    assert.deepEqual(loop.notes, ['filter not evaluable statically']);
    assert.equal(loop.runtimeSkip, false);
  });

  it('does not take error handling or an os.path check for a tracker check', () => {
    const loop = only(`${GRID}
    try:
        train(lr, bs)
    except RuntimeError:
        continue
    mlflow.log_params({"lr": lr, "bs": bs})
`);
    assert.equal(loop.combinations.length, 6);
    assert.deepEqual(loop.notes, []);
    const files = only(`
import os, mlflow
for lr in [0.1]:
    if os.path.exists(f"out/{lr}.pt"):
        continue
    mlflow.log_param("lr", lr)
`);
    assert.equal(files.runtimeSkip, false);
    assert.deepEqual(files.notes, ['filter not evaluable statically']);
  });

  it('notes a break, which may end the loop early', () => {
    const loop = only(`${GRID}
    if budget_spent():
        break
    mlflow.log_params({"lr": lr, "bs": bs})
`);
    assert.ok(loop.notes.includes('the loop may stop early (break)'));
  });
});

describe('analysis: run-time skips', () => {
  for (const [label, check] of [
    ['if runlens.exists(...): continue', 'if runlens.exists({"lr": lr, "bs": bs}):\n            continue'],
    ['if tracker.exists(...): continue', 'if tracker.exists(lr=lr, bs=bs):\n            continue'],
    ['if not runlens.exists(...)', 'if not runlens.exists({"lr": lr, "bs": bs}):\n            pass'],
  ]) {
    it(`flags ${label} and keeps every combination`, () => {
      const loop = only(`
import runlens
tracker = runlens.Tracker()
for lr in [0.1, 0.2]:
    for bs in [16]:
        ${check}
        runlens.log_params({"lr": lr, "bs": bs})
`);
      assert.equal(loop.runtimeSkip, true);
      assert.equal(loop.combinations.length, 2);
      assert.deepEqual(loop.notes, []);
    });
  }

  it('flags runlens.grid used as the iterable, and expands it like the client does', () => {
    for (const call of ['rl.grid({"lr": [0.1, 0.2], "bs": [16, 32]}, model="mlp")', 'rl.grid(lr=[0.1, 0.2], bs=(16, 32), model="mlp")']) {
      const loop = only(`
import runlens as rl
for params in ${call}:
    with rl.start_run(params=params):
        pass
`);
      assert.equal(loop.runtimeSkip, true, call);
      assert.deepEqual(loop.combinations, [
        { lr: 0.1, bs: 16, model: 'mlp' }, { lr: 0.1, bs: 32, model: 'mlp' },
        { lr: 0.2, bs: 16, model: 'mlp' }, { lr: 0.2, bs: 32, model: 'mlp' },
      ], call);
    }
  });

  it('flags runlens.sweep over a list of combinations, and lists them', () => {
    const loop = only(`
import runlens
todo = [{"lr": 0.1, "bs": 16}, {"lr": 0.2, "bs": 16}]
for combo in runlens.sweep(todo, experiment="mnist"):
    runlens.log_params(combo)
`);
    assert.equal(loop.runtimeSkip, true);
    assert.deepEqual(loop.combinations, [{ lr: 0.1, bs: 16 }, { lr: 0.2, bs: 16 }]);
  });

  it('does not flag an ordinary loop', () => {
    assert.equal(only(`${GRID}    mlflow.log_params({"lr": lr, "bs": bs})\n`).runtimeSkip, false);
  });
});
