/**
 * Typed sweeps in Hydra's override syntax: `lr=0.001,0.01 batch_size=32,64 optimizer=adam`,
 * plus `range(start, stop[, step])` and `choice(a, b)`. Values mean what Hydra makes of them:
 * numbers, `true`/`false`, `null`, quoted strings, `[lists]`; anything else is a string.
 */
import type { Axis } from './grid';

const KEY = /^(?:\+\+|\+)?([A-Za-z_][\w.\-/@]*)=([\s\S]*)$/;
const NUMBER = /^[+-]?(?:\d[\d_]*\.?[\d_]*|\.\d[\d_]*)(?:[eE][+-]?\d+)?$/;
const MAX_RANGE = 10_000;

export function parseOverrides(text: string): Axis[] {
  const axes: Axis[] = [];
  for (const token of splitOutside(text.trim(), /\s/)) {
    if (!token) continue;
    if (token.startsWith('~')) throw new Error(`'${token}': deleting a key (~) means nothing for a sweep`);
    const m = KEY.exec(token);
    if (!m) throw new Error(`'${token}' is not key=value (for example lr=0.001,0.01)`);
    const [, key, raw] = m;
    if (raw === '') throw new Error(`'${key}' has no value`);
    axes.push({ key, values: sweepValues(raw, key) });
  }
  if (!axes.length) throw new Error('type at least one parameter, for example lr=0.001,0.01 batch_size=32,64');
  return axes;
}

function sweepValues(raw: string, key: string): unknown[] {
  const call = /^(range|choice)\(([\s\S]*)\)$/.exec(raw);
  const items = splitOutside(call ? call[2] : raw, /,/).map((v) => v.trim());
  if (items.some((v) => v === '')) throw new Error(`'${key}' has an empty value (two commas in a row?)`);
  const values = items.map(scalar);
  return call?.[1] === 'range' ? range(values, key) : values;
}

function range(args: unknown[], key: string): number[] {
  if (args.length < 1 || args.length > 3 || !args.every((a) => typeof a === 'number')) {
    throw new Error(`'${key}': range takes one to three numbers, range(start, stop, step)`);
  }
  const [start, stop, step = 1] = (args.length === 1 ? [0, args[0]] : args) as number[];
  if (step === 0) throw new Error(`'${key}': range step 0`);
  const out: number[] = [];
  // start + i*step, rounded, rather than repeated addition: range(0, 1, 0.1) must give 0.3, not 0.30000000000000004.
  for (let i = 0; ; i++) {
    const v = Number((start + i * step).toPrecision(12));
    if (step > 0 ? v >= stop : v <= stop) break;
    if (out.length >= MAX_RANGE) throw new Error(`'${key}': the range has more than ${MAX_RANGE} values`);
    out.push(v);
  }
  if (!out.length) throw new Error(`'${key}': the range is empty`);
  return out;
}

/** One value as Hydra reads it. */
export function scalar(text: string): unknown {
  if (text.length >= 2 && (text[0] === "'" || text[0] === '"') && text.endsWith(text[0])) {
    return text.slice(1, -1).replace(/\\(.)/g, '$1');
  }
  if (text.startsWith('[') && text.endsWith(']')) {
    const inner = text.slice(1, -1).trim();
    return inner ? splitOutside(inner, /,/).map((v) => scalar(v.trim())) : [];
  }
  const lower = text.toLowerCase();
  if (lower === 'true' || lower === 'false') return lower === 'true';
  if (lower === 'null') return null;
  if (NUMBER.test(text)) {
    const clean = text.replace(/_/g, '');
    const n = Number(clean);
    // An integer past 2^53 would change as a double: keep its digits (it still compares by meaning).
    if (/^[+-]?\d+$/.test(clean) && !Number.isSafeInteger(n)) return clean;
    return n;
  }
  // Everything else (inf and nan included) stays text: pythonStr and the canonical form read it as Python would.
  return text;
}

/** Splits on `sep` where it is outside quotes and brackets; a quote or bracket left open is an error. */
function splitOutside(text: string, sep: RegExp): string[] {
  const parts: string[] = [];
  let depth = 0;
  let quote = '';
  let current = '';
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quote) {
      current += ch;
      if (ch === '\\' && i + 1 < text.length) current += text[++i];
      else if (ch === quote) quote = '';
      continue;
    }
    if (ch === "'" || ch === '"') quote = ch;
    else if ('[({'.includes(ch)) depth++;
    else if ('])}'.includes(ch)) depth--;
    if (depth === 0 && sep.test(ch)) { parts.push(current); current = ''; continue; }
    current += ch;
  }
  if (quote) throw new Error(`a quote is not closed: ${text}`);
  if (depth !== 0) throw new Error(`a bracket is not closed: ${text}`);
  parts.push(current);
  return parts;
}
