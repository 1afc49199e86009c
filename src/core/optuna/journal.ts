/**
 * Reader of an Optuna journal (`JournalFileStorage`): one JSON line per operation, replayed the way
 * Optuna's own `JournalStorageReplayResult` replays them, including what it ignores (a study created
 * twice under one name, an operation on a study that is gone or on a trial already finished, a
 * parameter whose distribution disagrees with the study's earlier trials).
 *
 * A follow-up starts at the byte offset its watermark recorded, with the part of Optuna's replay
 * state later lines can touch: the studies, how many trials each has, and the trials not finished.
 * So it costs the lines added since. A half-written last line waits for the next read.
 */
import * as fs from 'node:fs';
import { readLines } from '../runlog/lines';
import { put } from '../mlflow/model';
import { parseDistribution, paramText, type Distribution } from './distributions';
import { entry, parseJsonLine, parsePyJson, pyDumps, pyStr, rawMember, type PyJson } from './pyJson';
import {
  FIXED_PARAMS_ATTR, METRIC_NAMES_ATTR, TRIAL_STATES, finished, localTime, report,
  type Direction, type ImportProblem, type JournalReplayState, type JournalWatermark, type OptunaChanges, type OptunaTrial,
} from './model';

const enum Op { CreateStudy, DeleteStudy, SetStudyUserAttr, SetStudySystemAttr, CreateTrial, SetTrialParam, SetTrialStateValues, SetTrialIntermediateValue, SetTrialUserAttr, SetTrialSystemAttr }

type LiveTrial = JournalReplayState['open'][string];
type Log = Record<string, unknown>;

/** Reads an Optuna journal file: all of it, or the lines added since `since`. Throws only when the file is missing. */
export async function readOptunaJournal(file: string, since?: JournalWatermark): Promise<OptunaChanges> {
  const size = fs.statSync(file).size; // a missing file throws: the one error the caller gets
  const resume = since?.kind === 'optuna-journal' && since.offset <= size && endsLine(file, since.offset) ? since : undefined;
  const replay = new Replay(file, resume ? structuredClone(resume.replay) : undefined);
  const read = readLines(file, resume?.offset ?? 0, resume?.lines ?? 0, (l) => {
    if (!l.ok) { replay.problem(l.line, l.reason); return; }
    if (l.text.trim()) replay.line(l.text, l.line);
  }, { followLinks: true });
  if (since && !resume) replay.problem(0, 'the journal is not the one read before (shorter, or another file): read again from the start');
  return {
    kind: 'optuna-journal', path: file, full: !resume, problems: replay.problems,
    studies: Object.values(replay.state.studies).map(({ id, name, directions, metricNames }) => ({ id, name, directions, ...(metricNames ? { metricNames } : {}) })),
    trials: replay.changedTrials(),
    removedStudies: replay.removedStudies,
    watermark: { kind: 'optuna-journal', offset: read.offset, lines: read.line, replay: replay.watermark() },
  };
}

class Replay {
  readonly state: JournalReplayState;
  readonly problems: ImportProblem[] = [];
  readonly removedStudies: number[] = [];
  /** The trials these lines created or changed, by id. */
  private readonly touched = new Map<number, LiveTrial>();

  constructor(private readonly file: string, state?: JournalReplayState) {
    this.state = state ?? { nextStudyId: 0, nextTrialId: 0, studies: {}, distributions: {}, open: {} };
    for (const t of Object.values(this.state.open)) {
      t.intermediate.values = t.intermediate.values.map(Number);
      if (t.values) t.values = t.values.map(Number);
    }
  }

  problem(line: number, message: string): void {
    if (this.problems.length < 100) this.problems.push({ path: line ? `${this.file}:${line}` : this.file, message });
  }

  line(text: string, n: number): void {
    let log: Log;
    try {
      log = parseJsonLine(text) as Log;
    } catch (e) {
      this.problem(n, `not JSON (${(e as Error).message}); skipped`);
      return;
    }
    try {
      this.apply(log, text);
    } catch (e) {
      this.problem(n, `${(e as Error).message}; skipped`);
    }
  }

