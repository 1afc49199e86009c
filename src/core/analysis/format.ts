/**
 * Python's formatting of numbers and strings, as `format(value, spec)`, f-strings (`f"{lr:.0e}"`),
 * `round(x, n)` and `repr()` give them. Rounding is to the nearest, ties to even, on the exact
 * binary value of a float, as CPython does: `format(0.125, '.2f')` is `0.12`, and
 * `round(2.675, 2)` is 2.67 (the double below 2.675). JavaScript's `toFixed` rounds ties up.
 * Undefined wherever Python would raise or this module does not follow it.
 */
import { pythonFloatRepr, pythonStr } from '../params/canonical';
import { binaryParts } from './numeric';

/** A float (or an int, `float: false`) as Python sees it. */
export interface PyNumber { value: number | bigint; float: boolean }

/** The exact decimal digits of a finite double: |x| = digits × 10^-scale (digits without sign). */
function exact(x: number): { neg: boolean; digits: bigint; scale: number } {
  const neg = x < 0 || Object.is(x, -0);
  const { mant, exp } = binaryParts(x);
  if (exp >= 0) return { neg, digits: mant << BigInt(exp), scale: 0 };
  return { neg, digits: mant * 5n ** BigInt(-exp), scale: -exp };
}

/** `digits × 10^-scale` rounded to `keep` fractional digits, ties to even: the new digits. */
function roundTo(digits: bigint, scale: number, keep: number): bigint {
  if (keep >= scale) return digits * 10n ** BigInt(keep - scale);
  const div = 10n ** BigInt(scale - keep);
  const q = digits / div, r = digits % div;
  const twice = 2n * r;
  return twice > div || (twice === div && q % 2n === 1n) ? q + 1n : q;
}

/** Fixed notation with `prec` decimals, without sign: `0.12`. */
function fixed(x: number, prec: number): string {
  const { digits, scale } = exact(x);
  const s = roundTo(digits, scale, prec).toString().padStart(prec + 1, '0');
  return prec ? `${s.slice(0, -prec)}.${s.slice(-prec)}` : s;
}

/** Scientific notation with `prec` decimals, without sign: `1.25e-03`. */
function scientific(x: number, prec: number, upper = false): string {
  const { digits, scale } = exact(x);
  let e = 0, mant = '0'.repeat(prec + 1);
  if (digits !== 0n) {
    e = digits.toString().length - 1 - scale;
    // Keep prec + 1 significant digits; rounding may carry into a new digit (9.99 -> 10.0).
    let m = roundTo(digits, scale, prec - e).toString();
    if (m.length > prec + 1) { e++; m = roundTo(digits, scale, prec - e).toString(); }
    mant = m;
  }
  const body = prec ? `${mant[0]}.${mant.slice(1)}` : mant[0];
  const exp = `${e < 0 ? '-' : '+'}${String(Math.abs(e)).padStart(2, '0')}`;
  return `${body}${upper ? 'E' : 'e'}${exp}`;
}

/** The 'g' rule: fixed or scientific by the exponent, trailing zeros dropped unless `alt`. */
function general(x: number, prec: number, alt: boolean, upper: boolean, keepPoint = false): string {
  const p = prec === 0 ? 1 : prec;
  const sci = scientific(x, p - 1);
  const e = Number(sci.slice(sci.indexOf('e') + 1));
  let out: string;
  if (e >= -4 && e < p) {
    out = fixed(x, p - 1 - e);
    if (!alt && out.includes('.')) out = out.replace(/0+$/, '').replace(/\.$/, keepPoint ? '.0' : '');
  } else {
    const [mant, ex] = sci.split('e');
    const m = !alt && mant.includes('.') ? mant.replace(/0+$/, '').replace(/\.$/, '') : mant;
    out = `${m}e${ex}`;
  }
  return upper ? out.toUpperCase() : out;
}

/** Python's `round(x)` (ndigits omitted: an int) and `round(x, n)`. */
export function pyRound(x: PyNumber, ndigits: number | undefined): PyNumber | undefined {
  if (!x.float) {
    if (ndigits === undefined || ndigits >= 0) return { value: x.value, float: false };
    if (typeof x.value === 'bigint') return undefined;
    const unit = 10 ** -ndigits;
    const r = Number(roundTo(BigInt(Math.abs(x.value)), -ndigits, 0)) * unit;
    return { value: x.value < 0 ? -r : r, float: false };
  }
  const v = Number(x.value);
  if (!Number.isFinite(v)) return ndigits === undefined ? undefined : { value: v, float: true };
  if (ndigits === undefined) {
    const { neg, digits, scale } = exact(v);
    const r = Number(roundTo(digits, scale, 0));
    return Number.isSafeInteger(r) ? { value: neg ? -r || 0 : r, float: false } : undefined;
  }
  if (ndigits > 300 || ndigits < -300) return undefined;
  const { neg, digits, scale } = exact(v);
  const text = ndigits >= 0 ? `${roundTo(digits, scale, ndigits)}e-${ndigits}` : `${roundTo(digits, scale, ndigits)}e${-ndigits}`;
  const r = Number(text);
  return { value: neg ? -r : r, float: true };
}

interface Spec { fill: string; align?: string; sign: string; z: boolean; alt: boolean; width: number; group: string; prec?: number; type: string }

