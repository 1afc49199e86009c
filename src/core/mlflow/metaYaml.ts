/**
 * Reading the `meta.yaml` files of MLflow's file store (written by PyYAML's `safe_dump`).
 *
 * Scalars are kept as strings (only `null`/`~`/empty resolve to null): legacy stores write
 * experiment ids as bare integers of up to 19 digits, which a YAML number would round.
 */
import { FAILSAFE_SCHEMA, Type, load } from 'js-yaml';
import type { ImportProblem } from './model';

/** YAML's null, the only implicit type kept (PyYAML writes `end_time: null`). */
const NULL = new Type('tag:yaml.org,2002:null', {
  kind: 'scalar',
  resolve: (data: string | null) => data === null || ['', '~', 'null', 'Null', 'NULL'].includes(data),
  construct: () => null,
});
export const META_SCHEMA = FAILSAFE_SCHEMA.extend({ implicit: [NULL] });

/** A parsed `meta.yaml`, and what was wrong with the fields asked of it. */
export class Meta {
  private constructor(
    private readonly fields: Record<string, unknown>,
    private readonly path: string,
    private readonly problems: ImportProblem[],
  ) {}

  /** Parses `text`; on failure records a problem and returns undefined. */
  static parse(text: string, path: string, problems: ImportProblem[]): Meta | undefined {
    let doc: unknown = plainMapping(text);
    try {
      // `json`: a key given twice keeps its last value, as PyYAML reads it, instead of failing.
      doc ??= load(text, { schema: META_SCHEMA, filename: path, json: true });
    } catch (err) {
      problems.push({ path, message: `not valid YAML: ${firstLine(err)}` });
      return undefined;
    }
    if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) {
      problems.push({ path, message: 'not a YAML mapping of fields' });
      return undefined;
    }
    return new Meta(doc as Record<string, unknown>, path, problems);
  }

  /** A text field; missing or null gives undefined (reported when `required`). */
  text(name: string, required = false): string | undefined {
    const value = this.fields[name];
    if (typeof value === 'string') return value;
    if (value !== undefined && value !== null) this.report(name, 'is not a single value');
    else if (required) this.report(name, 'is missing');
    return undefined;
  }

  /** An integer field (ms timestamps); missing or null gives null. */
  integer(name: string): number | null {
    const raw = this.text(name);
    if (raw === undefined) return null;
    if (/^[+-]?\d+$/.test(raw.trim())) return Number(raw);
    this.report(name, `is not an integer: ${JSON.stringify(raw)}`);
    return null;
  }

  report(name: string, what: string): void {
    this.problems.push({ path: this.path, message: `field '${name}' ${what}` });
  }
}

/**
 * The fields of a `meta.yaml` that is only lines of `key: value` as PyYAML's `safe_dump` writes
 * them (a plain value of plain characters, `''`, a single-quoted value, `[]`, `{}`, or none),
 * read as `load` with META_SCHEMA reads them; undefined for anything else, which `load` then
 * reads. A store holds a meta.yaml per run, and js-yaml takes ten times as long over each.
 */
export function plainMapping(text: string): Record<string, unknown> | undefined {
  if (text === '' || text.includes('\r')) return undefined;
  const fields: Record<string, unknown> = {};
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  for (const line of lines) {
    const m = PLAIN_LINE.exec(line);
    if (!m || m[1] === '__proto__') return undefined;
    const raw = m[2];
    let value: unknown;
    if (raw === undefined || raw === '~' || raw === 'null' || raw === 'Null' || raw === 'NULL') value = null;
    else if (raw === '[]') value = [];
    else if (raw === '{}') value = {};
    else if (raw.charCodeAt(0) === 39 /* ' */) value = raw.slice(1, -1).replaceAll("''", "'");
    else value = raw;
    fields[m[1]] = value;
  }
  return fields;
}

/**
 * `key: value` or `key:`. A plain value starts with a letter, a digit, `_`, `/` or `.`, holds only
 * those, `:`, `@`, `+`, `=`, `~`, `-` and single spaces, and ends with none of `:` or a space, and
 * never has `: ` (so YAML reads it as one plain scalar); a quoted one holds printable ASCII and no
 * lone `'`.
 */
const PLAIN_LINE = /^([A-Za-z_][A-Za-z0-9_]*):(?: ((?:[A-Za-z0-9_/.](?:[A-Za-z0-9_/.@+=~-]|:(?! |$)| (?! |$))*)|'(?:[ -&(-~]|'')*'|\[\]|\{\}))?$/;

export function firstLine(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  return message.split('\n')[0];
}
