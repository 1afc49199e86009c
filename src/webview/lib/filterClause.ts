/**
 * A clause of the runs filter language (src/core/runs/filter.ts) for a clicked table cell, written
 * so that the filter reads it back exactly: keys and values with odd characters are quoted.
 */
export type ClauseField = { kind: 'param' | 'metric'; key: string } | { kind: 'status' };
export type ClauseOp = '=' | '!=' | '>=' | '<=';

const KEYWORDS = new Set(['and', 'or', 'not', 'in', 'like', 'ilike', 'is', 'null']);
const PLAIN_KEY = /^[A-Za-z_][\w-]*(\.[A-Za-z_][\w-]*)*$/;
const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

const quote = (s: string, q: string) => q + s.replace(/\\/g, '\\\\').replace(new RegExp(q, 'g'), `\\${q}`) + q;

// A quoted key after `params.` reads as the key whatever it holds, even a keyword like `in`.
function key(k: string): string {
  return PLAIN_KEY.test(k) && !KEYWORDS.has(k.toLowerCase()) ? k : quote(k, "'");
}

export function clause(field: ClauseField, op: ClauseOp, value: string | number): string {
  const v = typeof value === 'number' ? String(value) : NUMBER.test(value) ? value : quote(value, "'");
  if (field.kind === 'status') return `status ${op} ${v}`;
  return `${field.kind === 'param' ? 'params' : 'metrics'}.${key(field.key)} ${op} ${v}`;
}

/** Adds a clause to a filter, keeping what the user typed (in parentheses when it has an `or`). */
export function addClause(filter: string, c: string): string {
  const f = filter.trim();
  if (!f) return c;
  return `${/\bor\b/i.test(f) ? `(${f})` : f} and ${c}`;
}
