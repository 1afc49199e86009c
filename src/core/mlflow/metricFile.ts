/**
 * The file store's metric files: one line per point, `timestamp value [step]`, written with
 * Python's `str()` of each number, so values may be `nan`, `inf`, `-inf` or `-0.0`.
 * Read the way MLflow's `FileStore._get_metric_from_line` reads them (`line.strip().split(" ")`,
 * `int()`, `float()`), except that a bad line is skipped and reported instead of failing the run.
 */
import { decodeFileText } from './fileText';
import { MetricHistory, PointBlocks } from './metricHistory';
import type { ImportProblem } from './model';

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
 * `path` names the file in problems, as `path:line`.
 *
 * Written for speed, as a store holds millions of lines: a file whose every line is as MLflow
 * writes it (`digits value digits`, `\n`-ended, the value as Python's `str()` writes a float) is
 * read straight from its bytes, into columns; a file with any other line is read again as text,
 * the general and exact way (`parsePythonInt`, `parsePythonFloat`), so the fast way never has to be
 * right about anything but plain lines. A reader of many files passes the `blocks` their points go to.
 */
export function parseMetricFile(bytes: Buffer, path: string, problems: ImportProblem[], blocks = new PointBlocks()): MetricHistory {
  return plainMetricFile(bytes, blocks) ?? parseMetricText(decodeFileText(bytes, path, problems), path, problems);
}

/** `parseMetricFile` of a file already read as text. */
export function parseMetricText(text: string, path: string, problems: ImportProblem[]): MetricHistory {
  const history = new MetricHistory();
  let lineNumber = 0;
  for (let start = 0; start < text.length;) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    lineNumber++;
    const line = text.slice(start, end).trim();
    if (line !== '') { // a blank line (or the final newline) logged nothing
      if (!generalLine(line, history)) {
        problems.push({ path: `${path}:${lineNumber}`, message: `not a metric line (timestamp value [step]): ${preview(line)}` });
      }
    }
    start = end + 1;
  }
  return history;
}

/** MLflow's `_get_metric_from_line`: `strip().split(" ")`, 2 or 3 fields, `int`, `float`, `int`. */
function generalLine(line: string, history: MetricHistory): boolean {
  const parts = line.split(' ');
  if (parts.length !== 2 && parts.length !== 3) return false;
  const timestamp = parsePythonInt(parts[0]);
  const value = parsePythonFloat(parts[1]);
  const step = parts.length === 3 ? parsePythonInt(parts[2]) : 0;
  if (timestamp === undefined || value === undefined || step === undefined) return false;
  history.push(step, value, timestamp);
  return true;
}

function preview(line: string): string {
  return JSON.stringify(line.length > 80 ? line.slice(0, 80) + '…' : line);
}

const NEWLINE = 10;
const SPACE = 32;
const PLUS = 43;
const MINUS = 45;
const DOT = 46;
const ZERO = 48;
const NINE = 57;
const LOWER_E = 101;
const LOWER_I = 105;
const LOWER_N = 110;
/** Up to 15 digits an integer summed digit by digit is exact. */
const MAX_INT_DIGITS = 15;
/** A significand summed digit by digit stays exact (at most 2^53) while it is at most this before the next digit. */
const MAX_EXACT_PREFIX = 900719925474098;
/** Every power of ten a double holds exactly. */
const POW10 = [1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17,
  1e18, 1e19, 1e20, 1e21, 1e22];
/** The shortest plain line (`0 0 0\n`): how many points a file can hold at most, from its size. */
const SHORTEST_LINE = 6;
/** 1 MB: past this a file's lines are counted before its points are given room. */
const COUNT_LINES_FROM = 1 << 20;

/** How many lines `bytes` holds at most (newlines, and a last line without one). */
function lineCount(bytes: Buffer): number {
  let count = 1;
  for (let i = bytes.indexOf(NEWLINE); i !== -1; i = bytes.indexOf(NEWLINE, i + 1)) count++;
  return count;
}

/**
 * The points of a metric file whose every line is plain, or undefined when one is not: a line of
 * `digits value digits` ending in `\n` (or the end of the file), the timestamp and the step of at
 * most 15 digits (so summed exactly), the value spelled as Python's `str()` writes a float:
 * `-?digits[.digits][e[+-]digits]`, `nan`, `inf` or `-inf`. A plain line is only ASCII, so a file
 * read this way is valid UTF-8 and says the same as its text.
 *
 * A value's significand of up to 2^53 scaled by at most 10^22 is exact as one multiplication or
 * division of two doubles, each exact, which IEEE 754 rounds correctly: the same double `Number()`
 * gives (the fast path of Clinger's algorithm, which V8 takes too). Any other value (more
 * significant digits, a larger scale) is read by `Number()` itself.
 */
