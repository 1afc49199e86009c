/**
 * The values the analysis can know: Python scalars, sequences and dicts, or "unknown". A value
 * that came straight from a literal in the source remembers where (so hovers can sit on it).
 */
import { pyFloat, pyTuple } from '../params/canonical';
import type { Unit } from './scope';

export type Scalar = null | boolean | number | string | bigint;

/** Where a value's literal sits. */
export interface At { unit: Unit; from: number; to: number }

export type Val =
  | { t: 'scalar'; v: Scalar; float?: boolean; at?: At }
  | { t: 'seq'; items: Val[]; tuple: boolean; at?: At }
  /** `open`: more entries may exist that we cannot see (`{**unknown, 'lr': lr}`). */
  | { t: 'dict'; entries: [Val, Val][]; open: boolean; at?: At }
  /** An object of a library the analysis models, through the attributes it knows (a search's `cv_results_`). */
  | { t: 'object'; kind: string; attrs: Map<string, Val> }
  | { t: 'unknown' };

export const UNKNOWN: Val = Object.freeze({ t: 'unknown' }) as Val;

export function scalar(v: Scalar, float = false, at?: At): Val {
  return at ? { t: 'scalar', v, float, at } : float ? { t: 'scalar', v, float } : { t: 'scalar', v };
}

export function seq(items: Val[], tuple = false, at?: At): Val {
  return at ? { t: 'seq', items, tuple, at } : { t: 'seq', items, tuple };
}

export function dict(entries: [Val, Val][], open = false, at?: At): Val {
  return at ? { t: 'dict', entries, open, at } : { t: 'dict', entries, open };
}

/** Where a value's literal sits, if it came straight from one. */
export function siteOf(v: Val): At | undefined {
  return v.t === 'unknown' || v.t === 'object' ? undefined : v.at;
}

export function num(v: Val): number | undefined {
  if (v.t !== 'scalar') return undefined;
  if (typeof v.v === 'number') return v.v;
  if (typeof v.v === 'boolean') return v.v ? 1 : 0;
  return undefined;
}

/** An int in Python's sense (bools included), as a JS number. */
export function int(v: Val): number | undefined {
  if (v.t !== 'scalar' || v.float) return undefined;
  const n = num(v);
  return n !== undefined && Number.isInteger(n) ? n : undefined;
}

export function str(v: Val): string | undefined {
  return v.t === 'scalar' && typeof v.v === 'string' ? v.v : undefined;
}

/**
 * The JSON meaning of a value, or undefined if any part is unknown. A big integer stays a bigint
 * (the canonical module keeps it exact). Tuples become arrays marked as tuples, and whole floats
 * inside them boxed floats (canonical.ts's `pyTuple`, `pyFloat`), so `str()` of the value, by which
 * it is compared, is Python's: `(64, 64)`, `[1.0]`.
 */
export function toJSON(v: Val, inside = false): unknown {
  switch (v.t) {
    case 'scalar': return inside && v.float && typeof v.v === 'number' ? pyFloat(v.v) : v.v;
    case 'seq': {
      const out: unknown[] = [];
      for (const item of v.items) {
        const j = toJSON(item, true);
        if (j === undefined) return undefined;
        out.push(j);
      }
      return v.tuple ? pyTuple(out) : out;
    }
    case 'dict': {
      if (v.open) return undefined;
      const out: Record<string, unknown> = {};
      for (const [k, item] of v.entries) {
        const key = keyString(k);
        const j = toJSON(item, true);
        if (key === undefined || j === undefined) return undefined;
        out[key] = j;
      }
      return out;
    }
    default: return undefined;
  }
}

/** A dict key as a parameter name. Trackers take only string names, so other keys give none. */
export function keyString(k: Val): string | undefined {
  return k.t === 'scalar' && typeof k.v === 'string' ? k.v : undefined;
}

/** Python's `str()` of a known scalar, as f-strings and `str()` produce it. */
export function scalarText(v: Val, pythonStr: (x: unknown) => string): string | undefined {
  if (v.t !== 'scalar') return undefined;
  const s = pythonStr(v.v);
  // A float that happens to be whole prints with `.0` in Python (`str(5.0) == '5.0'`).
  return v.float && typeof v.v === 'number' && Number.isInteger(v.v) && Math.abs(v.v) < 1e16 ? s + '.0' : s;
}

/** What `for x in v` walks over: a sequence's items, a dict's keys, a string's characters. */
export function iterate(v: Val): Val[] | undefined {
  if (v.t === 'seq') return v.items;
  if (v.t === 'dict') return v.open ? undefined : v.entries.map(e => e[0]);
  if (v.t === 'scalar' && typeof v.v === 'string') return [...v.v].map(c => scalar(c));
  return undefined;
}
