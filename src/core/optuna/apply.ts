/**
 * Turning an Optuna storage's studies and trials into RunLens experiments and runs: a study is an
 * experiment of its name, marked as a study (with its storage and directions); a trial is a run
 * named `trial <number>`, with its parameters, its objective values as metrics (named by the
 * study's metric names, else `value`, or `value_0`, `value_1`, ..), its intermediate values as the
 * history of the first, its user attributes as tags. Each metric's direction is the study's, so
 * "best" means what the study means.
 */
import type { Catalog } from '../store/catalog';
import type { StatusName } from '../store/types';
import type { MetricPoint } from '../runlog/events';
import { GOAL_TAG, STUDY_DIRECTIONS_TAG, STUDY_METRICS_TAG, STUDY_STORAGE_TAG } from '../store/queries';
import { storeKey } from '../mlflow/apply';
import type { OptunaChanges, OptunaStudy, OptunaTrial, StorageKind, TrialState } from './model';

const STATUS: Record<TrialState, StatusName> = { COMPLETE: 'finished', FAIL: 'failed', RUNNING: 'running', WAITING: 'queued', PRUNED: 'pruned' };

/** The tag a trial's number is kept in, besides its name. */
export const TRIAL_NUMBER_TAG = 'optuna.trial_number';

export function optunaUid(storagePath: string, trialId: number): string {
  return `optuna-${storeKey(storagePath)}-${trialId}`;
}

/** `optuna-db:/abs/study.db#<study id>/<trial id>` or `optuna-journal:/abs/journal.log#…`. */
export function optunaSource(kind: StorageKind, storagePath: string, studyId: number, trialId: number): string {
  return `${kind}:${storagePath}#${studyId}/${trialId}`;
}

export function parseOptunaSource(source: string): { kind: StorageKind; storagePath: string; studyId: number; trialId: number } | undefined {
  const m = /^(optuna-db|optuna-journal):(.*)#(\d+)\/(\d+)$/.exec(source);
  return m ? { kind: m[1] as StorageKind, storagePath: m[2], studyId: Number(m[3]), trialId: Number(m[4]) } : undefined;
}

/** The names a study's objective values go by: its metric names, else `value` (one objective) or `value_0`, `value_1`, … */
export function metricNamesOf(study: Pick<OptunaStudy, 'directions' | 'metricNames'>): string[] {
  const n = Math.max(1, study.directions.length);
  if (study.metricNames?.length === n) return study.metricNames;
  return n === 1 ? ['value'] : Array.from({ length: n }, (_, i) => `value_${i}`);
}

/**
 * A trial's metrics: each objective value (at the last reported step, at the trial's end), the
 * first with the intermediate values as its history; a trial that reported none has its final
 * value as its one point. A trial without values (running, failed) shows how far it got.
 */
export function trialMetrics(study: OptunaStudy, trial: OptunaTrial): Record<string, { points: MetricPoint[]; latest?: { step: number; value: number; timestamp: number } }> {
  const names = metricNamesOf(study);
  const out: ReturnType<typeof trialMetrics> = {};
  const started = trial.start ?? trial.complete ?? 0;
  const { steps, values } = trial.intermediate;
  const history = steps.map((step, i) => ({ key: names[0], value: values[i], step, t: started }));
  const lastStep = steps.at(-1) ?? 0;
  const ended = trial.complete ?? started;
  names.forEach((key, i) => {
    const value = trial.values?.[i];
    const points = i === 0 ? history.map((p) => ({ ...p, key })) : [];
    if (value === undefined) {
      if (points.length) out[key] = { points };
      return;
    }
    if (!points.length) points.push({ key, value, step: 0, t: ended });
    out[key] = { points, latest: { step: i === 0 ? lastStep : 0, value, timestamp: ended } };
  });
  return out;
}

export interface OptunaApplyStats { runs: number; removed: number; uids: string[] }

/** Records a read's studies and trials in the catalog. Applying the same read again changes nothing. */
export function applyOptunaChanges(catalog: Catalog, changes: OptunaChanges): OptunaApplyStats {
  const studies = new Map(changes.studies.map((s) => [s.id, s]));
  return catalog.transaction(() => {
    for (const s of changes.studies) {
      const names = metricNamesOf(s);
      const tags: Record<string, string> = {
        [STUDY_STORAGE_TAG]: changes.path, 'optuna.study_id': String(s.id), [STUDY_DIRECTIONS_TAG]: s.directions.join(','), [STUDY_METRICS_TAG]: JSON.stringify(names),
      };
      names.forEach((m, i) => { if (s.directions[i]) tags[GOAL_TAG + m] = s.directions[i]; });
      catalog.setExperimentTags(s.name, tags);
    }
    const uids: string[] = [];
    for (const t of changes.trials) {
      const study = studies.get(t.studyId);
      if (!study) continue;
      uids.push(applyTrial(catalog, changes, study, t));
    }
    let removed = 0;
    const gone = (prefix: string, keep: Set<string>) => {
      for (const [id, uid] of catalog.all('SELECT id, uid FROM runs WHERE substr(source, 1, ?) = ? AND deleted = 0', [prefix.length, prefix])) {
        if (keep.has(String(uid))) continue;
        catalog.setDeleted(Number(id), true);
        removed++;
      }
    };
    if (changes.full) gone(`${changes.kind}:${changes.path}#`, new Set(uids));
    for (const studyId of changes.removedStudies ?? []) gone(`${changes.kind}:${changes.path}#${studyId}/`, new Set());
    return { runs: uids.length, removed, uids };
  });
}

function applyTrial(catalog: Catalog, changes: OptunaChanges, study: OptunaStudy, t: OptunaTrial): string {
  const uid = optunaUid(changes.path, t.id);
  const known = catalog.runId(uid) !== undefined;
  const id = catalog.upsertRun({
    uid, experiment: study.name, name: `trial ${t.number}`, parentUid: null, status: STATUS[t.state],
    startTime: t.start, endTime: t.complete, lastUpdate: Math.max(t.start ?? 0, t.complete ?? 0) || null,
    scriptPath: null, scriptSha256: null, git: null, host: null, pid: null,
    source: optunaSource(changes.kind, changes.path, study.id, t.id),
  });
  const metrics = trialMetrics(study, t);
  // A trial read again (it was running, or the storage was read from the start) may have changed.
  if (known) {
    catalog.setDeleted(id, false);
    catalog.replaceParams(id, t.params);
    catalog.removeMetricsExcept(id, Object.keys(metrics));
  } else {
    catalog.setParams(id, t.params);
  }
  catalog.setTags(id, { ...t.userAttrs, [TRIAL_NUMBER_TAG]: String(t.number) });
  for (const [key, m] of Object.entries(metrics)) catalog.setMetricSummary(id, key, m.points, m.latest);
  return uid;
}
