/**
 * Full metric histories of imported runs, read on demand from the MLflow store they came from:
 * the catalog keeps only each metric's summary (see docs/store.md).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadSqlJs } from '../store/sqljs';
import { parseMetricFile } from './metricFile';
import { metricPoint } from './sqliteMetrics';
import { parseImportedSource } from './apply';
import type { ImportProblem, MetricPoint } from './model';

export async function importedHistory(source: string, problems: ImportProblem[] = []): Promise<Record<string, MetricPoint[]>> {
  const s = parseImportedSource(source);
  // A tracking server's histories come through its connection (src/core/mlflowServer/history.ts).
  if (!s || s.kind === 'mlflow-server') return {};
  if (s.kind === 'mlflow-file') {
    const dir = [path.join(s.storePath, s.experimentId ?? '', s.runId), path.join(s.storePath, '.trash', s.experimentId ?? '', s.runId)].find((d) => fs.existsSync(d));
    if (!dir) { problems.push({ path: s.storePath, message: `run ${s.runId} is no longer in the store` }); return {}; }
    const out: Record<string, MetricPoint[]> = {};
    const walk = (d: string, prefix: string) => {
      let entries: fs.Dirent[];
      try { entries = fs.readdirSync(d, { withFileTypes: true }); } catch { return; }
      for (const e of entries) {
        const full = path.join(d, e.name);
        // A `/` in a metric key is a sub-folder in the file store.
        if (e.isDirectory()) walk(full, `${prefix}${e.name}/`);
        else out[prefix + e.name] = parseMetricFile(fs.readFileSync(full), full, problems).toArray();
      }
    };
    walk(path.join(dir, 'metrics'), '');
    return out;
  }
  const SQL = await loadSqlJs();
  let bytes: Buffer;
  try { bytes = fs.readFileSync(s.storePath); } catch (e) { problems.push({ path: s.storePath, message: (e as Error).message }); return {}; }
  const db = new SQL.Database(bytes);
  try {
    const out: Record<string, MetricPoint[]> = {};
    const stmt = db.prepare('SELECT key, value, timestamp, step, is_nan FROM metrics WHERE run_uuid = ? ORDER BY timestamp, step, value');
    stmt.bind([s.runId]);
    while (stmt.step()) {
      const [key, value, timestamp, step, isNan] = stmt.get();
      (out[String(key)] ??= []).push(metricPoint(value, timestamp, step, isNan));
    }
    stmt.free();
    return out;
  } catch (e) {
    problems.push({ path: s.storePath, message: `metric histories could not be read: ${(e as Error).message}` });
    return {};
  } finally {
    db.close();
  }
}
