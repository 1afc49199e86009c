/**
 * JSON as Python's `json.dumps` writes it, which is how Optuna stores distributions, attributes and
 * its journal: `NaN`, `Infinity` and `-Infinity` may appear as bare words, and a float keeps its
 * `.0` (`1.0` is a float, `1` an int). `JSON.parse` refuses the first and forgets the second, so
 * what needs either goes through here: values come back with the exact text each was written as.
 */

export type PyJson =
  | { t: 'null' }
  | { t: 'bool'; v: boolean }
  /** `text` as written: `1`, `1.0`, `1e-05`, `NaN`, `-Infinity`. */
  | { t: 'num'; v: number; text: string }
  | { t: 'str'; v: string }
  | { t: 'list'; items: PyJson[] }
  | { t: 'dict'; entries: [string, PyJson][] };

export class PyJsonError extends Error {}

/** Parses one JSON document as Python writes it. Throws PyJsonError when it is not one. */
export function parsePyJson(text: string): PyJson {
  const p = new Parser(text);
  const v = p.value();
  p.space();
  if (p.at < text.length) p.fail('text after the value');
  return v;
}

/**
 * `JSON.parse`, also for Python's bare `NaN` and `Infinity`: the fast native parse, and the slow
 * one only for text that holds them.
 */
export function parseJsonLine(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    if (!/NaN|Infinity/.test(text)) throw e;
    return plain(parsePyJson(text));
  }
}

/** The plain JavaScript value (numbers as numbers). */
export function plain(v: PyJson): unknown {
  switch (v.t) {
    case 'null': return null;
    case 'bool': case 'num': case 'str': return v.v;
    case 'list': return v.items.map(plain);
    case 'dict': {
      const out: Record<string, unknown> = {};
      for (const [k, item] of v.entries) Object.defineProperty(out, k, { value: plain(item), enumerable: true, writable: true, configurable: true });
      return out;
    }
  }
}

/** What Python's `str()` prints for the value, for a scalar (as Optuna's params are): `None`, `True`, `0.1`, `1.0`, `inf`. */
export function pyStr(v: PyJson): string {
  switch (v.t) {
    case 'null': return 'None';
    case 'bool': return v.v ? 'True' : 'False';
    case 'str': return v.v;
    // json.dumps writes a float as repr() does, but for the three words Python spells otherwise.
    case 'num': return v.text === 'NaN' ? 'nan' : v.text === 'Infinity' ? 'inf' : v.text === '-Infinity' ? '-inf' : v.text;
    default: return pyDumps(v);
  }
}

/** The value written back as `json.dumps` writes it (default separators, ASCII only). */
export function pyDumps(v: PyJson): string {
  switch (v.t) {
    case 'null': return 'null';
    case 'bool': return v.v ? 'true' : 'false';
    case 'num': return v.text;
    case 'str': return asciiJson(v.v);
    case 'list': return '[' + v.items.map(pyDumps).join(', ') + ']';
    case 'dict': return '{' + v.entries.map(([k, item]) => `${asciiJson(k)}: ${pyDumps(item)}`).join(', ') + '}';
  }
}

function asciiJson(s: string): string {
  return JSON.stringify(s).replace(/[\u0080-\uffff]/g, (c) => '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0'));
}

const WORDS: Record<string, PyJson> = {
  null: { t: 'null' }, true: { t: 'bool', v: true }, false: { t: 'bool', v: false },
  NaN: { t: 'num', v: NaN, text: 'NaN' }, Infinity: { t: 'num', v: Infinity, text: 'Infinity' },
};
const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
// A JSON string; control characters inside one are left for JSON.parse to refuse.
const STRING = /"(?:[^"\\]|\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4}))*"/y;

class Parser {
  at = 0;
  constructor(private readonly s: string) {}

  fail(what: string): never {
    throw new PyJsonError(`${what} at character ${this.at + 1}`);
  }

  space(): void {
    while (this.at < this.s.length && ' \t\n\r'.includes(this.s[this.at])) this.at++;
  }

  value(): PyJson {
    this.space();
    const c = this.s[this.at];
    if (c === '{') return this.dict();
    if (c === '[') return this.list();
    if (c === '"') return { t: 'str', v: this.string() };
    if (this.s.startsWith('-Infinity', this.at)) {
      this.at += 9;
      return { t: 'num', v: -Infinity, text: '-Infinity' };
    }
    for (const [word, v] of Object.entries(WORDS)) {
      if (this.s.startsWith(word, this.at)) { this.at += word.length; return v; }
    }
    NUMBER.lastIndex = this.at;
    const m = NUMBER.exec(this.s);
    if (!m) this.fail('not a JSON value');
    this.at += m[0].length;
    return { t: 'num', v: Number(m[0]), text: m[0] };
  }

  private string(): string {
    STRING.lastIndex = this.at;
    const m = STRING.exec(this.s);
    if (!m) this.fail('an unfinished string');
    this.at += m[0].length;
    return JSON.parse(m[0]) as string;
  }

  private list(): PyJson {
    this.at++;
    const items: PyJson[] = [];
    this.space();
    if (this.s[this.at] === ']') { this.at++; return { t: 'list', items }; }
    for (;;) {
      items.push(this.value());
      this.space();
      const c = this.s[this.at++];
      if (c === ']') return { t: 'list', items };
      if (c !== ',') { this.at--; this.fail("expected ',' or ']'"); }
    }
  }

  private dict(): PyJson {
    this.at++;
    const entries: [string, PyJson][] = [];
    this.space();
    if (this.s[this.at] === '}') { this.at++; return { t: 'dict', entries }; }
    for (;;) {
      this.space();
      if (this.s[this.at] !== '"') this.fail('expected a key');
      const key = this.string();
      this.space();
      if (this.s[this.at++] !== ':') { this.at--; this.fail("expected ':'"); }
      entries.push([key, this.value()]);
      this.space();
      const c = this.s[this.at++];
      if (c === '}') return { t: 'dict', entries };
      if (c !== ',') { this.at--; this.fail("expected ',' or '}'"); }
    }
  }
}

/**
 * The text of a member of a JSON object's top level, found without parsing the rest: for a long
 * line whose one small part needs Python's exact texts (a trial's user attributes in the journal).
 */
export function rawMember(text: string, key: string): string | undefined {
  const want = JSON.stringify(key);
  let depth = 0;
  /** The top-level member being passed, and where its value starts. */
  let name: string | undefined;
  let from = -1;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"') {
      const start = i;
      for (i++; i < text.length && text[i] !== '"'; i++) if (text[i] === '\\') i++;
      if (depth === 1 && from < 0) {
        let j = i + 1;
        while (text[j] === ' ') j++;
        if (text[j] === ':') { name = text.slice(start, i + 1); from = j + 1; i = j; }
      }
    } else if (c === '{' || c === '[') {
      depth++;
    } else if (c === '}' || c === ']' || c === ',') {
      if (c !== ',') depth--;
      if (from >= 0 && (depth === 0 || (c === ',' && depth === 1))) {
        if (name === want) return text.slice(from, i).trim();
        from = -1;
      }
    }
  }
  return undefined;
}

/** The entry of a dict, or undefined. */
export function entry(v: PyJson | undefined, key: string): PyJson | undefined {
  return v?.t === 'dict' ? v.entries.find(([k]) => k === key)?.[1] : undefined;
}
