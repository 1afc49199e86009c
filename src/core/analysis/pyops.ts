/**
 * Python's operators on known values, answering undefined where Python would raise or where the
 * operands are not known (three-valued logic for filters: true, false, or cannot tell).
 */
import { accuratePow } from './numeric';
import { dict, num, scalar, seq, UNKNOWN, type Val } from './pyValue';

export function truthy(v: Val): boolean | undefined {
  switch (v.t) {
    case 'scalar':
      if (v.v === null) return false;
      if (typeof v.v === 'string') return v.v.length > 0;
      if (typeof v.v === 'bigint') return v.v !== 0n;
      return !!v.v;
    case 'seq': return v.items.length > 0;
    case 'dict': return v.open ? undefined : v.entries.length > 0;
    default: return undefined;
  }
}

function equals(a: Val, b: Val): boolean | undefined {
  if (a.t === 'unknown' || b.t === 'unknown' || a.t === 'object' || b.t === 'object') return undefined;
  if (a.t === 'scalar' && b.t === 'scalar') {
    const x = a.v, y = b.v;
    if (typeof x === 'string' || typeof y === 'string') return x === y;
    if (x === null || y === null) return x === y;
    if (typeof x === 'bigint' || typeof y === 'bigint') {
      return (typeof x === 'bigint' || Number.isInteger(Number(x))) && (typeof y === 'bigint' || Number.isInteger(Number(y)))
        ? BigInt(x as number | bigint) === BigInt(y as number | bigint) : false;
    }
    return Number(x) === Number(y); // True == 1 and 1 == 1.0 in Python
  }
  if (a.t === 'seq' && b.t === 'seq') {
    if (a.tuple !== b.tuple || a.items.length !== b.items.length) return false;
    let result: boolean | undefined = true;
    for (let i = 0; i < a.items.length; i++) {
      const e = equals(a.items[i], b.items[i]);
      if (e === false) return false;
      if (e === undefined) result = undefined;
    }
    return result;
  }
  if (a.t === 'dict' && b.t === 'dict') {
    if (a.open || b.open) return undefined;
    if (a.entries.length !== b.entries.length) return false;
    let result: boolean | undefined = true;
    for (const [k, v] of a.entries) {
      const other = lookupKey(b, k);
      if (other === undefined) return false;
      const e = equals(v, other);
      if (e === false) return false;
      if (e === undefined) result = undefined;
    }
    return result;
  }
  return false;
}

/** -1, 0, 1 for Python's ordering, undefined where Python raises TypeError. */
export function order(a: Val, b: Val): number | undefined {
  if (a.t === 'scalar' && b.t === 'scalar') {
    if (typeof a.v === 'string' && typeof b.v === 'string') return a.v < b.v ? -1 : a.v > b.v ? 1 : 0;
    const x = num(a), y = num(b);
    if (x === undefined || y === undefined || Number.isNaN(x) || Number.isNaN(y)) return undefined;
    return x < y ? -1 : x > y ? 1 : 0;
  }
  if (a.t === 'seq' && b.t === 'seq' && a.tuple === b.tuple) {
    for (let i = 0; i < Math.min(a.items.length, b.items.length); i++) {
      const e = equals(a.items[i], b.items[i]);
      if (e === undefined) return undefined;
      if (!e) return order(a.items[i], b.items[i]);
    }
    return Math.sign(a.items.length - b.items.length);
  }
  return undefined;
}

function contains(container: Val, item: Val): boolean | undefined {
  if (container.t === 'scalar' && typeof container.v === 'string') {
    return item.t === 'scalar' && typeof item.v === 'string' ? container.v.includes(item.v) : undefined;
  }
  const members = container.t === 'seq' ? container.items
    : container.t === 'dict' ? container.entries.map(e => e[0]) : undefined;
  if (!members) return undefined;
  let result: boolean | undefined = false;
  for (const m of members) {
    const e = equals(m, item);
    if (e) return true;
    if (e === undefined) result = undefined;
  }
  return container.t === 'dict' && container.open && !result ? undefined : result;
}

export function lookupKey(d: Extract<Val, { t: 'dict' }>, key: Val): Val | undefined {
  for (let i = d.entries.length - 1; i >= 0; i--) if (equals(d.entries[i][0], key)) return d.entries[i][1];
  return undefined;
}

export function compare(op: string, a: Val, b: Val): boolean | undefined {
  switch (op) {
    case '==': return equals(a, b);
    case '!=': case '<>': { const e = equals(a, b); return e === undefined ? undefined : !e; }
    case 'in': return contains(b, a);
    case 'not in': { const c = contains(b, a); return c === undefined ? undefined : !c; }
    case 'is': case 'is not': {
      // Identity is only predictable for None, True and False.
      const singleton = (v: Val) => v.t === 'scalar' && (v.v === null || typeof v.v === 'boolean');
      if (a.t === 'unknown' || b.t === 'unknown' || (!singleton(a) && !singleton(b))) return undefined;
      const same = a.t === 'scalar' && b.t === 'scalar' && a.v === b.v;
      return op === 'is' ? same : !same;
    }
  }
  const o = order(a, b);
  if (o === undefined) return undefined;
  switch (op) {
    case '<': return o < 0;
    case '>': return o > 0;
    case '<=': return o <= 0;
    case '>=': return o >= 0;
  }
  return undefined;
}

