/**
 * The one place that decides when two parameter values mean the same thing.
 *
 * MLflow stores every parameter as the string Python's `str()` gives, so everything here works on
 * such strings (and on JSON values, which are first rendered the way `str()` would render them).
 * The canonical form is a short string with a type tag:
 *
 *   numbers   `n:<digits>e<exp>` exact decimal, no leading/trailing zeros (`0.001` -> `n:1e-3`,
 *             `32.0` -> `n:32e0`, `0` and `-0.0` -> `n:0`), `n:nan`, `n:inf`, `n:-inf`
 *   booleans  `b:true`, `b:false`       (`True`, `true`)
 *   null      `z:null`                  (`None`, `null`)
 *   strings   `s:<the string exactly>`
 *
 * Numbers compare as exact decimals of their written form, not as doubles, so integers past 2^53
 * stay distinct and both Python's and JavaScript's shortest float spellings agree. A list, tuple
 * or dict compares by the text `str()` gives it, as MLflow stores it: `(64, 64)` is not `[64, 64]`,
 * and `[1.0]` is not `[1]`. JSON cannot say "tuple" or "float", so a value that came from Python
 * code carries both as marks (`pyTuple`, `pyFloat`) that JSON.stringify ignores; `portableValue`
 * turns such a value into its `str()` text before it is copied (to the store's worker, to the
 * runner), which keeps its canonical form.
 * The Python client holds a twin of this module (python/runlens/_canonical.py); both are tested
 * against test/vectors/canonical.json.
 */

const NUMBER = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/;

/** Canonical form of a value as MLflow stores it (Python `str()` of the value). */
export function canonicalParam(raw: string): string {
  const num = canonicalNumber(raw);
  if (num !== undefined) return num;
  switch (raw) {
    case 'True': case 'true': return 'b:true';
    case 'False': case 'false': return 'b:false';
    case 'None': case 'null': return 'z:null';
  }
  return 's:' + raw;
}

/** Canonical form of a JSON value (as a code literal or a JSON document gives it). */
export function canonicalValue(value: unknown): string {
  return canonicalParam(pythonStr(value));
}

const TUPLES = new WeakSet<object>();

/** Marks an array as a Python tuple (`str()` prints `(64, 64)`); JSON still writes an array. Returns it. */
export function pyTuple<T extends unknown[]>(items: T): T {
  TUPLES.add(items);
  return items;
}

export function isPyTuple(value: unknown): boolean {
  return Array.isArray(value) && TUPLES.has(value);
}

/**
 * A Python float, for a whole value inside a list, tuple or dict, where `str()` keeps its `.0`
 * (`[1.0, 2.0]`). A boxed number: JSON writes it as a number. Other numbers are returned as they are.
 */
export function pyFloat(n: number): number | PyFloat {
  return Number.isInteger(n) ? new PyFloat(n) : n;
}

export class PyFloat extends Number {}

/** The string Python's `str()` gives for the Python value a JSON value (with marks) stands for. */
export function pythonStr(value: unknown): string {
  if (value === null || value === undefined) return 'None';
  if (typeof value === 'boolean') return value ? 'True' : 'False';
  if (typeof value === 'number') return pythonFloatRepr(value);
  if (value instanceof Number) return floatRepr(value.valueOf());
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'string') return value;
  return pythonRepr(value);
}

/**
 * A value whose canonical form survives JSON and structured cloning: a list, tuple or dict becomes
 * the text `str()` gives it (`canonicalValue` of that text is the same), a boxed float its number.
 */
export function portableValue(value: unknown): unknown {
  if (value instanceof Number) return value.valueOf();
  return value !== null && typeof value === 'object' ? pythonStr(value) : value;
}

/** Python's repr of a float: `5.0`, never `5`. */
function floatRepr(n: number): string {
  const s = pythonFloatRepr(n);
  return /^-?\d+$/.test(s) ? s + '.0' : s;
}

