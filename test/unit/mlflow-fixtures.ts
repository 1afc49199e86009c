/**
 * Shared by the MLflow importer tests: where the fixtures written by the real MLflow 2.17.2 are,
 * what MLflow itself reported for them (expected.json), and scratch copies to break.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { MetricPoint, MlflowRun, MlflowSnapshot } from '../../src/core/mlflow/model';
import { repoRoot } from './support/repo';

/** `shared/fixtures` sits next to the checkout (locally and in CI) unless RUNLENS_FIXTURES says otherwise. */
export const MLFLOW_FIXTURE = path.join(
  process.env.RUNLENS_FIXTURES ?? path.resolve(repoRoot(), '..', 'shared', 'fixtures'), 'mlflow-2.17.2');
export const FIXTURE_MLRUNS = path.join(MLFLOW_FIXTURE, 'mlruns');
export const FIXTURE_DB = path.join(MLFLOW_FIXTURE, 'mlflow.db');

export interface ExpectedPoint { step: number; value: number | string; timestamp: number }
export interface ExpectedRun {
  experiment_id: string; experiment_name: string; run_id: string; run_name: string;
  fixture_id: string | null; status: string; lifecycle_stage: string;
  start_time: number | null; end_time: number | null; user_id: string; artifact_uri: string;
  params: Record<string, string>; tags: Record<string, string>;
  metrics: Record<string, { final: number | string; num_points: number; history: ExpectedPoint[] }>;
}
export interface ExpectedExperiment {
  experiment_id: string; name: string; lifecycle_stage: string; artifact_location: string;
  creation_time: number; last_update_time: number; tags: Record<string, string>;
}
export interface ExpectedStore {
  counts: {
    experiments: number; experiments_deleted: number; runs: number; runs_by_status: Record<string, number>;
    runs_deleted: number; params: number; tags: number; metric_keys: number; metric_points: number;
  };
  experiments: ExpectedExperiment[];
  runs: ExpectedRun[];
  alembic_version?: string;
}

export function expectedStores(): { file: ExpectedStore; sqlite: ExpectedStore } {
  return JSON.parse(fs.readFileSync(path.join(MLFLOW_FIXTURE, 'expected.json'), 'utf8')).stores;
}

/** expected.json spells the numbers JSON cannot hold as strings. */
export function expectedNumber(value: number | string): number {
  const special: Record<string, number> = { NaN: NaN, Infinity: Infinity, '-Infinity': -Infinity, '-0.0': -0 };
  if (typeof value === 'number') return value;
  assert.ok(value in special, `unexpected number spelling ${value}`);
  return special[value];
}

/** How the same logical run is found in either store: its fixture_id tag, or its name. */
export function fixtureKey(run: { tags: Record<string, string>; name?: string; run_name?: string }): string {
  return run.tags.fixture_id ?? `name:${run.name ?? run.run_name}`;
}

/** Asserts that a snapshot holds exactly what MLflow reported for the store, field by field. */
export function assertMatchesExpected(snapshot: MlflowSnapshot, expected: ExpectedStore): void {
  assert.equal(snapshot.experiments.length, expected.counts.experiments);
  for (const e of expected.experiments) {
    const actual = snapshot.experiments.find(x => x.name === e.name);
    assert.ok(actual, `experiment ${e.name}`);
    assert.deepEqual(
      { id: actual.id, lifecycle: actual.lifecycle, artifactLocation: actual.artifactLocation,
        creationTime: actual.creationTime, lastUpdateTime: actual.lastUpdateTime, tags: actual.tags },
      { id: e.experiment_id, lifecycle: e.lifecycle_stage, artifactLocation: e.artifact_location,
        creationTime: e.creation_time, lastUpdateTime: e.last_update_time, tags: e.tags },
      `experiment ${e.name}`);
  }
  assert.equal(snapshot.runs.length, expected.counts.runs);
  const byKey = new Map(snapshot.runs.map(r => [fixtureKey(r), r]));
  assert.equal(byKey.size, snapshot.runs.length, 'runs are told apart by fixture_id or name');
  for (const e of expected.runs) {
    const actual = byKey.get(fixtureKey(e));
    assert.ok(actual, `run ${fixtureKey(e)}`);
    assertRunMatches(actual, e);
  }
}

