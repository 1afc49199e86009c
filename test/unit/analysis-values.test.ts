// Values carry their Python meaning as JSON, match the store's canonical form, and keep the exact
// place of their literal; broken files and notebook cells are analysed too.
import * as assert from 'node:assert/strict';
import { analyzeNotebook, analyzePython } from '../../src/core/analysis';
import { only } from './support/analysis';
import { canonicalParam, canonicalValue, pythonStr } from '../../src/core/params/canonical';


describe('analysis: values', () => {
  it('gives each literal its Python meaning as JSON', () => {
    const loop = only(`
import mlflow
for cfg in [{"lr": 1e-3, "bs": 32, "dropout": None, "amp": True, "name": 'base', "hidden": (64, 64),
             "layers": [1, 2], "wd": -5e-4, "steps": 1_000, "mask": 0x10, "tag": "a\\tb" "c"}]:
    mlflow.log_params(cfg)
`);
    assert.deepEqual(loop.combinations, [{
      lr: 0.001, bs: 32, dropout: null, amp: true, name: 'base', hidden: [64, 64], layers: [1, 2],
      wd: -0.0005, steps: 1000, mask: 16, tag: 'a\tbc',
    }]);
  });

  it('matches the canonical form of what MLflow stores: 1e-3 is 0.001, 32.0 is 32, True is true', () => {
    const loop = only(`
import mlflow
for lr, bs, amp in [(1e-3, 32.0, True)]:
    mlflow.log_params({"lr": lr, "bs": bs, "amp": amp})
`);
    const c = loop.combinations[0];
    assert.equal(canonicalValue(c.lr), canonicalParam('0.001'));
    assert.equal(canonicalValue(c.bs), canonicalParam('32'));
    assert.equal(canonicalValue(c.amp), canonicalParam('True'));
  });

  it('compares lists, tuples and dicts by the text Python\'s str() gives them, as MLflow stores them', () => {
    const loop = only(`
import mlflow
for shape in [(64, 64), (1,)]:
    for hidden in [[256, 256], [1.0, 0.5]]:
        mlflow.log_params({"shape": shape, "hidden": hidden, "opt": {"betas": (0.9, 0.999), "eps": None}})
`);
    assert.deepEqual(loop.combinations.map((c) => [pythonStr(c.shape), pythonStr(c.hidden), pythonStr(c.opt)]), [
      ['(64, 64)', '[256, 256]', "{'betas': (0.9, 0.999), 'eps': None}"],
      ['(64, 64)', '[1.0, 0.5]', "{'betas': (0.9, 0.999), 'eps': None}"],
      ['(1,)', '[256, 256]', "{'betas': (0.9, 0.999), 'eps': None}"],
      ['(1,)', '[1.0, 0.5]', "{'betas': (0.9, 0.999), 'eps': None}"],
    ]);
    assert.equal(canonicalValue(loop.combinations[0].shape), canonicalParam('(64, 64)'));
    assert.notEqual(canonicalValue(loop.combinations[0].shape), canonicalParam('[64, 64]'));
    assert.equal(loop.valueSites.find((v) => v.key === 'shape')?.site.text, '(64, 64)');
  });

  it('keeps integers past 2^53 exact', () => {
    const loop = only(`
import mlflow
for seed in [12345678901234567891]:
    mlflow.log_param("seed", seed)
`);
    assert.equal(canonicalValue(loop.combinations[0].seed), canonicalParam('12345678901234567891'));
  });

  it('builds f-strings and str() from known values the way Python prints them', () => {
    const loop = only(`
import mlflow
for depth in [18, 50]:
    mlflow.log_params({"arch": f"resnet{depth}", "scale": str(depth / 2)})
`);
    assert.deepEqual(loop.combinations, [{ arch: 'resnet18', scale: '9.0' }, { arch: 'resnet50', scale: '25.0' }]);
  });

  it('records the source text and exact range of every literal value', () => {
    const source = `import mlflow
LRS = [1e-3,
       -0.5]
for lr in LRS:
    for opt in ("adam",):
        mlflow.log_params({"lr": lr, "opt": opt, "seed": 0})
`;
    const loop = only(source);
    const sites = loop.valueSites.map(v => [v.key, v.value, v.site.text, v.site.line, v.site.col]);
    assert.deepEqual(sites, [
      ['lr', 0.001, '1e-3', 2, 7],
      ['lr', -0.5, '-0.5', 3, 7],
      ['opt', 'adam', '"adam"', 5, 16],
      ['seed', 0, '0', 6, 57],
    ]);
    for (const { site } of loop.valueSites) assert.equal(source.slice(site.from, site.to), site.text);
    assert.equal(loop.valueSites[0].site.cell, undefined);
  });

  it('reports the loop statement range and its 1-based line', () => {
    const source = 'import mlflow\n\nfor lr in [1]:\n    mlflow.log_param("lr", lr)\nprint("done")\n';
    const loop = only(source);
    assert.equal(loop.line, 3);
    assert.equal(source.slice(loop.from, loop.to).trimEnd(), 'for lr in [1]:\n    mlflow.log_param("lr", lr)');
  });

  it(`caps combinations at 100,000 and says so`, function () {
    this.timeout(20_000); // enumerates 100,000 combinations: slow on a loaded machine
    const loop = only(`
import mlflow
for a in range(1000):
    for b in range(1000):
        mlflow.log_params({"a": a, "b": b})
`);
    assert.equal(loop.combinations.length, 100_000);
    assert.deepEqual(loop.notes, ['combinations capped at 100,000']);
  });
});

