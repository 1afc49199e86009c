import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { readFileStore } from '../../src/core/mlflow/fileStore';
import { parseMetricFile, parsePythonFloat } from '../../src/core/mlflow/metricFile';
import { MetricHistory, type MetricPoint, type MlflowSnapshot } from '../../src/core/mlflow/model';
import {
  FIXTURE_MLRUNS, assertSameNumber, expectedStores, itMatchesExpected,
  removeScratch, scratchCopy,
} from './mlflow-fixtures';
import { tempWorkspace } from './support/workspace';

const expected = expectedStores().file;

describe('MLflow file store (mlruns/ written by MLflow 2.17.2)', () => {
  let snapshot: MlflowSnapshot;
  before(async () => { snapshot = await readFileStore(FIXTURE_MLRUNS); });

  it('reads a store MLflow wrote without a single problem', () => {
    assert.deepEqual(snapshot.problems, []);
    assert.equal(snapshot.kind, 'mlflow-file');
  });

  itMatchesExpected(() => snapshot, expected);

  it('agrees with MLflow on the counts of statuses, deletions, params, tags and points', () => {
    const byStatus: Record<string, number> = {};
    for (const r of snapshot.runs) byStatus[r.status] = (byStatus[r.status] ?? 0) + 1;
    const all = snapshot.runs;
    assert.deepEqual({
      experiments_deleted: snapshot.experiments.filter(e => e.lifecycle === 'deleted').length,
      runs_by_status: byStatus,
      runs_deleted: all.filter(r => r.lifecycle === 'deleted').length,
      params: all.reduce((n, r) => n + Object.keys(r.params).length, 0),
      tags: all.reduce((n, r) => n + Object.keys(r.tags).length, 0),
      metric_keys: all.reduce((n, r) => n + Object.keys(r.metrics).length, 0),
      metric_points: all.reduce((n, r) => n + Object.values(r.metrics).reduce((m, h) => m + h.length, 0), 0),
    }, {
      experiments_deleted: expected.counts.experiments_deleted,
      runs_by_status: expected.counts.runs_by_status,
      runs_deleted: expected.counts.runs_deleted,
      params: expected.counts.params,
      tags: expected.counts.tags,
      metric_keys: expected.counts.metric_keys,
      metric_points: expected.counts.metric_points,
    });
  });

  it('reads the deleted experiment from .trash, with its run', () => {
    const abandoned = snapshot.experiments.find(e => e.name === 'abandoned');
    assert.equal(abandoned?.lifecycle, 'deleted');
    assert.equal(snapshot.runs.filter(r => r.experimentId === abandoned?.id).length, 1);
  });

  it('keeps inf, -inf, nan and -0.0 as the file spells them', () => {
    const odd = snapshot.runs.find(r => r.tags.fixture_id === 'edge-cases/unicode');
    assert.ok(odd);
    assertSameNumber(odd.latest.pos_inf.value, Infinity, 'pos_inf');
    assertSameNumber(odd.latest.neg_inf.value, -Infinity, 'neg_inf');
    assertSameNumber(odd.latest.nan_metric.value, NaN, 'nan_metric');
    assertSameNumber(odd.latest.negative_zero.value, -0, 'negative_zero');
    assert.deepEqual(odd.metrics.unordered_steps.toArray().map(p => p.step), [5, 1, 3], 'file order is history order');
  });

  it('reads a key holding "/" from sub-folders', () => {
    const odd = snapshot.runs.find(r => r.tags.fixture_id === 'edge-cases/unicode');
    assert.ok(odd && 'nested/param.key' in odd.params && 'nested/metric.key' in odd.metrics);
  });

  it('links nested runs to their parents', () => {
    const byName = new Map(snapshot.runs.map(r => [r.name, r]));
    assert.equal(byName.get('child-b')?.parentRunId, byName.get('parent')?.runId);
    assert.equal(byName.get('grandchild-b1')?.parentRunId, byName.get('child-b')?.runId);
    assert.equal(byName.get('parent')?.parentRunId, undefined);
  });

  it('dates each run by its latest sign of life', () => {
    for (const run of snapshot.runs) {
      const points = Object.values(run.metrics).flatMap(h => h.toArray());
      assert.ok(run.lastUpdate >= (run.endTime ?? run.startTime ?? 0), run.name);
      assert.ok(points.every(p => run.lastUpdate >= p.timestamp), run.name);
    }
  });
});

