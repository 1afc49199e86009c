import * as assert from 'node:assert/strict';
import { toSeries } from '../../src/panels/series';
import { comparisonCsv, comparisonJson, csvCell } from '../../src/panels/export';
import { addClause, clause } from '../../src/webview/lib/filterClause';
import { parseFilter } from '../../src/core/runs/filter';
import type { CompareView } from '../../src/webview/protocol';

const pt = (step: number, value: number, timestamp = step) => ({ step, value, timestamp });

describe('metric histories for charts', () => {
  it('sorts by step, keeps the latest point of a step (and its time), and turns NaN and infinities into gaps', () => {
    const s = toSeries([pt(2, 0.5), pt(0, 1), pt(1, NaN), pt(2, 0.4, 99), pt(3, Infinity)]);
    assert.deepEqual(s, { steps: [0, 1, 2, 3], times: [0, 1, 99, 3], values: [1, null, 0.4, null], logged: 5 });
  });

  it('thins long histories to the cap and keeps the spikes', () => {
    const points = Array.from({ length: 100_000 }, (_, i) => pt(i, i === 54_321 ? 50 : i === 12_345 ? -50 : Math.sin(i / 1000)));
    const s = toSeries(points, 1000);
    assert.ok(s.steps.length <= 1000, `${s.steps.length} points`);
    assert.equal(s.logged, 100_000);
    assert.equal(s.steps[0], 0);
    assert.equal(s.steps.at(-1), 99_999);
    assert.ok(s.values.includes(50) && s.values.includes(-50), 'the extremes survive');
    assert.deepEqual([...s.steps].sort((a, b) => a - b), s.steps);
    assert.deepEqual(s.times, s.steps, 'each kept point keeps its own time');
  });
});

describe('exporting a comparison', () => {
  const view: CompareView = {
    runs: [
      { uid: 'a1', label: 'lr=0.1', experiment: 'e', status: 'finished', params: { lr: '0.1', note: 'has, comma' }, metrics: { acc: 0.5 }, range: { acc: { min: 0.1, max: 0.5 } } },
      { uid: 'b2', label: 'b', experiment: 'e', status: 'failed', params: { lr: '-1', note: '=HYPERLINK("x")' }, metrics: { acc: null }, range: {} },
    ],
    params: [{ key: 'lr', differs: true }, { key: 'note', differs: true }],
    metrics: [{ key: 'acc', higherIsBetter: true }],
    keyMetric: 'acc',
    history: {},
    artifacts: [],
  };

  it('writes CSV a spreadsheet reads as data: quoted where needed, formulas defused, numbers left alone', () => {
    assert.equal(comparisonCsv(view), [
      'run_id,name,experiment,status,params.lr,params.note,metrics.acc',
      'a1,lr=0.1,e,finished,0.1,"has, comma",0.5',
      `b2,b,e,failed,-1,"'=HYPERLINK(""x"")",`,
      '',
    ].join('\r\n'));
    assert.equal(csvCell('-0.5'), '-0.5');
    assert.equal(csvCell('@SUM(A1)'), "'@SUM(A1)");
    assert.equal(csvCell('two\nlines'), '"two\nlines"');
  });

  it('writes JSON with every run, its params and latest metrics', () => {
    const json = JSON.parse(comparisonJson(view));
    assert.deepEqual(json.runs[1], { run_id: 'b2', name: 'b', experiment: 'e', status: 'failed', params: { lr: '-1', note: '=HYPERLINK("x")' }, metrics: { acc: null } });
    assert.deepEqual(json.differing_params, ['lr', 'note']);
  });
});

describe('filter clauses made by clicking a table cell', () => {
  const read = (q: string) => parseFilter(q);

  it('reads back as the same field, operator and value, whatever the characters', () => {
    const cases: [Parameters<typeof clause>[0], string | number][] = [
      [{ kind: 'param', key: 'lr' }, '0.001'], [{ kind: 'param', key: 'optimizer' }, 'adam'],
      [{ kind: 'param', key: 'model.depth' }, '3'], [{ kind: 'param', key: 'my key' }, "it's \\ \"odd\""],
      [{ kind: 'param', key: 'in' }, 'x y'], [{ kind: 'param', key: 'a`b' }, '<img src=x onerror=alert(1)>'],
      [{ kind: 'metric', key: 'val/acc' }, 0.8125], [{ kind: 'metric', key: 'loss' }, 1e-7],
    ];
    for (const [field, value] of cases) {
      const node = read(clause(field, field.kind === 'metric' ? '>=' : '=', value));
      assert.equal(node?.kind, 'compare', clause(field, '=', value));
      if (node?.kind !== 'compare') continue;
      assert.deepEqual(node.field, field, clause(field, '=', value));
      assert.equal(node.value.text, String(value));
    }
    assert.deepEqual(read(clause({ kind: 'status' }, '!=', 'failed')), read('status != failed'));
  });

  it('adds to what the user typed, keeping an or together', () => {
    assert.equal(addClause('', 'status = failed'), 'status = failed');
    assert.equal(addClause('params.a = 1 or params.b = 2', 'status = failed'), '(params.a = 1 or params.b = 2) and status = failed');
  });
});
