/**
 * Reader of an Optuna RDB storage in SQLite (`sqlite:///study.db`), with sql.js, strictly
 * read-only (src/core/sources/sqliteFile.ts): Optuna may be writing it meanwhile.
 *
 * Given the watermark of its last read it reads the trials added since and those that were not
 * finished then, by their ids (every trial table has an index on trial_id), so a follow-up costs
 * what changed, besides reading the file. It starts over when the storage says that would be wrong:
 * a study gone or renamed, or the finished trials not what they were (a study deleted and its ids
 * given again).
 */
import type { SqlValue } from 'sql.js';
import { TableReader, num, text, type Computed, type Row } from '../mlflow/sqliteTables';
import { openSqliteCopy } from '../sources/sqliteFile';
import { parseDistribution, paramText } from './distributions';
import { parsePyJson, pyStr, type PyJson } from './pyJson';
import { digest, put } from '../mlflow/model';
import {
  FIXED_PARAMS_ATTR, METRIC_NAMES_ATTR, TRIAL_STATES, finished, localTime, report,
  type Direction, type ImportProblem, type OptunaChanges, type OptunaStudy, type OptunaTrial, type RdbWatermark, type TrialState,
} from './model';

/** Alembic revisions of Optuna's schema this reader was checked against, with real Optuna. */
export const KNOWN_RDB_VERSIONS: Record<string, string> = { 'v3.0.0.d': 'Optuna 3.0 and 3.1' };

/**
 * Reads an Optuna SQLite storage: all of it, or what changed since `since`, or (`trialId`) that one
 * trial and the studies. Throws only when the file is missing.
 */
export async function readOptunaDb(dbPath: string, since?: RdbWatermark, { trialId }: { trialId?: number } = {}): Promise<OptunaChanges> {
  const problems: ImportProblem[] = [];
  const changes: OptunaChanges = {
    kind: 'optuna-db', path: dbPath, studies: [], trials: [], full: true, problems,
    watermark: { kind: 'optuna-db', maxTrialId: 0, open: [], settled: '', studies: {} },
  };
  const opened = await openSqliteCopy(dbPath, problems);
  if (!opened) return changes;
  const { db, tables } = opened;
  try {
    if (!tables.columns('studies', true) || !tables.columns('trials', true)) {
      problems.push({ path: dbPath, message: 'no Optuna tables (studies, trials): not an Optuna storage' });
      return changes;
    }
    changes.schemaVersion = schemaVersion(tables);
    // A schema RunLens does not know is said each time, but does not make each read a full one.
    const known = problems.length;
    changes.studies = readStudies(tables);
    const mark = changes.watermark as RdbWatermark;
    for (const s of changes.studies) mark.studies[s.id] = studyDigest(s);
    const reader = new TrialReader(tables, changes.studies);
    if (trialId !== undefined) {
      changes.full = false;
      changes.trials = reader.read(`WHERE trial_id = ${Number(trialId)}`);
      return changes;
    }
    const previous = since?.kind === 'optuna-db' && stillHolds(tables, since, mark) ? since : undefined;
    changes.full = !previous;
    // The same predicate on every table: the trials after the last one read, and the open ones.
    const open = previous?.open.map(Number) ?? [];
    changes.trials = reader.read(previous ? `WHERE trial_id > ${Number(previous.maxTrialId)}${open.length ? ` OR trial_id IN (${open.join(',')})` : ''}` : '');
    mark.maxTrialId = changes.trials.reduce((max, t) => Math.max(max, t.id), previous?.maxTrialId ?? 0);
    mark.open = changes.trials.filter((t) => !finished(t.state)).map((t) => t.id);
    mark.settled = settledDigest(tables, mark);
    // What was read with problems (a damaged page, a row that made no sense) is read again next time, whole.
    if (problems.length > known) mark.settled = '!';
  } finally {
    db.close();
  }
  return changes;
}