describe('analysis: broken files', () => {
  it('does not throw on syntax errors and still analyses the loops that parse', () => {
    const loops = analyzePython(`
import mlflow
def broken(:
    x = [1, 2
for lr in [0.1, 0.2]:
    mlflow.log_param("lr", lr)
`);
    assert.deepEqual(loops.map(l => l.combinations), [[{ lr: 0.1 }, { lr: 0.2 }]]);
  });

  it('does not throw on truncated or garbled source', () => {
    const source = `import mlflow\nfor lr in [0.1, 0.2]:\n    with mlflow.start_run():\n        mlflow.log_params({"lr": lr, "b": f"{x!r:>3}"})\n`;
    for (let end = 0; end <= source.length; end++) analyzePython(source.slice(0, end));
    for (const junk of ['for in :', 'for x in [1,, 2]: mlflow.log_param("x", x)', 'for (a, *b) in c: mlflow.log_param(a, b)',
      '"""unterminated', 'for x in range(: pass', 'mlflow.log_param(', 'for x in {**}: mlflow.log_params(x)']) {
      analyzePython('import mlflow\n' + junk + '\n');
    }
  });
});

describe('analysis: notebook cells', () => {
  it('analyses a cell with names, imports and functions of earlier cells, lines relative to the cell', () => {
    const cells = [
      'import mlflow\nfrom itertools import product\nlrs = [0.1, 0.01]',
      '%pip install mlflow\ndef train(lr, bs):\n    mlflow.log_params({"lr": lr, "bs": bs})',
      '!nvidia-smi\nfor lr, bs in product(lrs, [8]):\n    train(lr, bs)',
    ];
    const result = analyzeNotebook(cells);
    assert.deepEqual(result.map(r => r.loops.length), [0, 0, 1]);
    const loop = result[2].loops[0];
    assert.equal(loop.line, 2);
    assert.equal(cells[2].slice(loop.from, loop.from + 3), 'for');
    assert.deepEqual(loop.combinations, [{ lr: 0.1, bs: 8 }, { lr: 0.01, bs: 8 }]);
    const lrSite = loop.valueSites.find(v => v.key === 'lr')!.site;
    assert.equal(lrSite.cell, 0);
    assert.equal(cells[0].slice(lrSite.from, lrSite.to), '0.1');
    assert.equal(loop.valueSites.find(v => v.key === 'bs')!.site.cell, 2);
  });

  it('skips cells in another language (%%bash) and keeps offsets of blanked magics', () => {
    const result = analyzeNotebook(['%%bash\nfor x in 1 2; do echo $x; done', '%time\nimport mlflow\nfor a in [1]:\n    mlflow.log_param("a", a)']);
    assert.deepEqual(result[0].loops, []);
    assert.deepEqual(result[1].loops[0].valueSites[0].site, { value: 1, text: '1', from: 30, to: 31, line: 3, col: 10, cell: 1 });
  });

  it('does not see names bound in later cells', () => {
    const result = analyzeNotebook([
      'import mlflow\nfor lr in lrs:\n    mlflow.log_param("lr", lr)',
      'lrs = [1, 2]',
    ]);
    assert.deepEqual(result[0].loops[0].unknown, ['lr']);
  });
});