  private apply(log: Log, text: string): void {
    switch (log.op_code) {
      case Op.CreateStudy: return this.createStudy(log);
      case Op.DeleteStudy: {
        const id = Number(log.study_id);
        if (!this.state.studies[id]) return;
        delete this.state.studies[id];
        this.removedStudies.push(id);
        return;
      }
      case Op.SetStudyUserAttr: return;
      case Op.SetStudySystemAttr: {
        const study = this.state.studies[Number(log.study_id)];
        const names = (log.system_attr as Log | undefined)?.[METRIC_NAMES_ATTR];
        if (study && Array.isArray(names) && names.every((n) => typeof n === 'string')) study.metricNames = names;
        return;
      }
      case Op.CreateTrial: return this.createTrial(log, text);
      default: return this.changeTrial(log, text);
    }
  }

  private createStudy(log: Log): void {
    const name = String(log.study_name);
    if (Object.values(this.state.studies).some((s) => s.name === name)) return; // Optuna ignores a second one
    const directions = (Array.isArray(log.directions) ? log.directions : []).map((d): Direction => (Number(d) === 2 ? 'maximize' : 'minimize'));
    const id = this.state.nextStudyId++;
    this.state.studies[id] = { id, name, directions, trials: 0 };
    this.state.distributions[id] = {};
  }

  private createTrial(log: Log, text: string): void {
    const studyId = Number(log.study_id);
    const study = this.state.studies[studyId];
    if (!study) return;
    const id = this.state.nextTrialId++;
    const state = TRIAL_STATES[Number(log.state ?? 0)] ?? 'RUNNING';
    const trial: LiveTrial = {
      id, studyId, number: study.trials++, state, params: {}, distributions: {},
      values: numbers(log.values) ?? (typeof log.value === 'number' ? [log.value] : null),
      intermediate: { steps: [], values: [] }, userAttrs: {},
      start: localTime(log.datetime_start as string | null), complete: localTime(log.datetime_complete as string | undefined),
    };
    // A template trial (add_trial, enqueue_trial): exact texts of its attributes need Python's JSON,
    // of those members only (the line also holds every intermediate value).
    const member = (key: string) => { const raw = rawMember(text, key); return raw === undefined ? undefined : parsePyJson(raw); };
    const distributions = (log.distributions ?? {}) as Record<string, string>;
    for (const [key, internal] of Object.entries((log.params ?? {}) as Record<string, number>)) {
      const decoded = paramText(internal, this.distribution(distributions[key]));
      if (decoded instanceof Error) throw new Error(`trial ${trial.number} of study ${study.name}: param ${key}: ${decoded.message}`);
      put(trial.params, key, decoded);
      put(trial.distributions, key, distributions[key]);
    }
    for (const [step, value] of Object.entries((log.intermediate_values ?? {}) as Record<string, number>)) report(trial.intermediate, Number(step), value);
    const attrs = hasEntries(log.user_attrs) ? member('user_attrs') : undefined;
    if (attrs?.t === 'dict') for (const [k, v] of attrs.entries) put(trial.userAttrs, k, attributeOf(v));
    const fixed = state === 'WAITING' && hasEntries(log.system_attrs) ? entry(member('system_attrs'), FIXED_PARAMS_ATTR) : undefined;
    if (state === 'WAITING' && fixed?.t === 'dict') for (const [k, v] of fixed.entries) put(trial.params, k, pyStr(v));
    this.touched.set(id, trial);
    if (!finished(state)) this.state.open[id] = trial;
  }

  private distribution(json: string | undefined): Distribution {
    if (typeof json !== 'string') throw new Error('a parameter without its distribution');
    return parseDistribution(json);
  }