function schemaVersion(tables: TableReader): string | undefined {
  let version: string | undefined;
  tables.scan({ table: 'alembic_version', wanted: ['version_num'], required: ['version_num'], optional: true }, (row) => { version = text(row[0]); });
  let library: string | undefined;
  tables.scan({ table: 'version_info', wanted: ['library_version'], required: [], optional: true }, (row) => { library = text(row[0]); });
  if (version === undefined) {
    tables.report(`no schema version recorded${library ? ` (written by Optuna ${library})` : ''}: read what matched Optuna's tables`);
  } else if (!(version in KNOWN_RDB_VERSIONS)) {
    const known = Object.entries(KNOWN_RDB_VERSIONS).map(([v, what]) => `${v} (${what})`).join(', ');
    tables.report(`schema version ${version}${library ? ` (written by Optuna ${library})` : ''} is not one RunLens knows (${known}): read what matched`);
  }
  return version;
}

function readStudies(tables: TableReader): OptunaStudy[] {
  const studies = new Map<number, OptunaStudy>();
  // Before Optuna 2.4 a study had one direction, in its own row.
  tables.scan({ table: 'studies', wanted: ['study_id', 'study_name', 'direction'], required: ['study_id', 'study_name'], tail: 'ORDER BY study_id' }, ([id, name, direction]) => {
    const d = parseDirection(direction);
    studies.set(Number(id), { id: Number(id), name: text(name) ?? '', directions: d ? [d] : [] });
  });
  const byObjective = new Map<number, Direction[]>();
  tables.scan({ table: 'study_directions', wanted: ['study_id', 'direction', 'objective'], required: ['study_id', 'direction'], optional: true, tail: 'ORDER BY study_id, objective' },
    ([id, direction]) => {
      const d = parseDirection(direction);
      if (!d) { tables.report(`study ${id}: direction ${JSON.stringify(direction)} is not one Optuna has`); return; }
      const list = byObjective.get(Number(id)) ?? [];
      list.push(d);
      byObjective.set(Number(id), list);
    });
  for (const [id, directions] of byObjective) { const s = studies.get(id); if (s) s.directions = directions; }
  tables.scan({ table: 'study_system_attributes', wanted: ['study_id', 'value_json'], required: ['study_id', 'key', 'value_json'], optional: true, tail: 'WHERE key = ?', params: [METRIC_NAMES_ATTR] },
    ([id, json]) => {
      const s = studies.get(Number(id));
      const names = s && jsonOf(tables, text(json) ?? '', `study ${s.name}: metric names`);
      if (s && names?.t === 'list' && names.items.every((n) => n.t === 'str')) s.metricNames = names.items.map((n) => pyStr(n));
    });
  return [...studies.values()];
}

function parseDirection(v: SqlValue): Direction | undefined {
  const s = text(v)?.toUpperCase();
  return s === 'MINIMIZE' || s === '1' ? 'minimize' : s === 'MAXIMIZE' || s === '2' ? 'maximize' : undefined;
}

function jsonOf(tables: TableReader, json: string, what: string): PyJson | undefined {
  try { return parsePyJson(json); } catch (e) { tables.report(`${what}: not JSON (${(e as Error).message})`); return undefined; }
}

function studyDigest(s: OptunaStudy): string {
  return digest([s.name, s.directions.join(','), (s.metricNames ?? []).join('\u0001')]);
}

/** Whether a follow-up from `since` reads right: every study still there as it was, the finished trials untouched. */
function stillHolds(tables: TableReader, since: RdbWatermark, now: RdbWatermark): boolean {
  for (const [id, d] of Object.entries(since.studies)) if (now.studies[id] !== d) return false;
  return settledDigest(tables, since) === since.settled;
}

/** Count, ids, numbers and completion times of the trials up to maxTrialId that were finished: they never change. */
function settledDigest(tables: TableReader, mark: RdbWatermark): string {
  try {
    return String(tables.first(`SELECT count(*) || ':' || total(trial_id) || ':' || total(number) || ':' || total(study_id) || ':' || total(julianday(datetime_complete))
      FROM trials WHERE trial_id <= ${Number(mark.maxTrialId)} AND trial_id NOT IN (${mark.open.map(Number).join(',')})`));
  } catch {
    return '?';
  }
}

