/**
 * The file store's metric files: one line per point, `timestamp value [step]`, written with
 * Python's `str()` of each number, so values may be `nan`, `inf`, `-inf` or `-0.0`.
 * Read the way MLflow's `FileStore._get_metric_from_line` reads them (`line.strip().split(" ")`,
 * `int()`, `float()`), except that a bad line is skipped and reported instead of failing the run.
 */
import type { ImportProblem, MetricPoint } from './model';

const DIGITS = String.raw`\d(?:_?\d)*`;
const PY_INT = new RegExp(`^[+-]?${DIGITS}$`);
const PY_FLOAT = new RegExp(
  `^[+-]?(?:${DIGITS}(?:\\.(?:${DIGITS})?)?|\\.${DIGITS})(?:[eE][+-]?${DIGITS})?$`);
const PY_SPECIAL = new Map<string, number>([
  ['inf', Infinity], ['+inf', Infinity], ['-inf', -Infinity],
  ['infinity', Infinity], ['+infinity', Infinity], ['-infinity', -Infinity],
  ['nan', NaN], ['+nan', NaN], ['-nan', NaN],
]);

/** Python's `int(s)` for the strings it accepts, else undefined. */
export function parsePythonInt(s: string): number | undefined {
  if (!PY_INT.test(s)) return undefined;
  return Number(s.includes('_') ? s.replace(/_/g, '') : s);
}

/** Python's `float(s)` for the strings it accepts (`-0.0` stays -0), else undefined. */
export function parsePythonFloat(s: string): number | undefined {
  if (PY_FLOAT.test(s)) return Number(s.includes('_') ? s.replace(/_/g, '') : s);
  return PY_SPECIAL.get(s.toLowerCase());
}

/**
 * The points of one metric file, in file order (which is MLflow's history order for this store).
 * `path` names the file in problems, as `path:line`. Written for speed (a store holds millions of
 * lines): a line as MLflow writes it is read in place, and only any other line goes the general
 * (and exact) way of `parsePythonInt`/`parsePythonFloat`.
 */
export function parseMetricFile(text: string, path: string, problems: ImportProblem[]): MetricPoint[] {
  const points: MetricPoint[] = [];
  let lineNumber = 0;
  for (let start = 0; start < text.length;) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    lineNumber++;
    const point = plainLine(text, start, end);
    if (point) {
      points.push(point);
    } else {
      const line = text.slice(start, end).trim();
      const general = line === '' ? undefined : generalLine(line);
      if (general) points.push(general);
      else if (line !== '') { // a blank line (or the final newline) logged nothing
        problems.push({ path: `${path}:${lineNumber}`, message: `not a metric line (timestamp value [step]): ${preview(line)}` });
      }
    }
    start = end + 1;
  }
  return points;
}

/** `digits value digits`, exactly as MLflow writes a point, or undefined for anything else. */
function plainLine(text: string, start: number, end: number): MetricPoint | undefined {
  let i = start;
  let timestamp = 0;
  for (let c = text.charCodeAt(i); c >= 48 && c <= 57; c = text.charCodeAt(++i)) timestamp = timestamp * 10 + c - 48;
  if (i === start || i - start > 15 || i >= end || text.charCodeAt(i) !== 32) return undefined;
  const valueStart = ++i;
  while (i < end && text.charCodeAt(i) !== 32) i++;
  if (i >= end) return undefined;
  const valueText = text.slice(valueStart, i);
  const stepStart = ++i;
  let step = 0;
  for (let c = text.charCodeAt(i); i < end && c >= 48 && c <= 57; c = text.charCodeAt(++i)) step = step * 10 + c - 48;
  // Up to 15 digits the sums above are exact; longer numbers take the general way.
  if (i !== end || i === stepStart || i - stepStart > 15 || !isPlainFloat(valueText)) return undefined;
  return { step, value: Number(valueText), timestamp };
}

/** MLflow's `_get_metric_from_line`: `strip().split(" ")`, 2 or 3 fields, `int`, `float`, `int`. */
function generalLine(line: string): MetricPoint | undefined {
  const parts = line.split(' ');
  if (parts.length !== 2 && parts.length !== 3) return undefined;
  const timestamp = parsePythonInt(parts[0]);
  const value = parsePythonFloat(parts[1]);
  const step = parts.length === 3 ? parsePythonInt(parts[2]) : 0;
  if (timestamp === undefined || value === undefined || step === undefined) return undefined;
  return { step, value, timestamp };
}

/** `-?digits[.digits][e[+-]digits]`: how Python's str() writes a finite float. */
function isPlainFloat(s: string): boolean {
  let i = s.charCodeAt(0) === 45 /* - */ ? 1 : 0;
  const digitsFrom = i;
  while (isDigit(s.charCodeAt(i))) i++;
  if (i === digitsFrom) return false;
  if (s.charCodeAt(i) === 46 /* . */) {
    const fractionFrom = ++i;
    while (isDigit(s.charCodeAt(i))) i++;
    if (i === fractionFrom) return false;
  }
  if (s.charCodeAt(i) === 101 /* e */) {
    i++;
    const sign = s.charCodeAt(i);
    if (sign === 43 /* + */ || sign === 45 /* - */) i++;
    const exponentFrom = i;
    while (isDigit(s.charCodeAt(i))) i++;
    if (i === exponentFrom) return false;
  }
  return i === s.length;
}

function isDigit(code: number): boolean {
  return code >= 48 && code <= 57; // NaN (past the end) is not
}

function preview(line: string): string {
  return JSON.stringify(line.length > 80 ? line.slice(0, 80) + '…' : line);
}