describe('MLflow final value', () => {
  const finalValue = (points: MetricPoint[]) => MetricHistory.of(points).latest()?.value;
  const point = (step: number, value: number, timestamp: number): MetricPoint => ({ step, value, timestamp });

  it('is the highest step, even when logged first', () => {
    assert.equal(finalValue([point(5, 0.5, 1), point(1, 0.1, 2), point(3, 0.3, 3)]), 0.5);
  });

  it('is the later point of a step logged twice', () => {
    assert.equal(finalValue([point(10, 1, 2), point(10, 2, 1)]), 1);
  });

  it('is the larger value of a step logged twice in the same millisecond (as the file store picks it)', () => {
    assert.equal(finalValue([point(10, 2, 1), point(10, 1, 1)]), 2);
  });

  it('keeps the earlier point when a NaN ties with a number, as Python\'s max does', () => {
    assert.equal(finalValue([point(1, 3, 1), point(1, NaN, 1)]), 3);
    assert.ok(Number.isNaN(finalValue([point(1, NaN, 1), point(1, 3, 1)])));
  });

  it('does not exist for a metric without points', () => {
    assert.equal(MetricHistory.of([]).latest(), undefined);
  });
});

describe('Python float spellings in metric files', () => {
  it('reads what Python\'s str() writes', () => {
    for (const [text, value] of [['inf', Infinity], ['-inf', -Infinity], ['-0.0', -0], ['1e+308', 1e308],
      ['5e-324', 5e-324], ['0.30000000000000004', 0.30000000000000004], ['7.0', 7], ['Infinity', Infinity]] as const) {
      assertSameNumber(parsePythonFloat(text) as number, value, text);
    }
    assert.ok(Number.isNaN(parsePythonFloat('nan')));
  });

  it('refuses what Python\'s float() refuses', () => {
    for (const text of ['', 'abc', '0x10', '1.2.3', '--1', 'infinite', '1e', 'constructor']) assert.equal(parsePythonFloat(text), undefined, text);
  });
});

describe('Metric file lines', () => {
  const parse = (text: string) => {
    const problems: { path: string; message: string }[] = [];
    return { points: parseMetricFile(Buffer.from(text), 'm', problems).toArray(), lines: problems.map(p => p.path) };
  };

  it('reads the spellings Python accepts however they are written, as MLflow would', () => {
    const { points, lines } = parse('1 2.5 3\r\n  4 inf -5\n6 1_000.5\n7 -0.0 8\n\n12345678901234567 1 1\n');
    assert.deepEqual(lines, []);
    assert.deepEqual(points.map(p => [p.timestamp, p.value, p.step]),
      [[1, 2.5, 3], [4, Infinity, -5], [6, 1000.5, 0], [7, -0, 8], [Number('12345678901234567'), 1, 1]]);
    assert.ok(Object.is(points[3].value, -0));
  });

  it('reports each line it cannot read by its number, and reads the others', () => {
    const { points, lines } = parse('1 2 3\n1 2 3 4\nabc\n1.5 2 3\n1 2 x\n1  2\n5 6 7');
    assert.deepEqual(lines, ['m:2', 'm:3', 'm:4', 'm:5', 'm:6']);
    assert.deepEqual(points.map(p => p.timestamp), [1, 5]);
  });
});