  /** An operation on a trial: applied only to one not finished, of a study that is there, as Optuna does. */
  private changeTrial(log: Log, text: string): void {
    const id = Number(log.trial_id);
    const trial = this.state.open[id];
    if (!trial || !this.state.studies[trial.studyId]) return;
    switch (log.op_code) {
      case Op.SetTrialParam: {
        const key = String(log.param_name);
        const json = String(log.distribution);
        const first = this.state.distributions[trial.studyId][key];
        if (first !== undefined && !compatible(this.distribution(first), this.distribution(json))) return;
        const decoded = paramText(Number(log.param_value_internal), this.distribution(json));
        if (decoded instanceof Error) throw new Error(`trial ${trial.number}: param ${key}: ${decoded.message}`);
        if (first === undefined) this.state.distributions[trial.studyId][key] = json;
        put(trial.params, key, decoded);
        put(trial.distributions, key, json);
        break;
      }
      case Op.SetTrialStateValues: {
        const state = TRIAL_STATES[Number(log.state)];
        if (!state || (state === 'RUNNING' && trial.state === 'RUNNING')) return;
        if (state === 'RUNNING') trial.start = localTime(log.datetime_start as string);
        // Out of the queue: its parameters are those the objective asks for, none yet.
        if (state !== 'WAITING' && !Object.keys(trial.distributions).length) trial.params = {};
        if (finished(state)) trial.complete = localTime(log.datetime_complete as string);
        trial.state = state;
        if (log.values !== null && log.values !== undefined) trial.values = numbers(log.values) ?? trial.values;
        break;
      }
      case Op.SetTrialIntermediateValue: {
        report(trial.intermediate, Number(log.step), Number(log.intermediate_value));
        break;
      }
      case Op.SetTrialUserAttr: {
        const raw = rawMember(text, 'user_attr');
        const attrs = raw === undefined ? undefined : parsePyJson(raw);
        if (attrs?.t === 'dict') for (const [k, v] of attrs.entries) put(trial.userAttrs, k, attributeOf(v));
        break;
      }
      case Op.SetTrialSystemAttr: {
        const fixed = (log.system_attr as Log | undefined)?.[FIXED_PARAMS_ATTR];
        if (trial.state !== 'WAITING' || !fixed || typeof fixed !== 'object') return;
        const raw = rawMember(text, 'system_attr');
        const exact = raw === undefined ? undefined : entry(parsePyJson(raw), FIXED_PARAMS_ATTR);
        if (exact?.t === 'dict' && !Object.keys(trial.distributions).length) for (const [k, v] of exact.entries) put(trial.params, k, pyStr(v));
        break;
      }
      default:
        throw new Error(`operation ${JSON.stringify(log.op_code)} is not one Optuna writes`);
    }
    this.touched.set(id, trial);
    if (finished(trial.state)) delete this.state.open[id];
  }

  /** The trials created or changed, of the studies still there, without the replay's own bookkeeping. */
  changedTrials(): OptunaTrial[] {
    const out: OptunaTrial[] = [];
    for (const t of this.touched.values()) {
      if (!this.state.studies[t.studyId]) continue;
      const { distributions: _, ...trial } = t;
      out.push({ ...trial, params: { ...trial.params }, intermediate: { steps: [...trial.intermediate.steps], values: [...trial.intermediate.values] }, userAttrs: { ...trial.userAttrs } });
    }
    return out.sort((a, b) => a.id - b.id);
  }

  /** The replay state, as plain JSON: NaN and the infinities an open trial reported kept as words. */
  watermark(): JournalReplayState {
    const open: JournalReplayState['open'] = {};
    for (const [id, t] of Object.entries(this.state.open)) {
      // Trials of a deleted study can no longer change anything Optuna shows.
      if (!this.state.studies[t.studyId]) continue;
      open[id] = { ...t, intermediate: { steps: t.intermediate.steps, values: words(t.intermediate.values) }, values: t.values && words(t.values) };
    }
    return { ...this.state, open };
  }
}

/** Whether a line ends just before `offset` (else the journal is another file than the one read). */
function endsLine(file: string, offset: number): boolean {
  if (offset === 0) return true;
  const fd = fs.openSync(file, 'r');
  try {
    const b = Buffer.alloc(1);
    return fs.readSync(fd, b, 0, 1, offset - 1) === 1 && b[0] === 0x0a;
  } finally {
    fs.closeSync(fd);
  }
}

/** Optuna's check_distribution_compatibility: the same kind, the same log scale, the same choices. */
function compatible(a: Distribution, b: Distribution): boolean {
  if (a.kind !== b.kind) return false;
  if (a.kind === 'categorical' && b.kind === 'categorical') return a.choices.length === b.choices.length && a.choices.every((c, i) => c === b.choices[i]);
  return a.kind === 'categorical' || b.kind === 'categorical' || a.log === b.log;
}

/** Numbers JSON cannot hold, as the words Number() reads back (`NaN`, `Infinity`); typed as numbers, which Replay's constructor makes them again. */
function words(xs: number[]): number[] {
  return xs.map((x) => (Number.isFinite(x) ? x : String(x))) as unknown as number[];
}

function hasEntries(v: unknown): boolean {
  return typeof v === 'object' && v !== null && Object.keys(v).length > 0;
}

function numbers(v: unknown): number[] | undefined {
  return Array.isArray(v) ? v.map(Number) : undefined;
}

/** A user attribute as a tag: a string as it is, anything else as the JSON Optuna wrote. */
function attributeOf(v: PyJson): string {
  return v.t === 'str' ? v.v : pyDumps(v);
}

