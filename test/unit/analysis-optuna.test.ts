// Optuna in the loop analysis: a GridSampler's study.optimize is a search over the grid's points,
// study.enqueue_trial in a loop enqueues a trial per iteration, and trial.suggest_* names a
// parameter of the study the objective is optimised in.
import * as assert from 'node:assert/strict';
import { analyzeNotebook, analyzePython, optunaSuggestions } from '../../src/core/analysis';
import { only } from './support/analysis';

const OBJECTIVE = `
def objective(trial):
    lr = trial.suggest_float("lr", 1e-4, 1.0, log=True)
    opt = trial.suggest_categorical(name="optimizer", choices=["adam", "sgd"])
    return lr
`;

describe('analysis: Optuna', () => {
  it("reads study.optimize with a GridSampler as a search over the grid's points, keys sorted as GridSampler sorts them", () => {
    const loop = only(`import optuna
space = {"optimizer": ["adam", "sgd"], "lr": [0.001, 1e-2]}
${OBJECTIVE}
study = optuna.create_study(study_name="grid", direction="maximize", sampler=optuna.samplers.GridSampler(space))
study.optimize(objective, n_trials=4)
`);
    assert.deepEqual(loop.optuna, { kind: 'grid' });
    assert.equal(loop.experiment, 'grid');
    assert.equal(loop.line, 10);
    assert.deepEqual(loop.keys, ['lr', 'optimizer']);
    assert.deepEqual(loop.combinations, [
      { lr: 0.001, optimizer: 'adam' }, { lr: 0.001, optimizer: 'sgd' }, { lr: 0.01, optimizer: 'adam' }, { lr: 0.01, optimizer: 'sgd' },
    ]);
    assert.deepEqual(loop.valueSites.map((v) => `${v.key}=${v.site.text}@${v.site.line}`), ['lr=0.001@2', 'lr=1e-2@2', 'optimizer="adam"@2', 'optimizer="sgd"@2']);
    assert.equal(loop.guard, undefined, 'GridSampler runs its own points: nothing for a runner to guard');
  });

  it('follows the sampler and the study through names, imports and load_study', () => {
    for (const [setup, call] of [
      ['from optuna.samplers import GridSampler\nsampler = GridSampler({"x": [1, 2, 3]})', 'optuna.create_study(study_name="s", sampler=sampler)'],
      ['import optuna.samplers as samplers\nsampler = samplers.GridSampler(search_space={"x": [1, 2, 3]})', 'optuna.load_study(study_name="s", storage="sqlite:///s.db", sampler=sampler)'],
      ['from optuna import create_study\nfrom optuna.samplers import GridSampler', 'create_study(None, GridSampler({"x": [1, 2, 3]}), None, "s")'],
    ]) {
      const loop = only(`import optuna\n${setup}\nstudy = ${call}\nstudy.optimize(lambda t: t.suggest_int("x", 1, 3))\n`);
      assert.deepEqual([loop.experiment, loop.keys, loop.combinations.length], ['s', ['x'], 3], call);
    }
  });

  it('sees no grid in a study that samples otherwise, or whose space is not known', () => {
    for (const sampler of ['optuna.samplers.TPESampler()', 'optuna.samplers.GridSampler(load_space())', '']) {
      assert.deepEqual(analyzePython(`import optuna\n${OBJECTIVE}\nstudy = optuna.create_study(${sampler ? `sampler=${sampler}` : ''})\nstudy.optimize(objective)\n`), [], sampler);
    }
  });

  it('a GridSampler study without a name is matched against every run', () => {
    const loop = only(`import optuna\nstudy = optuna.create_study(sampler=optuna.samplers.GridSampler({"x": [1, 2]}))\nstudy.optimize(lambda t: t.suggest_int("x", 1, 2))\n`);
    assert.equal(loop.experiment, undefined);
  });

  it('reads study.enqueue_trial in a loop as a run per iteration, in the study, guarded like any loop', () => {
    const loop = only(`import optuna
queue = optuna.load_study(study_name="queue", storage="sqlite:///s.db")
for lr in [0.01, 0.1]:
    for bs in [32, 64]:
        queue.enqueue_trial({"lr": lr, "bs": bs})
queue.optimize(objective)
`);
    assert.deepEqual(loop.optuna, { kind: 'enqueue' });
    assert.equal(loop.experiment, 'queue');
    assert.deepEqual(loop.combinations, [{ lr: 0.01, bs: 32 }, { lr: 0.01, bs: 64 }, { lr: 0.1, bs: 32 }, { lr: 0.1, bs: 64 }]);
    assert.deepEqual(loop.guard?.reads, { lr: 'lr', bs: 'bs' });
  });

  it('an enqueue_trial of something that is not a study is not a run', () => {
    assert.deepEqual(analyzePython('for lr in [0.1, 0.2]:\n    queue.enqueue_trial({"lr": lr})\n'), []);
  });

  it("finds the objective's suggest calls and the study it is optimised in", () => {
    const source = `import optuna\n${OBJECTIVE}\nstudy = optuna.create_study(study_name="tune")\nstudy.optimize(objective, n_trials=20)\n`;
    assert.deepEqual(optunaSuggestions(source).map((s) => [s.param, s.suggest, s.study, s.line]), [['lr', 'float', 'tune', 4], ['optimizer', 'categorical', 'tune', 5]]);
    // Optimised in two studies (here through a lambda), or in none the file names: no study.
    const two = `${source}other = optuna.create_study(study_name="other")\nother.optimize(lambda t: objective(t))\n`;
    assert.deepEqual(optunaSuggestions(two).map((s) => s.study), [undefined, undefined]);
    assert.deepEqual(optunaSuggestions(OBJECTIVE).map((s) => s.study), [undefined, undefined]);
  });

  it('in a notebook: a grid search in a cell, with its space and study from the cells above', () => {
    const cells = ['import optuna\nspace = {"x": [1, 2]}', 'study = optuna.create_study(study_name="nb", sampler=optuna.samplers.GridSampler(space))', 'study.optimize(lambda t: t.suggest_int("x", 1, 2))'];
    const [, , third] = analyzeNotebook(cells);
    assert.deepEqual(third.loops.map((l) => [l.experiment, l.combinations.length, l.valueSites[0].site.cell]), [['nb', 2, 0]]);
    assert.deepEqual(optunaSuggestions(cells).map((s) => [s.param, s.study]), [['x', undefined]]);
  });
});