describe('MLflow file store follow-up reads', () => {
  let scratch: string;
  let mlruns: string;
  let first: MlflowSnapshot;
  const runDir = (snapshot: MlflowSnapshot, fixtureId: string) => {
    const run = snapshot.runs.find(r => r.tags.fixture_id === fixtureId);
    assert.ok(run);
    return { run, dir: path.join(mlruns, run.experimentId, run.runId) };
  };

  beforeEach(async () => {
    scratch = tempWorkspace();
    mlruns = scratchCopy(FIXTURE_MLRUNS, scratch);
    first = await readFileStore(mlruns);
  });
  afterEach(() => removeScratch(scratch));

  it('reads nothing again when nothing changed', async () => {
    const again = await readFileStore(mlruns, { previous: first.fingerprint });
    assert.deepEqual(again.runs, []);
    assert.equal(again.unchangedRunIds.length, 24);
    assert.deepEqual(again.removedRunIds, []);
    assert.equal(again.experiments.length, 4, 'experiments are always read');
  });

  it('reads again only the run that got a new metric point', async () => {
    const { run, dir } = runDir(first, 'tune-mlp/09');
    fs.appendFileSync(path.join(dir, 'metrics', 'loss'), '1795744999999 0.25 50\n');
    const again = await readFileStore(mlruns, { previous: first.fingerprint });
    assert.deepEqual(again.runs.map(r => r.runId), [run.runId]);
    assert.deepEqual(again.runs[0].latest.loss, { step: 50, value: 0.25, timestamp: 1795744999999 });
    assert.equal(again.unchangedRunIds.length, 23);
  });

  it('a full read notices a tag edited in place, a new run and a removed one', async () => {
    const edited = runDir(first, 'Default/01');
    fs.writeFileSync(path.join(edited.dir, 'tags', 'fixture_id'), 'Default/01-edited');
    const removed = runDir(first, 'Default/02');
    const added = path.join(mlruns, '0', 'f'.repeat(32));
    fs.cpSync(removed.dir, added, { recursive: true });
    const meta = path.join(added, 'meta.yaml');
    fs.writeFileSync(meta, fs.readFileSync(meta, 'utf8').replaceAll(removed.run.runId, 'f'.repeat(32)));
    fs.rmSync(removed.dir, { recursive: true });
    const again = await readFileStore(mlruns, { previous: first.fingerprint, fullEveryMs: 0 });
    assert.deepEqual(again.runs.map(r => r.runId).sort(), [edited.run.runId, 'f'.repeat(32)].sort());
    assert.deepEqual(again.removedRunIds, [removed.run.runId]);
    assert.equal(again.runs.find(r => r.runId === edited.run.runId)?.tags.fixture_id, 'Default/01-edited');
    assert.deepEqual(again.problems, []);
  });

  it('between full reads, reads only the new runs and the running ones: an ended run\'s late edit waits for the next full read', async () => {
    const ended = runDir(first, 'Default/01');
    fs.writeFileSync(path.join(ended.dir, 'tags', 'fixture_id'), 'Default/01-edited');
    const running = first.runs.find(r => r.status === 'RUNNING' && r.lifecycle === 'active')!;
    fs.appendFileSync(path.join(mlruns, running.experimentId, running.runId, 'metrics', 'loss'), '1795744999999 0.25 50\n');
    const added = path.join(mlruns, ended.run.experimentId, 'e'.repeat(32));
    fs.cpSync(ended.dir, added, { recursive: true });
    const meta = path.join(added, 'meta.yaml');
    fs.writeFileSync(meta, fs.readFileSync(meta, 'utf8').replaceAll(ended.run.runId, 'e'.repeat(32)));
    // A run created in an experiment folder changes the folder's time; make sure the clock saw it.
    fs.utimesSync(path.dirname(added), new Date(), new Date(Date.now() + 5000));
    const quick = await readFileStore(mlruns, { previous: first.fingerprint });
    assert.deepEqual(quick.runs.map(r => r.runId).sort(), [running.runId, 'e'.repeat(32)].sort());
    assert.equal(quick.unchangedRunIds.length, 23);
    const full = await readFileStore(mlruns, { previous: quick.fingerprint, fullEveryMs: 0 });
    assert.deepEqual(full.runs.map(r => r.runId), [ended.run.runId]);
  });
});