/** Arithmetic on known numbers (and `+`/`*` on strings and sequences, `|` on dicts). */
export function arith(op: string, a: Val, b: Val): Val {
  if (op === '|' && a.t === 'dict' && b.t === 'dict') return dict(dedupeKeys([...a.entries, ...b.entries]), a.open || b.open);
  if (op === '+' && a.t === 'scalar' && b.t === 'scalar' && typeof a.v === 'string' && typeof b.v === 'string') {
    return scalar(a.v + b.v);
  }
  if (op === '+' && a.t === 'seq' && b.t === 'seq' && a.tuple === b.tuple) return seq([...a.items, ...b.items], a.tuple);
  if (op === '*' && a.t === 'seq' && b.t === 'scalar' || op === '*' && b.t === 'seq' && a.t === 'scalar') {
    const [s, n] = a.t === 'seq' ? [a, num(b)] : [b as Extract<Val, { t: 'seq' }>, num(a)];
    if (n === undefined || !Number.isInteger(n) || n * s.items.length > 100_000) return UNKNOWN;
    const items: Val[] = [];
    for (let i = 0; i < n; i++) items.push(...s.items);
    return seq(items, s.tuple);
  }
  const x = num(a), y = num(b);
  if (x === undefined || y === undefined || a.t !== 'scalar' || b.t !== 'scalar') return UNKNOWN;
  if (typeof a.v === 'string' || typeof b.v === 'string') return UNKNOWN;
  const float = !!(a.float || b.float);
  switch (op) {
    case '+': return intOrFloat(x + y, float);
    case '-': return intOrFloat(x - y, float);
    case '*': return intOrFloat(x * y, float);
    case '/': return y === 0 ? UNKNOWN : scalar(x / y, true);
    case '//': return y === 0 ? UNKNOWN : intOrFloat(Math.floor(x / y), float);
    case '%': {
      if (y === 0) return UNKNOWN;
      let r = x % y;
      if (r !== 0 && (r < 0) !== (y < 0)) r += y; // Python's modulo takes the divisor's sign
      return intOrFloat(r, float);
    }
    case '**': {
      if (!float && y >= 0) return intOrFloat(x ** y, false);
      if (x === 0 && y < 0) return UNKNOWN;
      if (x < 0 && !Number.isInteger(y)) return UNKNOWN; // complex in Python
      return scalar(accuratePow(x, y), true);
    }
  }
  return UNKNOWN;
}

/** Python ints are exact; past 2^53 a JS number is not, so such results are unknown. */
function intOrFloat(n: number, float: boolean): Val {
  if (!float && !Number.isSafeInteger(n)) return UNKNOWN;
  return scalar(n, float);
}

/** A repeated key keeps its first place and takes the later value, as in a Python dict. */
export function dedupeKeys(entries: [Val, Val][]): [Val, Val][] {
  if (distinctStringKeys(entries)) return entries;
  const out: [Val, Val][] = [];
  for (const [k, v] of entries) {
    const i = out.findIndex(e => compare('==', e[0], k) === true);
    if (i >= 0) out[i] = [out[i][0], v]; else out.push([k, v]);
  }
  return out;
}

function distinctStringKeys(entries: [Val, Val][]): boolean {
  if (entries.length < 2) return true;
  const seen = new Set<string>();
  for (const [k] of entries) {
    if (k.t !== 'scalar' || typeof k.v !== 'string' || seen.has(k.v)) return false;
    seen.add(k.v);
  }
  return true;
}

/**
 * A value chosen at run time among known ones (`if args.quick: lrs = [..] else: lrs = [..]`,
 * `GRIDS[args.size]`): what they agree on. Equal values are that value; lists keep the items every
 * one of them has, in the first one's order, and one unknown item when any has another; dicts keep
 * the keys all of them have, each by the same rule. Anything else is unknown.
 */
export function oneOf(vals: Val[]): Val {
  if (!vals.length) return UNKNOWN;
  const [first, ...rest] = vals;
  if (rest.every(v => equals(v, first) === true)) return first;
  if (vals.every(v => v.t === 'seq')) {
    const lists = vals as Extract<Val, { t: 'seq' }>[];
    const common = lists[0].items.filter(item => lists.every(l => l.items.some(x => equals(x, item) === true)));
    const extra = lists.some(l => l.items.length !== common.length);
    return seq(extra ? [...common, UNKNOWN] : common, false);
  }
  if (vals.every(v => v.t === 'dict' && !v.open)) {
    const dicts = vals as Extract<Val, { t: 'dict' }>[];
    const entries: [Val, Val][] = [];
    for (const [k] of dicts[0].entries) {
      const values = dicts.map(d => lookupKey(d, k));
      if (values.every(v => v !== undefined)) entries.push([k, oneOf(values as Val[])]);
    }
    return dict(entries, dicts.some(d => d.entries.length !== entries.length));
  }
  return UNKNOWN;
}
