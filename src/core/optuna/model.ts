/**
 * What the Optuna readers produce: the studies and trials of a storage, the same shape for an RDB
 * storage (SQLite) and a journal file, holding what Optuna's own API reports (`study.trials`,
 * `trial.params`, `trial.values`, `trial.intermediate_values`, `trial.state`). Turning this into
 * RunLens runs is apply.ts's business.
 *
 * A reader is given the watermark its last read returned and reads only what changed since: new
 * trials, and the trials that were not finished then (a finished trial never changes in Optuna).
 */
import type { ImportProblem } from '../mlflow/model';

export type { ImportProblem };
export type StorageKind = 'optuna-db' | 'optuna-journal';
export type TrialState = 'RUNNING' | 'COMPLETE' | 'PRUNED' | 'FAIL' | 'WAITING';
export type Direction = 'minimize' | 'maximize';

/** Optuna's TrialState by number (the journal's), and whether it is finished. */
export const TRIAL_STATES: readonly TrialState[] = ['RUNNING', 'COMPLETE', 'PRUNED', 'FAIL', 'WAITING'];
export const finished = (s: TrialState): boolean => s === 'COMPLETE' || s === 'PRUNED' || s === 'FAIL';

/** The system attribute `Study.set_metric_names` (Optuna 3.2 on) keeps the names in. */
export const METRIC_NAMES_ATTR = 'study:metric_names';
/** The system attribute of a trial `Study.enqueue_trial` made: the parameters it is to run with. */
export const FIXED_PARAMS_ATTR = 'fixed_params';

export interface OptunaStudy {
  /** The storage's own id of the study. */
  id: number;
  name: string;
  directions: Direction[];
  /** Its metric names, when it has them (`set_metric_names`). */
  metricNames?: string[];
}

export interface OptunaTrial {
  /** The storage's own id of the trial, unique in it (`trial._trial_id`). */
  id: number;
  studyId: number;
  number: number;
  state: TrialState;
  /** Each parameter as Python's `str()` writes the value the objective got; a WAITING trial's are those it was enqueued with. */
  params: Record<string, string>;
  /** The objective values, in the order of the study's directions; null when it has none. */
  values: number[] | null;
  /** Reported intermediate values, by step, ascending (two arrays: a study holds millions). */
  intermediate: Intermediate;
  /** User attributes: a string as it is, anything else as the JSON Optuna stored it. */
  userAttrs: Record<string, string>;
  /** ms since the epoch (Optuna keeps local time without a zone: read as this machine's). */
  start: number | null;
  complete: number | null;
}

export interface Intermediate { steps: number[]; values: number[] }

/** Sets the value reported at `step`, keeping the steps in order. */
export function report(iv: Intermediate, step: number, value: number): void {
  let i = iv.steps.length;
  if (i && iv.steps[i - 1] >= step) {
    i = iv.steps.findIndex((s) => s >= step);
    if (iv.steps[i] === step) { iv.values[i] = value; return; }
  }
  iv.steps.splice(i, 0, step);
  iv.values.splice(i, 0, value);
}

/** What a reader needs from its last read to read only what changed. Plain JSON. */
export type OptunaWatermark = RdbWatermark | JournalWatermark;

export interface RdbWatermark {
  kind: 'optuna-db';
  /** The highest trial id read. */
  maxTrialId: number;
  /** Trials that were not finished when read: read again each time until they are. */
  open: number[];
  /** A digest of the finished trials up to maxTrialId: they never change, unless a study is deleted. */
  settled: string;
  /** Per study id, a digest of its name, directions and metric names. */
  studies: Record<string, string>;
}

export interface JournalWatermark {
  kind: 'optuna-journal';
  /** Bytes and lines of the journal read. */
  offset: number;
  lines: number;
  /** Optuna's own replay state at that point, as much of it as later lines can touch. */
  replay: JournalReplayState;
}

export interface JournalReplayState {
  nextStudyId: number;
  /** Trial ids given so far (Optuna numbers trials across the storage). */
  nextTrialId: number;
  studies: Record<string, OptunaStudy & { trials: number }>;
  /** The first distribution each parameter of each study was set with (later ones must agree). */
  distributions: Record<string, Record<string, string>>;
  /** Trials not finished: they may still change. */
  open: Record<string, OptunaTrial & { distributions: Record<string, string> }>;
}

export interface OptunaChanges {
  kind: StorageKind;
  path: string;
  /** Every study of the storage, on every read. */
  studies: OptunaStudy[];
  /** The trials read: every trial on a full read, else the new and changed ones. */
  trials: OptunaTrial[];
  /** A full read: every trial of the storage is in `trials`, so runs of it that are not are gone. */
  full: boolean;
  /** Journal: studies deleted by the lines read (their trials are gone from Optuna's view). */
  removedStudies?: number[];
  problems: ImportProblem[];
  /** RDB storages: Optuna's alembic version of the schema. */
  schemaVersion?: string;
  watermark: OptunaWatermark;
}

const LOCAL_TIME = /^(\d{4})-(\d\d)-(\d\d)[ T](\d\d):(\d\d):(\d\d)(?:\.(\d{1,6}))?/;
/** This machine's offset from UTC by local hour (`2026-12-06 16`): asking Date for each of 20,000 times costs. */
const offsets = new Map<string, number>();

/** A local date and time as Optuna writes it (`2026-12-06 16:13:30.123456`, or with a `T`), in ms. */
export function localTime(text: string | null | undefined): number | null {
  if (!text) return null;
  const m = LOCAL_TIME.exec(text);
  if (!m) return null;
  const [, y, mo, d, h, mi, s, frac = '0'] = m;
  const hour = text.slice(0, 13);
  let offset = offsets.get(hour);
  if (offset === undefined) {
    offset = new Date(Number(y), Number(mo) - 1, Number(d), Number(h)).getTime() - Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h));
    if (offsets.size > 10_000) offsets.clear();
    offsets.set(hour, offset);
  }
  return Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s), Math.floor(Number(frac.padEnd(6, '0')) / 1000)) + offset;
}