function plainMetricFile(bytes: Buffer, blocks: PointBlocks): MetricHistory | undefined {
  const n = bytes.length;
  // Room for as many points as the file can hold: from its size, or, for a large file (where that
  // would reserve four times its size), from its lines.
  const out = blocks.room(n > COUNT_LINES_FROM ? lineCount(bytes) : Math.ceil(n / SHORTEST_LINE));
  const first = blocks.start;
  let at = first;
  for (let i = 0; i < n;) {
    let c = bytes[i];
    if (c === NEWLINE) { i++; continue; } // a blank line logged nothing
    // timestamp: its first 9 digits and the rest summed apart, as small integers, which is quicker
    // than one sum in floating point (each step waits for the one before)
    const timestampFrom = i;
    const headEnd = Math.min(i + 9, n);
    let head = 0;
    while (c >= ZERO && c <= NINE) {
      head = head * 10 + (c - ZERO);
      c = ++i < headEnd ? bytes[i] : 0;
    }
    const tailFrom = i;
    c = i < n ? bytes[i] : 0;
    let tail = 0;
    while (c >= ZERO && c <= NINE) {
      tail = tail * 10 + (c - ZERO);
      c = ++i < n ? bytes[i] : 0;
    }
    if (c !== SPACE || i === timestampFrom || i - timestampFrom > MAX_INT_DIGITS) return undefined;
    const timestamp = head * POW10[i - tailFrom] + tail;
    // value
    const valueFrom = ++i;
    c = i < n ? bytes[i] : 0;
    const negative = c === MINUS;
    if (negative) c = ++i < n ? bytes[i] : 0;
    let value: number;
    if (c === LOWER_I || c === LOWER_N) {
      if (i + 3 > n || !(c === LOWER_I ? bytes[i + 1] === LOWER_N && bytes[i + 2] === 102 /* f */
        : !negative && bytes[i + 1] === 97 /* a */ && bytes[i + 2] === LOWER_N)) return undefined;
      value = c === LOWER_N ? NaN : negative ? -Infinity : Infinity;
      i += 3;
      c = i < n ? bytes[i] : 0;
    } else {
      let significand = 0;
      let exact = true;
      let scale = 0;
      const integerFrom = i;
      while (c >= ZERO && c <= NINE) {
        if (significand > MAX_EXACT_PREFIX) exact = false;
        else significand = significand * 10 + (c - ZERO);
        c = ++i < n ? bytes[i] : 0;
      }
      if (i === integerFrom) return undefined;
      if (c === DOT) {
        c = ++i < n ? bytes[i] : 0;
        const fractionFrom = i;
        while (c >= ZERO && c <= NINE) {
          if (significand > MAX_EXACT_PREFIX) exact = false;
          else { significand = significand * 10 + (c - ZERO); scale--; }
          c = ++i < n ? bytes[i] : 0;
        }
        if (i === fractionFrom) return undefined;
      }
      if (c === LOWER_E) {
        c = ++i < n ? bytes[i] : 0;
        const exponentNegative = c === MINUS;
        if (c === MINUS || c === PLUS) c = ++i < n ? bytes[i] : 0;
        const exponentFrom = i;
        let exponent = 0;
        while (c >= ZERO && c <= NINE) {
          if (exponent < 100_000) exponent = exponent * 10 + (c - ZERO);
          c = ++i < n ? bytes[i] : 0;
        }
        if (i === exponentFrom) return undefined;
        scale += exponentNegative ? -exponent : exponent;
      }
      // An inexact significand (digits dropped) is left to Number(), as is a scale past 10^22.
      if (exact && significand === 0) value = negative ? -0 : 0;
      else if (exact && scale === 0) value = negative ? -significand : significand;
      else if (exact && scale < 0 && scale >= -22) value = (negative ? -significand : significand) / POW10[-scale];
      else if (exact && scale > 0 && scale <= 22) value = (negative ? -significand : significand) * POW10[scale];
      else value = Number(bytes.toString('latin1', valueFrom, i));
    }
    if (c !== SPACE) return undefined;
    // step
    const stepFrom = ++i;
    c = i < n ? bytes[i] : 0;
    let step = 0;
    while (c >= ZERO && c <= NINE) {
      step = step * 10 + (c - ZERO);
      c = ++i < n ? bytes[i] : 0;
    }
    if (i === stepFrom || i - stepFrom > MAX_INT_DIGITS || (i < n && c !== NEWLINE)) return undefined;
    i++;
    out[at++] = step;
    out[at++] = value;
    out[at++] = timestamp;
  }
  return blocks.take((at - first) / 3);
}