export function assertRunMatches(actual: MlflowRun, e: ExpectedRun): void {
  const where = `run ${fixtureKey(e)}`;
  assert.deepEqual(
    { runId: actual.runId, experimentId: actual.experimentId, name: actual.name, status: actual.status,
      lifecycle: actual.lifecycle, startTime: actual.startTime, endTime: actual.endTime,
      userId: actual.userId, artifactUri: actual.artifactUri },
    { runId: e.run_id, experimentId: e.experiment_id, name: e.run_name, status: e.status,
      lifecycle: e.lifecycle_stage, startTime: e.start_time, endTime: e.end_time,
      userId: e.user_id, artifactUri: e.artifact_uri },
    where);
  assert.deepEqual(actual.params, e.params, `${where}: params`);
  assert.deepEqual(actual.tags, e.tags, `${where}: tags`);
  assert.deepEqual(Object.keys(actual.metrics).sort(), Object.keys(e.metrics).sort(), `${where}: metric keys`);
  assert.deepEqual(Object.keys(actual.latest).sort(), Object.keys(e.metrics).sort(), `${where}: latest keys`);
  for (const [key, metric] of Object.entries(e.metrics)) {
    const history = actual.metrics[key];
    assert.equal(history.length, metric.num_points, `${where}: ${key} points`);
    metric.history.forEach((p, i) => {
      const a = history.point(i) as MetricPoint;
      assert.deepEqual({ step: a.step, timestamp: a.timestamp }, { step: p.step, timestamp: p.timestamp }, `${where}: ${key}[${i}]`);
      assertSameNumber(a.value, expectedNumber(p.value), `${where}: ${key}[${i}] value`);
    });
    assertSameNumber(actual.latest[key].value, expectedNumber(metric.final), `${where}: ${key} final`);
  }
  assert.equal(actual.parentRunId, e.tags['mlflow.parentRunId'], `${where}: parent`);
}

/** Equal as MLflow means it: NaN equals NaN, and -0 is not 0. */
export function assertSameNumber(actual: number, expected: number, message: string): void {
  assert.ok(Object.is(actual, expected), `${message}: ${actual} is not ${expected}`);
}

/**
 * A writable scratch copy of a fixture file or folder (the fixtures themselves are read-only).
 * Copied file by file: new files are writable, and this is faster than fs.cpSync.
 */
export function scratchCopy(source: string, scratch: string): string {
  const target = path.join(scratch, path.basename(source));
  copy(source, target);
  return target;
}

function copy(source: string, target: string): void {
  if (fs.statSync(source).isDirectory()) {
    fs.mkdirSync(target);
    for (const name of fs.readdirSync(source)) copy(path.join(source, name), path.join(target, name));
  } else {
    fs.writeFileSync(target, fs.readFileSync(source));
  }
}

export function removeScratch(dir: string): void {
  fs.rmSync(dir, { recursive: true, force: true });
}

/** The field-by-field comparison of a snapshot with what MLflow reported, as mocha tests. */
export function itMatchesExpected(snapshot: () => MlflowSnapshot, expected: ExpectedStore): void {
  it('reads every experiment and run as MLflow reports them', () => {
    assertMatchesExpected(snapshot(), expected);
  });
  for (const run of expected.runs) {
    it(`reads run ${fixtureKey(run)} field by field`, () => {
      const actual = snapshot().runs.find(r => fixtureKey(r) === fixtureKey(run));
      assert.ok(actual);
      assertRunMatches(actual, run);
    });
  }
}
