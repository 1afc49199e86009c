/** How runs read in the editor: pure text shaping, shared by the tree, the lens and the CLI. */
import { canonicalParam } from '../params/canonical';
import type { RunSummary, StatusName } from '../store/types';

/**
 * A run's id, short: the last 8 characters, the same everywhere it is shown (an imported run's uid
 * starts with its store's prefix, shared by every run of that store; its end is MLflow's run id's).
 */
export function shortId(uid: string): string {
  return uid.length <= 8 ? uid : uid.slice(-8);
}

/** How many significant digits a metric shows. */
export const METRIC_DIGITS = 4;

/**
 * The one way a metric value is written, in the tree, hovers, the lens, panels, the table and the
 * command line: 4 significant digits, trailing zeros kept, so values read with the same precision
 * whatever precision they were logged with (0.8100 next to 0.8123, not 0.81). Whole numbers are
 * exact and stay as they are (5, 1200); a value with more digits before the point than that keeps
 * them (12346); below 0.001 or from a million on, exponent form (1.235e-5). No locale.
 */
export function formatMetric(n: number | null | undefined): string {
  if (n === null || n === undefined) return '–';
  if (Number.isNaN(n)) return 'NaN';
  if (!Number.isFinite(n)) return n > 0 ? '∞' : '-∞';
  if (n === 0) return '0';
  const a = Math.abs(n);
  if (a < 1e-3 || a >= 1e6) return n.toExponential(METRIC_DIGITS - 1);
  if (Number.isInteger(n)) return String(n);
  const s = n.toPrecision(METRIC_DIGITS);
  // 1234.5 or 9999.96: toPrecision would switch to exponent form; whole digits read better.
  return s.includes('e') ? n.toFixed(0) : s;
}

/**
 * An axis tick: a round number the axis chose (see src/core/charts/axis.ts), written with just the
 * decimals its step needs (0.75, 0.80, 0.85 with a step of 0.05), the same for every tick of an axis.
 */
export function formatTick(value: number, step: number): string {
  // A tick computed as 0.1 - 0.1 * 1 may be -1e-17: it stands for 0.
  if (Math.abs(value) < Math.abs(step) * 1e-6) value = 0;
  const a = Math.abs(value);
  if (a !== 0 && (a < 1e-4 || a >= 1e7)) return shortExponent(value);
  const s = value.toFixed(decimalsOf(step));
  return /^-0(\.0*)?$/.test(s) ? s.slice(1) : s;
}

/** How many decimals write `step` exactly (0.05: two, 0.25: two, 5: none), so every tick of an axis has as many. */
function decimalsOf(step: number): number {
  if (!(step > 0) || !Number.isFinite(step)) return 0;
  for (let d = 0; d < 12; d++) {
    const scaled = step * 10 ** d;
    if (Math.abs(scaled - Math.round(scaled)) < 1e-6 * Math.max(1, scaled)) return d;
  }
  return 12;
}

/** 1e-5, 2.5e+7: exponent form without trailing zeros, for ticks and powers of ten. */
function shortExponent(n: number): string {
  const [mantissa, exponent] = n.toExponential(3).split('e');
  return `${String(Number(mantissa))}e${exponent}`;
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

/** A file's size: 512 B, 4.2 KB, 37 MB (binary units, no locale). */
export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KB', 'MB', 'GB', 'TB'];
  let v = n / 1024;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) { v /= 1024; u++; }
  return `${v < 10 ? v.toFixed(1) : Math.round(v)} ${units[u]}`;
}

/**
 * When a source was last synced, in this machine's local time: `14:03` the same day, else
 * `2026-12-05 14:03`.
 */
export function formatSyncTime(t: number, now = Date.now()): string {
  const d = new Date(t);
  const n = new Date(now);
  const pad = (x: number) => String(x).padStart(2, '0');
  const time = `${pad(d.getHours())}:${pad(d.getMinutes())}`;
  const sameDay = d.getFullYear() === n.getFullYear() && d.getMonth() === n.getMonth() && d.getDate() === n.getDate();
  return sameDay ? time : `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${time}`;
}

/** What a view says of a tracking server that is not up to date: `MLflow server offline, as of 14:03`. */
export function serverNotice(s: { state: string; lastSync?: number }, now = Date.now()): string | undefined {
  const what = s.state === 'offline' ? 'MLflow server offline' : s.state === 'auth' ? 'MLflow server needs credentials' : s.state === 'error' ? 'MLflow server not synced' : undefined;
  if (!what) return undefined;
  return s.lastSync ? `${what}, as of ${formatSyncTime(s.lastSync, now)}` : `${what}, never synced`;
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
  pruned: 'pruned (stopped early by its Optuna pruner)', queued: 'queued (waiting to run)',
};

/**
 * Keys whose values differ between the given runs, by meaning (`0.001` and `1e-3` do not): a run
 * without a name is shown by these, since the keys every run shares say nothing about which run it is.
 */
export function varyingKeys(runs: RunSummary[]): string[] {
  const values = new Map<string, Set<string>>();
  for (const r of runs) for (const [k, v] of Object.entries(r.params)) {
    let s = values.get(k);
    if (!s) values.set(k, (s = new Set()));
    s.add(v);
  }
  // Spellings compared by meaning only where they differ as written (most keys: one spelling).
  const differ = (s: Set<string>) => s.size > 1 && new Set([...s].map(canonicalParam)).size > 1;
  return [...values].filter(([k, s]) => differ(s) || runs.some((r) => !(k in r.params))).map(([k]) => k).sort();
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