/** Python's `repr()` of the value (strings quoted as Python quotes them). */
export function pythonRepr(value: unknown): string {
  if (typeof value === 'string') return pythonStringRepr(value);
  if (Array.isArray(value)) {
    const items = value.map(pythonRepr);
    if (!TUPLES.has(value)) return '[' + items.join(', ') + ']';
    return '(' + items.join(', ') + (items.length === 1 ? ',)' : ')');
  }
  if (value !== null && typeof value === 'object' && !(value instanceof Number)) {
    return '{' + Object.entries(value).map(([k, v]) => `${pythonStringRepr(k)}: ${pythonRepr(v)}`).join(', ') + '}';
  }
  return pythonStr(value);
}

const ESCAPES: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

function pythonStringRepr(s: string): string {
  const quote = s.includes("'") && !s.includes('"') ? '"' : "'";
  let out = quote;
  for (const ch of s) {
    const code = ch.codePointAt(0)!;
    if (ch === quote || ch === '\\') out += '\\' + ch;
    else if (ESCAPES[ch]) out += ESCAPES[ch];
    else if (code < 0x20 || (code >= 0x7f && code < 0xa0)) out += '\\x' + code.toString(16).padStart(2, '0');
    else out += ch;
  }
  return out + quote;
}

/**
 * Python's str() of a number. A JavaScript number cannot say whether it was an int or a float:
 * integral values below 1e16 print as ints (what a code literal `32` is), the rest as Python
 * prints floats: shortest round-trip digits, exponent form below 1e-4 and from 1e16 on.
 */
export function pythonFloatRepr(n: number): string {
  if (Number.isNaN(n)) return 'nan';
  if (n === Infinity) return 'inf';
  if (n === -Infinity) return '-inf';
  if (Number.isInteger(n) && Math.abs(n) < 1e16) return Object.is(n, -0) ? '-0' : String(n);
  const m = /^(-?)(\d)(?:\.(\d+))?e([+-]\d+)$/.exec(n.toExponential());
  if (!m) return String(n);
  const [, sign, lead, frac = '', expText] = m;
  const exp = Number(expText);
  const digits = lead + frac;
  if (exp >= -4 && exp < 16) {
    if (exp < 0) return `${sign}0.${'0'.repeat(-exp - 1)}${digits}`;
    const intPart = digits.slice(0, exp + 1).padEnd(exp + 1, '0');
    const fracPart = digits.slice(exp + 1);
    return `${sign}${intPart}.${fracPart || '0'}`;
  }
  const e = `${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
  return `${sign}${lead}${frac ? '.' + frac : ''}e${e}`;
}

function canonicalNumber(raw: string): string | undefined {
  const lower = raw.toLowerCase();
  if (lower === 'nan' || lower === '+nan' || lower === '-nan') return 'n:nan';
  if (lower === 'inf' || lower === '+inf' || lower === 'infinity' || lower === '+infinity') return 'n:inf';
  if (lower === '-inf' || lower === '-infinity') return 'n:-inf';
  const m = NUMBER.exec(raw);
  if (!m) return undefined;
  const [, sign, intPart, fracPart = '', expPart] = m;
  if (intPart === '' && fracPart === '') return undefined;
  let digits = intPart + fracPart;
  let exp = (expPart ? parseInt(expPart, 10) : 0) - fracPart.length;
  digits = digits.replace(/^0+/, '');
  if (digits === '') return 'n:0';
  const trailing = digits.length - digits.replace(/0+$/, '').length;
  digits = digits.slice(0, digits.length - trailing);
  exp += trailing;
  return `n:${sign === '-' ? '-' : ''}${digits}e${exp}`;
}

/** Identity of a combination: its (key, canonical value) pairs, sorted by key. */
export function combinationKey(pairs: Iterable<[string, string]>): string {
  return JSON.stringify([...pairs].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)));
}
