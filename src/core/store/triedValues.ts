/**
 * The values a parameter was tried with, and the best run's: what a hover on an Optuna
 * `trial.suggest_*("lr", ..)` call says (in the study the objective is optimised in, or in every
 * experiment). "Best" follows the study's direction for its metric (declaredGoal).
 */
import type { SqlValue } from 'sql.js';
import type { Catalog } from './catalog';
import { declaredGoal, higherIsBetter, rankingGoal, STUDY_METRICS_TAG } from './queries';
import { chooseKeyMetric } from '../runs/keyMetric';

export interface TriedValues {
  /** Runs holding the parameter (deleted ones aside). */
  runs: number;
  /** Its distinct values by meaning, the most often tried first (at most `limit`), each as logged. */
  values: { value: string; count: number }[];
  distinct: number;
  /** For numbers: the least and the greatest tried, as logged. */
  range?: { min: string; max: string };
  /** The metric runs are ranked by, and the best finished run by it. */
  metric?: string;
  best?: { uid: string; name: string | null; value: string; metric: number };
}

export interface TriedOptions {
  experimentId?: number;
  /** The configured key metric; else the study's first objective, else the key-metric rule. */
  metric?: string;
  goal?: 'maximize' | 'minimize' | 'auto';
  limit?: number;
}

export function triedValues(c: Catalog, key: string, opts: TriedOptions = {}): TriedValues {
  const scope = opts.experimentId === undefined ? '' : 'AND r.experiment_id = ?';
  const args: SqlValue[] = opts.experimentId === undefined ? [key] : [key, opts.experimentId];
  const rows = c.all(`SELECT min(p.value), p.canon, count(*) FROM params p JOIN runs r ON r.id = p.run_id
    WHERE p.key = ? AND r.deleted = 0 ${scope} GROUP BY p.canon ORDER BY count(*) DESC, p.canon`, args);
  const out: TriedValues = {
    runs: rows.reduce((n, r) => n + Number(r[2]), 0),
    values: rows.slice(0, opts.limit ?? 8).map((r) => ({ value: String(r[0]), count: Number(r[2]) })),
    distinct: rows.length,
  };
  if (!rows.length) return out;
  const numbers = rows.filter((r) => String(r[1]).startsWith('n:') && Number.isFinite(Number(r[0])));
  if (numbers.length > 1) {
    const sorted = numbers.map((r) => String(r[0])).sort((a, b) => Number(a) - Number(b));
    out.range = { min: sorted[0], max: sorted[sorted.length - 1] };
  }
  const metric = opts.metric || studyMetric(c, opts.experimentId) || chooseKeyMetric('', c.all(`SELECT DISTINCT m.key FROM params p JOIN runs r ON r.id = p.run_id
    JOIN metrics m ON m.run_id = p.run_id WHERE p.key = ? AND r.deleted = 0 ${scope} ORDER BY m.key`, args).map((r) => String(r[0])));
  if (!metric) return out;
  out.metric = metric;
  const higher = higherIsBetter(metric, rankingGoal(declaredGoal(c, metric, opts.experimentId), opts.goal));
  const best = c.one(`SELECT r.uid, r.name, p.value, m.last FROM params p JOIN runs r ON r.id = p.run_id JOIN metrics m ON m.run_id = p.run_id AND m.key = ?
    WHERE p.key = ? AND r.deleted = 0 AND r.status = 'finished' AND m.last IS NOT NULL ${scope} ORDER BY m.last ${higher ? 'DESC' : 'ASC'}, r.id LIMIT 1`, [metric, ...args]);
  if (best) out.best = { uid: String(best[0]), name: best[1] === null ? null : String(best[1]), value: String(best[2]), metric: Number(best[3]) };
  return out;
}

/** An Optuna study's first objective, as its experiment's tags name it. */
function studyMetric(c: Catalog, experimentId: number | undefined): string | undefined {
  if (experimentId === undefined) return undefined;
  const tag = c.one('SELECT value FROM experiment_tags WHERE experiment_id = ? AND key = ?', [experimentId, STUDY_METRICS_TAG]);
  try {
    const names = tag ? JSON.parse(String(tag[0])) : undefined;
    return Array.isArray(names) && typeof names[0] === 'string' ? names[0] : undefined;
  } catch {
    return undefined;
  }
}