const SPEC = /^(?:(.)?([<>=^]))?([+\- ])?(z)?(#)?(0)?(\d+)?([,_])?(?:\.(\d+))?([bcdeEfFgGnosxX%])?$/su;

function parseSpec(spec: string): Spec | undefined {
  const m = SPEC.exec(spec);
  if (!m) return undefined;
  const [, fill, align, sign, z, alt, zero, width, group, prec, type] = m;
  return {
    fill: fill ?? (zero && !align ? '0' : ' '), align: align ?? (zero ? '=' : undefined), sign: sign ?? '-',
    z: !!z, alt: !!alt, width: width ? Number(width) : 0, group: group ?? '', prec: prec === undefined ? undefined : Number(prec), type: type ?? '',
  };
}

function group(intPart: string, sep: string, every: number): string {
  if (!sep) return intPart;
  let out = '';
  for (let i = intPart.length; i > 0; i -= every) out = intPart.slice(Math.max(0, i - every), i) + (out ? sep + out : '');
  return out;
}

function pad(body: string, sign: string, s: Spec, defaultAlign: string): string {
  const len = [...sign + body].length;
  if (len >= s.width) return sign + body;
  const fill = s.fill.repeat(s.width - len);
  switch (s.align ?? defaultAlign) {
    case '<': return sign + body + fill;
    case '^': { const left = fill.slice(0, Math.floor(fill.length / 2)); return left + sign + body + fill.slice(left.length); }
    case '=': return sign + fill + body;
    default: return fill + sign + body;
  }
}

/** `format(value, spec)` for a str, an int, a float or a bool; undefined where Python raises. */
export function pyFormat(value: string | PyNumber | boolean | null, spec: string): string | undefined {
  if (spec === '') return value === null ? 'None' : typeof value === 'string' ? value : typeof value === 'boolean' ? pythonStr(value) : numberStr(value);
  const s = parseSpec(spec);
  if (!s || value === null) return undefined;
  if (typeof value === 'string') {
    if (s.type && s.type !== 's') return undefined;
    if (s.sign !== '-' || s.alt || s.group || s.align === '=') return undefined;
    return pad(s.prec === undefined ? value : [...value].slice(0, s.prec).join(''), '', s, '<');
  }
  const n: PyNumber = typeof value === 'boolean' ? { value: value ? 1 : 0, float: false } : value;
  const intType = 'bcdoxXn'.includes(s.type) && s.type !== '';
  if (intType || (s.type === '' && !n.float)) {
    if (n.float || s.prec !== undefined) return undefined;
    return formatInt(BigInt(n.value), s);
  }
  return formatFloat(Number(n.value), s, n.float);
}

function numberStr(n: PyNumber): string {
  if (!n.float) return String(n.value);
  const s = pythonFloatRepr(Number(n.value));
  return /^-?\d+$/.test(s) ? s + '.0' : s;
}

function formatInt(v: bigint, s: Spec): string | undefined {
  const neg = v < 0n;
  const abs = neg ? -v : v;
  const radix = { b: 2, o: 8, x: 16, X: 16 }[s.type as 'b'] ?? 10;
  if (s.type === 'c') return undefined;
  let body = abs.toString(radix);
  if (s.type === 'X') body = body.toUpperCase();
  body = group(body, s.group, radix === 10 ? 3 : 4);
  const prefix = s.alt && radix !== 10 ? `0${s.type === 'X' ? 'X' : s.type}` : '';
  const sign = neg ? '-' : s.sign === '+' ? '+' : s.sign === ' ' ? ' ' : '';
  return pad(body, sign + prefix, s, '>');
}

function formatFloat(x: number, s: Spec, isFloat: boolean): string | undefined {
  if (s.type === 'n') s = { ...s, type: isFloat ? 'g' : 'd' };
  let neg = x < 0 || Object.is(x, -0);
  const a = Math.abs(x);
  let body: string;
  if (!Number.isFinite(a)) body = Number.isNaN(a) ? 'nan' : 'inf';
  else switch (s.type) {
    case 'f': case 'F': body = fixed(a, s.prec ?? 6); break;
    case 'e': case 'E': body = scientific(a, s.prec ?? 6, s.type === 'E'); break;
    case 'g': case 'G': body = general(a, s.prec ?? 6, s.alt, s.type === 'G'); break;
    case '%': body = fixed(a * 100, s.prec ?? 6) + '%'; break;
    case '': body = s.prec === undefined ? numberStr({ value: a, float: isFloat }) : general(a, s.prec, s.alt, false, true); break;
    default: return undefined;
  }
  if ('FEG'.includes(s.type) && s.type) body = body.toUpperCase();
  if (s.alt && s.type && 'fF%'.includes(s.type) && !body.includes('.')) body = body.replace(/(\d)(%?)$/, '$1.$2');
  if (s.group) {
    const m = /^(\d+)(.*)$/s.exec(body);
    if (m) body = group(m[1], s.group, 3) + m[2];
  }
  if (neg && s.z && /^[0.]*(e[+-]\d+)?%?$/i.test(body.replace(/[eE][+-]\d+/, ''))) neg = false;
  const sign = neg ? '-' : s.sign === '+' ? '+' : s.sign === ' ' ? ' ' : '';
  return pad(body, sign, s, '>');
}
