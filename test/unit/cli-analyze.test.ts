import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { cli } from './support/cli';
import { tempWorkspace, writeRun } from './support/workspace';

describe('runlens analyze', () => {
  let ws: string;
  before(() => {
    ws = tempWorkspace();
    writeRun(ws, { id: 'a', experiment: 'tune', params: { lr: '0.001', bs: '32' }, metrics: [['accuracy', 0.8, 0]] });
    writeRun(ws, { id: 'b', experiment: 'other', params: { lr: '0.01', bs: '32' }, metrics: [['accuracy', 0.9, 0]] });
    writeRun(ws, { id: 'c', experiment: 'tune', params: { lr: '0.1', bs: '32' }, status: 'failed' });
    fs.writeFileSync(path.join(ws, 'train.py'), [
      'import mlflow', 'mlflow.set_experiment("tune")', '',
      'for lr in [1e-3, 0.01, 0.1]:',
      '    with mlflow.start_run():',
      '        mlflow.log_params({"lr": lr, "bs": 32})', '',
    ].join('\n'));
  });

  it('prints each loop with the documented JSON form, matching the experiment the code names', async () => {
    const r = await cli(['analyze', path.join(ws, 'train.py'), '--workspace', ws, '--json']);
    assert.equal(r.code, 0, r.err);
    const out = JSON.parse(r.out);
    assert.deepEqual(out.loops, [{
      line: 4, cell: null, experiment: 'tune', keys: ['lr', 'bs'], unknown: [],
      combinations: [{ lr: 0.001, bs: 32 }, { lr: 0.01, bs: 32 }, { lr: 0.1, bs: 32 }],
      states: ['finished', 'never-run', 'failed'], runtime_skip: false, repeats: [1, 1, 1], tracked: true,
    }]);
  });

  it('adds the runs per combination, and tracked: false for a loop that logs to no tracker (never matched)', async () => {
    fs.writeFileSync(path.join(ws, 'untracked.py'), [
      'import mlflow', 'scores = {}',
      'for lr in [1e-3, 0.01]:', '    scores[lr] = train(lr)', '',
      'for lr in [1e-3, 0.01]:', '    for seed in range(2):', '        with mlflow.start_run():', '            mlflow.log_param("lr", lr)', '',
    ].join('\n'));
    const r = await cli(['analyze', path.join(ws, 'untracked.py'), '--workspace', ws, '--json']);
    const [untracked, repeated] = JSON.parse(r.out).loops;
    assert.deepEqual([untracked.line, untracked.tracked, untracked.keys, untracked.states], [3, false, ['lr'], ['never-run', 'never-run']]);
    assert.deepEqual([repeated.tracked, repeated.repeats, repeated.states], [true, [2, 2], ['finished', 'finished']]);
    const text = await cli(['analyze', path.join(ws, 'untracked.py'), '--workspace', ws, '--all-experiments']);
    assert.match(text.out, /:3 {2}RunLens: 2 combinations, none tracked\n/);
    assert.match(text.out, /:6 {2}RunLens: all 2 combinations logged · 2 runs each/);
  });

  it('--all-experiments counts every experiment\'s runs', async () => {
    const r = await cli(['analyze', path.join(ws, 'train.py'), '--workspace', ws, '--json', '--all-experiments']);
    assert.deepEqual(JSON.parse(r.out).loops[0].states, ['finished', 'finished', 'failed']);
  });

  it('reads notebooks: cell is the index into the notebook\'s cells, line is within the cell', async () => {
    const nb = path.join(ws, 'sweep.ipynb');
    fs.writeFileSync(nb, JSON.stringify({ cells: [
      { cell_type: 'markdown', source: ['# sweep'] },
      { cell_type: 'code', source: ['import mlflow\n', 'rates = [0.001, 0.5]\n'] },
      { cell_type: 'code', source: ['\n', 'for lr in rates:\n', '    mlflow.log_param("lr", lr)\n', '    mlflow.log_param("bs", 32)\n'] },
    ], metadata: {}, nbformat: 4, nbformat_minor: 5 }));
    const r = await cli(['analyze', nb, '--workspace', ws, '--json']);
    const [loop] = JSON.parse(r.out).loops;
    assert.deepEqual([loop.cell, loop.line, loop.states], [2, 2, ['finished', 'never-run']]);
  });

  it('ranks a loop by the metric its own runs logged when the workspace mostly logs another', async () => {
    const w = tempWorkspace();
    for (let i = 0; i < 3; i++) writeRun(w, { id: `acc${i}`, params: { other: String(i) }, metrics: [['accuracy', 0.5, 0]] });
    writeRun(w, { id: 'v1', params: { lr: '0.1' }, metrics: [['val_score', 0.7, 0]] });
    fs.writeFileSync(path.join(w, 's.py'), 'import mlflow\nfor lr in [0.1, 0.2]:\n    mlflow.log_param("lr", lr)\n');
    const r = await cli(['analyze', path.join(w, 's.py'), '--workspace', w]);
    assert.match(r.out, /1 of 2 combinations logged · best val_score 0\.7000 \(lr=0\.1\)/);
  });

  it('says so for a file that cannot be read, and for a notebook that is not JSON', async () => {
    assert.equal((await cli(['analyze', path.join(ws, 'missing.py'), '--workspace', ws])).code, 2);
    fs.writeFileSync(path.join(ws, 'bad.ipynb'), '{not json');
    const r = await cli(['analyze', path.join(ws, 'bad.ipynb'), '--workspace', ws]);
    assert.equal(r.code, 2);
    assert.match(r.err, /is not a notebook/);
  });
});
