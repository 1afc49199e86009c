/**
 * Optuna studies made by real Optuna (Debian's python3-optuna, through /usr/bin/python3) in a temp
 * folder, once per test file, and what Optuna's own API reports of them (optuna_studies.py).
 */
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { repoRoot } from './repo';
import { tempWorkspace } from './workspace';
import type { OptunaTrial, TrialState } from '../../../src/core/optuna/model';

export const DEBIAN_PYTHON = '/usr/bin/python3';
const SCRIPT = path.join(repoRoot(), 'test', 'unit', 'support', 'optuna_studies.py');

/** What Optuna reports of a trial (optuna_studies.py's dump): numbers as JSON, NaN and infinities as words. */
export interface OptunaTrialView {
  number: number;
  state: TrialState;
  params: Record<string, string>;
  fixed_params: Record<string, string>;
  values: (number | string)[] | null;
  intermediate_values: Record<string, number | string>;
  user_attrs: Record<string, string>;
  datetime_start: number | null;
  datetime_complete: number | null;
}
export interface OptunaStudyView {
  directions: string[];
  metric_names: string[] | null;
  /** `study.best_trial.number` (one objective, some trial complete). */
  best_trial: number | null;
  trials: OptunaTrialView[];
}
export type OptunaDump = Record<'db' | 'journal', Record<string, OptunaStudyView>>;

export function optunaStudies(command: 'build' | 'more' | 'drop' | 'dump', dir: string): string {
  const r = spawnSync(DEBIAN_PYTHON, [SCRIPT, command, dir], { encoding: 'utf8', env: { ...process.env, PYTHONPATH: '' } });
  if (r.status !== 0) throw new Error(`optuna_studies.py ${command} failed (${r.status}): ${r.stderr}`);
  return r.stdout;
}

/** Where Optuna writes fastest: a RAM disk if there is one (each of its writes is a transaction, synced). */
function fastTemp(): string {
  try {
    fs.accessSync('/dev/shm', fs.constants.W_OK);
    return tempWorkspace('/dev/shm');
  } catch {
    return tempWorkspace();
  }
}

/** A folder holding studies.db and journal.log, the same studies in each, as Optuna made them. */
export function builtStudies(): { dir: string; db: string; journal: string; dump(): OptunaDump } {
  const dir = fastTemp();
  optunaStudies('build', dir);
  return {
    dir, db: path.join(dir, 'studies.db'), journal: path.join(dir, 'journal.log'),
    dump: () => JSON.parse(optunaStudies('dump', dir)) as OptunaDump,
  };
}

export function copyOf(file: string, to: string): string {
  fs.mkdirSync(path.dirname(to), { recursive: true });
  fs.copyFileSync(file, to);
  return to;
}

/** A number as optuna_studies.py (`nan`, `inf`) or `runlens runs --json` (`NaN`, `Infinity`) writes one that JSON cannot. */
export const pyNumber = (v: number | string | null): number | null =>
  v === 'nan' || v === 'NaN' ? NaN : v === 'inf' || v === 'Infinity' ? Infinity : v === '-inf' || v === '-Infinity' ? -Infinity : (v as number | null);

/** A trial as read by RunLens against what Optuna's API says of it, field by field. */
export function assertSameTrial(got: OptunaTrial, want: OptunaTrialView, where: string): void {
  const at = `${where}, trial ${want.number}`;
  assert.equal(got.number, want.number, at);
  assert.equal(got.state, want.state, `${at}: state`);
  // An enqueued trial not yet run has no params in Optuna; RunLens gives it those it will run with.
  assert.deepEqual(got.params, want.state === 'WAITING' ? want.fixed_params : want.params, `${at}: params`);
  assert.deepEqual(got.values, want.values === null ? null : want.values.map(pyNumber), `${at}: values`);
  assert.deepEqual(Object.fromEntries(got.intermediate.steps.map((step, i) => [String(step), got.intermediate.values[i]])),
    Object.fromEntries(Object.entries(want.intermediate_values).map(([k, v]) => [k, pyNumber(v)])), `${at}: intermediate values`);
  assert.deepEqual(got.userAttrs, want.user_attrs, `${at}: user attributes`);
  for (const f of ['start', 'complete'] as const) {
    const w = want[f === 'start' ? 'datetime_start' : 'datetime_complete'];
    if (w === null) assert.equal(got[f], null, `${at}: ${f}`);
    else assert.ok(got[f] !== null && Math.abs(got[f]! - w) < 1, `${at}: ${f} ${got[f]} is not ${w}`);
  }
}
