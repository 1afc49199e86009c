import * as assert from 'node:assert/strict';
import { expandGrid } from '../../src/core/launch/grid';
import { parseOverrides } from '../../src/core/launch/overrides';
import { parseSweepFile } from '../../src/core/launch/sweepFile';

describe('sweep grids: typed Hydra overrides', () => {
  it('crosses comma lists like nested loops, the last key fastest', () => {
    const axes = parseOverrides('lr=0.001,0.01 batch_size=32,64');
    assert.deepEqual(expandGrid(axes), [
      { lr: 0.001, batch_size: 32 }, { lr: 0.001, batch_size: 64 },
      { lr: 0.01, batch_size: 32 }, { lr: 0.01, batch_size: 64 },
    ]);
  });

  it('reads values as Hydra does: numbers, booleans, null, quoted strings, lists', () => {
    const [a, b, c, d, e] = parseOverrides(`opt=adam,'sgd,momentum' flag=true,False x=null,1e-3 tags=[a,b],[c] big=12345678901234567890`);
    assert.deepEqual(a.values, ['adam', 'sgd,momentum']);
    assert.deepEqual(b.values, [true, false]);
    assert.deepEqual(c.values, [null, 0.001]);
    assert.deepEqual(d.values, [['a', 'b'], ['c']]);
    assert.deepEqual(e.values, ['12345678901234567890'], 'an integer past 2^53 keeps its digits');
  });

  it('supports range() (floats without drift) and choice(), and the + prefixes', () => {
    const [r, c] = parseOverrides('+seed=range(0,1,0.1) ++opt=choice(adam, sgd)');
    assert.equal(r.key, 'seed');
    assert.deepEqual(r.values, [0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9]);
    assert.deepEqual(c.values, ['adam', 'sgd']);
    assert.deepEqual(parseOverrides('n=range(3)')[0].values, [0, 1, 2]);
  });

  it('counts a value once by meaning (1e-3 is 0.001)', () => {
    assert.deepEqual(expandGrid(parseOverrides('lr=0.001,1e-3,0.01')), [{ lr: 0.001 }, { lr: 0.01 }]);
  });

  it('says what is wrong with a mistyped sweep', () => {
    assert.throws(() => parseOverrides('lr'), /'lr' is not key=value/);
    assert.throws(() => parseOverrides('lr=0.1,,0.2'), /empty value/);
    assert.throws(() => parseOverrides("opt='adam"), /quote is not closed/);
    assert.throws(() => parseOverrides('lr=1 lr=2').length && expandGrid(parseOverrides('lr=1 lr=2')), /given twice/);
    assert.throws(() => parseOverrides('~lr'), /deleting a key/);
    assert.throws(() => parseOverrides('   '), /at least one parameter/);
    assert.throws(() => parseOverrides('x=range(0,5,0)'), /step 0/);
  });
});

describe('sweep grids: sweep files', () => {
  it('reads a W&B grid sweep: program, values, value, the Hydra macro and the metric', () => {
    const spec = parseSweepFile(`
program: train.py
method: grid
metric: {name: val_loss, goal: minimize}
command:
  - \${env}
  - \${interpreter}
  - \${program}
  - \${args_no_hyphens}
parameters:
  lr: {values: [0.001, 0.01, 0.1]}
  bs: {values: [32, 64]}
  seed: {value: 0}
`);
    assert.equal(spec.script, 'train.py');
    assert.equal(spec.argumentStyle, 'hydra');
    assert.deepEqual(spec.metric, { name: 'val_loss', goal: 'minimize' });
    assert.deepEqual(spec.keys, ['lr', 'bs', 'seed']);
    assert.equal(spec.combinations.length, 6);
    assert.deepEqual(spec.combinations[1], { lr: 0.001, bs: 64, seed: 0 });
  });

  it('reads a RunLens sweep in YAML or JSON, with list shorthand and an experiment', () => {
    const yaml = parseSweepFile('script: src/train.py\nexperiment: lr-sweep\nargumentStyle: argparse\nparameters:\n  lr: [1e-3, 1e-2]\n  opt: adam\n');
    assert.deepEqual([yaml.script, yaml.experiment, yaml.argumentStyle], ['src/train.py', 'lr-sweep', 'argparse']);
    assert.deepEqual(yaml.combinations, [{ lr: 0.001, opt: 'adam' }, { lr: 0.01, opt: 'adam' }]);
    const json = parseSweepFile(JSON.stringify({ parameters: { lr: { values: [0.1] } } }));
    assert.deepEqual(json.combinations, [{ lr: 0.1 }]);
  });

  it('refuses what is not a grid, with the reason', () => {
    assert.throws(() => parseSweepFile('method: random\nparameters:\n  lr: {values: [1]}'), /method 'random' samples/);
    assert.throws(() => parseSweepFile('method: grid\nparameters:\n  lr: {min: 0.001, max: 0.1}'), /'lr' is a distribution/);
    assert.throws(() => parseSweepFile('parameters:\n  lr: {values: []}'), /'lr' has no values/);
    assert.throws(() => parseSweepFile('lr: [1, 2]'), /needs `parameters:`/);
    assert.throws(() => parseSweepFile('parameters: [\n'), /not valid YAML or JSON/);
  });
});
