/** How runs read in the editor: pure text shaping, shared by the tree, the lens and the CLI. */
import type { RunSummary, StatusName } from '../store/types';

/**
 * A run's id, short: the last 8 characters, the same everywhere it is shown (an imported run's uid
 * starts with its store's prefix, shared by every run of that store; its end is MLflow's run id's).
 */
export function shortId(uid: string): string {
  return uid.length <= 8 ? uid : uid.slice(-8);
}

export function formatMetric(n: number | null | undefined): string {
  if (n === null || n === undefined) return '–';
  if (Number.isNaN(n)) return 'NaN';
  if (!Number.isFinite(n)) return n > 0 ? '∞' : '-∞';
  if (n === 0) return '0';
  const a = Math.abs(n);
  if (a >= 1e-3 && a < 1e6) return String(Number(n.toPrecision(4)));
  return n.toExponential(2);
}

export function formatAge(from: number | null, now = Date.now()): string {
  if (!from) return '';
  const s = Math.max(0, Math.round((now - from) / 1000));
  if (s < 60) return `${s}s ago`;
  const m = Math.round(s / 60);
  if (m < 60) return `${m}m ago`;
  const h = Math.round(m / 60);
  if (h < 48) return `${h}h ago`;
  return `${Math.round(h / 24)}d ago`;
}

export function formatDuration(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${s % 60}s`;
  const h = Math.floor(m / 60);
  return `${h}h ${m % 60}m`;
}

export const STATUS_LABEL: Record<StatusName, string> = {
  running: 'running', finished: 'finished', failed: 'failed', killed: 'killed', crashed: 'crashed (its process died without ending the run)',
};

/**
 * Keys whose values differ between the given runs: a run without a name is shown by these,
 * since the keys every run shares say nothing about which run it is.
 */
export function varyingKeys(runs: RunSummary[]): string[] {
  const values = new Map<string, Set<string>>();
  for (const r of runs) for (const [k, v] of Object.entries(r.params)) {
    let s = values.get(k);
    if (!s) values.set(k, (s = new Set()));
    s.add(v);
  }
  return [...values].filter(([k, s]) => s.size > 1 || runs.some((r) => !(k in r.params))).map(([k]) => k).sort();
}

export function runLabel(run: RunSummary, varying: string[]): string {
  if (run.name) return run.name;
  let keys = varying.filter((k) => k in run.params);
  // Alone on its page (a filter, a single run), nothing varies: then the first few params say most.
  if (!keys.length) keys = Object.keys(run.params).sort().slice(0, 3);
  const parts = keys.map((k) => `${k}=${run.params[k].length > 24 ? run.params[k].slice(0, 23) + '…' : run.params[k]}`);
  return parts.length ? parts.join(', ') : shortId(run.uid);
}

export function paramsAs(format: 'json' | 'python' | 'args', params: Record<string, string>): string {
  const entries = Object.entries(params);
  if (format === 'json') return JSON.stringify(params, null, 2);
  if (format === 'python') return '{' + entries.map(([k, v]) => `${pyString(k)}: ${pyLiteral(v)}`).join(', ') + '}';
  // Keys are quoted too: `--lr` stays a word, a key holding `$(…)` stays text.
  return entries.map(([k, v]) => `${shellQuote(`--${k}`)} ${shellQuote(v)}`).join(' ');
}

function pyString(s: string): string {
  return JSON.stringify(s);
}

/** A value as a Python literal: numbers, booleans and None as themselves, anything else a string. */
function pyLiteral(v: string): string {
  // Python's own spellings only: `007` is not a Python number (a leading zero is a syntax error).
  if (/^-?(0|[1-9]\d*)(\.\d*)?([eE][+-]?\d+)?$|^-?\.\d+([eE][+-]?\d+)?$/.test(v)) return v;
  if (v === 'True' || v === 'False' || v === 'None') return v;
  return pyString(v);
}

export function shellQuote(v: string): string {
  return /^[\w@%+=:,./-]+$/.test(v) ? v : `'${v.replace(/'/g, `'\\''`)}'`;
}