/** Reads trials and what hangs off them, by trial id: all of them, or those a follow-up needs. */
class TrialReader {
  private readonly trials = new Map<number, OptunaTrial>();
  private readonly studies: Map<number, OptunaStudy>;
  private readonly fixed = new Map<number, string>();
  private readonly skipped = new Set<number>();

  constructor(private readonly tables: TableReader, studies: OptunaStudy[]) {
    this.studies = new Map(studies.map((s) => [s.id, s]));
  }

  /** The trials `where` selects (a clause on trial_id), with everything that hangs off them. */
  read(where: string): OptunaTrial[] {
    const t = this.tables;
    const cols = t.columns('trials') ?? new Set<string>();
    t.scan({ table: 'trials', wanted: ['trial_id', 'number', 'study_id', 'state', 'datetime_start', 'datetime_complete', 'value'], required: ['trial_id', 'study_id', 'state'], tail: `${where} ORDER BY trial_id` },
      ([id, number, studyId, state, start, complete, value]) => {
        // A trial of a study that is not there (half deleted): not one Optuna lists.
        if (!this.studies.has(Number(studyId))) { this.skipped.add(Number(id)); return; }
        const trial: OptunaTrial = {
          id: Number(id), studyId: Number(studyId), number: num(number) ?? -1, state: this.state(state, id),
          params: {}, values: null, intermediate: { steps: [], values: [] }, userAttrs: {}, start: localTime(text(start)), complete: localTime(text(complete)),
        };
        // Before Optuna 2.4 the objective value was a column of the trial.
        if (cols.has('value') && !t.columns('study_directions', true) && value !== null) trial.values = [num(value) ?? NaN];
        this.trials.set(trial.id, trial);
      });
    if (!this.trials.size) return [];
    this.readParams(where);
    this.readValues(where);
    this.readIntermediate(where);
    this.readAttributes(where);
    for (const trial of this.trials.values()) {
      if (trial.number < 0) trial.number = this.numberOf(trial);
      // Enqueued and not yet run: its parameters are the ones it was enqueued with.
      const fixed = this.fixed.get(trial.id);
      if (trial.state === 'WAITING' && fixed && !Object.keys(trial.params).length) {
        const v = jsonOf(t, fixed, `trial ${trial.id}: fixed_params`);
        if (v?.t === 'dict') for (const [k, item] of v.entries) put(trial.params, k, pyStr(item));
      }
    }
    return [...this.trials.values()];
  }

  private state(v: SqlValue, id: SqlValue): TrialState {
    const s = text(v)?.toUpperCase() ?? '';
    if ((TRIAL_STATES as readonly string[]).includes(s)) return s as TrialState;
    const byNumber = TRIAL_STATES[Number(s)];
    if (byNumber) return byNumber;
    this.tables.report(`trial ${id}: state ${JSON.stringify(v)} is not one Optuna has: read as FAIL`);
    return 'FAIL';
  }

  /** Optuna 1.3 added numbers; before, a trial's number is its place in its study. */
  private numberOf(trial: OptunaTrial): number {
    return Number(this.tables.first(`SELECT count(*) FROM trials WHERE study_id = ${trial.studyId} AND trial_id < ${trial.id}`) ?? 0);
  }

  /** Each row of `table` for the trials read, with its trial. */
  private each(table: string, wanted: (string | Computed)[], required: string[], where: string, onRow: (trial: OptunaTrial, row: Row) => void): void {
    let orphans = 0;
    let trial: OptunaTrial | undefined;
    let lastId: SqlValue = null;
    this.tables.scan({ table, wanted: ['trial_id', ...wanted], required: ['trial_id', ...required], optional: true, tail: where }, (row) => {
      // Rows of one trial come together, as Optuna writes them: look the trial up once per run of rows.
      if (row[0] !== lastId) { lastId = row[0]; trial = this.trials.get(Number(row[0])); }
      if (trial) onRow(trial, row); else if (!this.skipped.has(Number(row[0]))) orphans++;
    });
    if (orphans) this.tables.report(`table ${table}: ${orphans} rows of trials missing from the trials table were not read`);
  }

