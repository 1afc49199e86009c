/**
 * The comparison as a file: one row per run, a column per parameter and per metric (latest value).
 * Pure (no vscode), unit-tested in plain Node.
 */
import type { CompareView } from '../webview/protocol';

/** Column names as the filter language writes them (`params.lr`, `metrics.accuracy`). */
function header(view: CompareView): string[] {
  return ['run_id', 'name', 'experiment', 'status', ...view.params.map((p) => `params.${p.key}`), ...view.metrics.map((m) => `metrics.${m.key}`)];
}

export function comparisonCsv(view: CompareView): string {
  const rows = [header(view), ...view.runs.map((r) => [
    r.uid, r.label, r.experiment, r.status,
    ...view.params.map((p) => r.params[p.key] ?? ''),
    ...view.metrics.map((m) => { const v = r.metrics[m.key]; return v === null || v === undefined ? '' : String(v); }),
  ])];
  return rows.map((row) => row.map(csvCell).join(',')).join('\r\n') + '\r\n';
}

/**
 * RFC 4180 quoting, and no formulas: a spreadsheet runs a cell starting with = + - @ as one
 * (CSV injection), so such text gets a leading apostrophe. Numbers (-0.5) stay numbers.
 */
export function csvCell(s: string): string {
  let v = s;
  if (/^[=+\-@\t\r]/.test(v) && !/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(v)) v = `'${v}`;
  return /[",\r\n]/.test(v) || v !== v.trim() ? `"${v.replace(/"/g, '""')}"` : v;
}

export function comparisonJson(view: CompareView): string {
  const runs = view.runs.map((r) => ({
    run_id: r.uid, name: r.label, experiment: r.experiment, status: r.status,
    params: Object.fromEntries(view.params.filter((p) => p.key in r.params).map((p) => [p.key, r.params[p.key]])),
    metrics: Object.fromEntries(view.metrics.filter((m) => m.key in r.metrics).map((m) => [m.key, r.metrics[m.key]])),
  }));
  return JSON.stringify({ runs, differing_params: view.params.filter((p) => p.differs).map((p) => p.key) }, null, 2) + '\n';
}
