/**
 * Python literal spellings to values: numbers and string literals, decoded as CPython would.
 * Kept apart from evaluation because these rules are the language's, not RunLens's.
 */

export interface NumberLiteral {
  value: number | bigint;
  /** Python float (has `.` or an exponent), as opposed to int: matters only for `str()`. */
  float: boolean;
}

/** A Python number literal, or undefined for complex numbers and malformed text. */
export function parseNumber(text: string): NumberLiteral | undefined {
  const t = text.replace(/_/g, '');
  if (/[jJ]$/.test(t)) return undefined;
  const radix = /^0[xX]/.test(t) ? 16 : /^0[oO]/.test(t) ? 8 : /^0[bB]/.test(t) ? 2 : 10;
  if (radix !== 10 || /^\d+$/.test(t)) {
    let big: bigint;
    try {
      big = radix === 10 ? BigInt(t) : BigInt(t.slice(0, 2).toLowerCase() + t.slice(2));
    } catch { return undefined; }
    const n = Number(big);
    // Integers past 2^53 stay exact as bigint: the canonical form keeps them distinct.
    return { value: Number.isSafeInteger(n) ? n : big, float: false };
  }
  const n = Number(t);
  return Number.isNaN(n) ? undefined : { value: n, float: true };
}

/** Python's `float(str)` on a string value. */
export function parseFloatString(s: string): number | undefined {
  const t = s.trim().toLowerCase().replace(/_/g, '');
  if (/^[+-]?(inf|infinity)$/.test(t)) return t.startsWith('-') ? -Infinity : Infinity;
  if (/^[+-]?nan$/.test(t)) return NaN;
  if (!/^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/.test(t)) return undefined;
  return Number(t);
}

const SIMPLE_ESCAPES: Record<string, string> = {
  '\\': '\\', "'": "'", '"': '"', a: '\x07', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v',
};

/**
 * Decode the text of one string literal (prefix and quotes included). Undefined for bytes
 * literals, `\N{...}` escapes, and strings the parser recovered without a closing quote.
 */
export function parseString(text: string): string | undefined {
  const m = /^([a-zA-Z]*)('''|"""|'|")/.exec(text);
  if (!m) return undefined;
  const prefix = m[1].toLowerCase();
  const quote = m[2];
  if (prefix.includes('b') || prefix.includes('f')) return undefined;
  if (text.length < m[0].length + quote.length || !text.endsWith(quote)) return undefined;
  const body = text.slice(m[0].length, text.length - quote.length);
  return prefix.includes('r') ? body : decodeEscapes(body);
}

/** Backslash escapes of a non-raw string body (also the literal parts of f-strings). */
export function decodeEscapes(body: string): string | undefined {
  if (!body.includes('\\')) return body;
  let out = '';
  for (let i = 0; i < body.length; i++) {
    const ch = body[i];
    if (ch !== '\\' || i + 1 >= body.length) { out += ch; continue; }
    const next = body[++i];
    if (next in SIMPLE_ESCAPES) out += SIMPLE_ESCAPES[next];
    else if (next === '\n') { /* line continuation inside the string */ }
    else if (next === '\r') { if (body[i + 1] === '\n') i++; }
    else if (/[0-7]/.test(next)) {
      let digits = next;
      while (digits.length < 3 && /[0-7]/.test(body[i + 1] ?? '')) digits += body[++i];
      out += String.fromCodePoint(parseInt(digits, 8));
    } else if (next === 'x' || next === 'u' || next === 'U') {
      const len = next === 'x' ? 2 : next === 'u' ? 4 : 8;
      const hex = body.slice(i + 1, i + 1 + len);
      if (!new RegExp(`^[0-9a-fA-F]{${len}}$`).test(hex)) return undefined;
      const cp = parseInt(hex, 16);
      if (cp > 0x10ffff) return undefined;
      out += String.fromCodePoint(cp);
      i += len;
    } else if (next === 'N') return undefined; // named characters need Unicode's name table
    else out += '\\' + next; // Python keeps unknown escapes as written
  }
  return out;
}