  private readParams(where: string): void {
    this.each('trial_params', ['param_name', 'param_value', 'distribution_json'], ['param_name', 'param_value', 'distribution_json'], where, (trial, [, name, value, json]) => {
      const key = text(name) ?? '';
      try {
        const decoded = paramText(num(value) ?? NaN, parseDistribution(text(json) ?? ''));
        if (decoded instanceof Error) throw decoded;
        put(trial.params, key, decoded);
      } catch (e) {
        this.tables.report(`trial ${trial.number} of study ${this.studies.get(trial.studyId)?.name}: param ${key}: ${(e as Error).message}; not read`);
      }
    });
  }

  private readValues(where: string): void {
    // Before Optuna 2.4 trial_values held the intermediate values (by step).
    if (!this.tables.columns('study_directions', true)) return;
    this.each('trial_values', ['objective', 'value', 'value_type'], ['objective'], where, (trial, [, objective, value, type]) => {
      const values = (trial.values ??= []);
      values[Number(objective)] = storedFloat(value, type);
    });
    for (const trial of this.trials.values()) if (trial.values) for (let i = 0; i < trial.values.length; i++) trial.values[i] ??= NaN;
  }

  private readIntermediate(where: string): void {
    const modern = !!this.tables.columns('trial_intermediate_values', true);
    const table = modern ? 'trial_intermediate_values' : 'trial_values';
    if (!modern && !this.tables.columns('trial_values', true)?.has('step')) return;
    // The hot loop of an import (a row per reported value): the value and its type come as one
    // number (infinities as such, NaN as NULL), so no row decodes a string.
    const typed = this.tables.columns(table)?.has('intermediate_value_type');
    const value = typed ? INTERMEDIATE_VALUE : modern ? 'intermediate_value' : 'value';
    this.each(table, ['step', value], ['step'], where, (trial, row) => {
      const v = row[2];
      report(trial.intermediate, typeof row[1] === 'number' ? row[1] : num(row[1]) ?? 0, typeof v === 'number' ? v : v === null ? NaN : num(v) ?? NaN);
    });
  }

  private readAttributes(where: string): void {
    this.each('trial_user_attributes', ['key', 'value_json'], ['key', 'value_json'], where, (trial, [, key, json]) => {
      put(trial.userAttrs, text(key) ?? '', attributeText(text(json) ?? 'null'));
    });
    const waiting = [...this.trials.values()].filter((t) => t.state === 'WAITING').map((t) => t.id);
    if (!waiting.length) return;
    this.tables.scan({ table: 'trial_system_attributes', wanted: ['trial_id', 'value_json'], required: ['trial_id', 'key', 'value_json'], optional: true,
      tail: `WHERE key = ? AND trial_id IN (${waiting.join(',')})`, params: [FIXED_PARAMS_ATTR] }, ([id, json]) => this.fixed.set(Number(id), text(json) ?? ''));
  }
}

/** An intermediate value as Optuna 3 stores one, the number and its type, as one number in SQL. */
const INTERMEDIATE_VALUE = {
  sql: `CASE intermediate_value_type WHEN 'FINITE' THEN intermediate_value WHEN 'INF_POS' THEN 9e999 WHEN 'INF_NEG' THEN -9e999 WHEN 'NAN' THEN NULL ELSE intermediate_value END`,
  columns: ['intermediate_value', 'intermediate_value_type'],
};

/** A float as Optuna 3 stores one: the number, with infinities and NaN told by its type column. */
function storedFloat(value: SqlValue, type: SqlValue): number {
  switch (type) {
    case 'INF_POS': case 2: return Infinity;
    case 'INF_NEG': case 3: return -Infinity;
    case 'NAN': case 4: return NaN;
  }
  return typeof value === 'number' ? value : num(value) ?? NaN;
}

/** A user attribute as a tag: a string as it is, anything else as the JSON Optuna stored. */
export function attributeText(json: string): string {
  if (json.startsWith('"')) {
    try { return JSON.parse(json) as string; } catch { return json; }
  }
  return json;
}
