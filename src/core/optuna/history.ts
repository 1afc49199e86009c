/**
 * A trial's full metric histories (its intermediate values), read on demand from the storage it
 * was imported from, as the catalog keeps only each metric's summary (docs/store.md). A database
 * is asked for the one trial; a journal has no index, so it is replayed whole, as Optuna does when
 * it loads one.
 */
import type { MetricPoint } from '../mlflow/model';
import { parseOptunaSource, trialMetrics } from './apply';
import { readOptunaJournal } from './journal';
import { readOptunaDb } from './rdb';

export async function optunaHistory(source: string): Promise<Record<string, MetricPoint[]>> {
  const s = parseOptunaSource(source);
  if (!s) return {};
  const read = s.kind === 'optuna-db' ? await readOptunaDb(s.storagePath, undefined, { trialId: s.trialId }) : await readOptunaJournal(s.storagePath);
  const study = read.studies.find((x) => x.id === s.studyId);
  const trial = read.trials.find((t) => t.id === s.trialId);
  if (!study || !trial) return {};
  const out: Record<string, MetricPoint[]> = {};
  for (const [key, m] of Object.entries(trialMetrics(study, trial))) out[key] = m.points.map((p) => ({ step: p.step, value: p.value, timestamp: p.t }));
  return out;
}
