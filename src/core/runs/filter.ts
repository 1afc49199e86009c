/**
 * The runs filter: MLflow's `filter_string` and what its users ask for and cannot have there (`or`,
 * `not`, parentheses, bare words), compiled to SQL over the catalog.
 *
 *   params.lr = 0.01 and metrics.accuracy > 0.8
 *   params.optimizer in ('adam', 'sgd')
 *   status = failed or status = crashed
 *   tags.team = 'vision' and name like 'lr%'
 *
 * Parameters compare by meaning (`params.lr = 1e-2` matches a logged `0.01`), numbers by value.
 * A query that cannot be read raises a FilterError that says where. The Python client evaluates
 * the same language over runs in memory (python/runlens/_filter.py, for runlens.mlflow.search_runs);
 * both are tested against test/vectors/run-filters.json.
 */
import type { SqlValue } from 'sql.js';
import { canonicalParam } from '../params/canonical';

export class FilterError extends Error {
  constructor(message: string, readonly position: number) {
    super(`${message} (at column ${position + 1})`);
  }
}

type Token =
  | { kind: 'word'; text: string; pos: number }
  | { kind: 'string'; text: string; pos: number }
  | { kind: 'number'; text: string; pos: number }
  | { kind: 'op'; text: string; pos: number }
  | { kind: 'punct'; text: '(' | ')' | ',' | '.'; pos: number }
  | { kind: 'end'; text: ''; pos: number };

const KEYWORDS = new Set(['and', 'or', 'not', 'in', 'like', 'ilike', 'is', 'null']);

function tokenize(q: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < q.length) {
    const c = q[i];
    if (/\s/.test(c)) { i++; continue; }
    if (c === '"' || c === "'" || c === '`') {
      let j = i + 1;
      let text = '';
      while (j < q.length && q[j] !== c) {
        if (q[j] === '\\' && j + 1 < q.length) { text += q[j + 1]; j += 2; continue; }
        text += q[j++];
      }
      if (j >= q.length) throw new FilterError(`a quote ${c} is not closed`, i);
      // A backquoted name is a word (a key with spaces or dots); a quoted one is a string.
      out.push(c === '`' ? { kind: 'word', text, pos: i } : { kind: 'string', text, pos: i });
      i = j + 1;
      continue;
    }
    const num = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?/.exec(q.slice(i));
    if (num && (c !== '+' && c !== '-' || !/[\w)'"]/.test(out.at(-1)?.text.slice(-1) ?? ''))) {
      out.push({ kind: 'number', text: num[0], pos: i });
      i += num[0].length;
      continue;
    }
    const op = /^(<=|>=|!=|<>|==|=|<|>)/.exec(q.slice(i));
    if (op) { out.push({ kind: 'op', text: op[0], pos: i }); i += op[0].length; continue; }
    if ('(),.'.includes(c)) { out.push({ kind: 'punct', text: c as '(' | ')' | ',' | '.', pos: i }); i++; continue; }
    const word = /^[^\s()',."`=<>!]+/u.exec(q.slice(i));
    if (word) { out.push({ kind: 'word', text: word[0], pos: i }); i += word[0].length; continue; }
    throw new FilterError(`unexpected '${c}'`, i);
  }
  out.push({ kind: 'end', text: '', pos: q.length });
  return out;
}

export type Field =
  | { kind: 'param' | 'metric' | 'tag'; key: string }
  | { kind: 'attribute'; name: 'status' | 'name' | 'experiment' | 'run_id' | 'start_time' | 'end_time' };

type Value = { kind: 'number' | 'string'; text: string; pos: number };

export type FilterNode =
  | { kind: 'and' | 'or'; left: FilterNode; right: FilterNode }
  | { kind: 'not'; operand: FilterNode }
  | { kind: 'compare'; field: Field; op: string; value: Value }
  | { kind: 'in'; field: Field; values: Value[]; negated: boolean }
  | { kind: 'like'; field: Field; pattern: string; caseless: boolean; negated: boolean }
  | { kind: 'null'; field: Field; negated: boolean };

const PREFIX: Record<string, 'param' | 'metric' | 'tag' | 'attribute'> = {
  params: 'param', param: 'param', p: 'param', metrics: 'metric', metric: 'metric', m: 'metric',
  tags: 'tag', tag: 'tag', t: 'tag', attributes: 'attribute', attribute: 'attribute', attr: 'attribute', a: 'attribute',
};
const ATTRIBUTES: Record<string, Field & { kind: 'attribute' }> = {
  status: { kind: 'attribute', name: 'status' }, name: { kind: 'attribute', name: 'name' }, run_name: { kind: 'attribute', name: 'name' },
  experiment: { kind: 'attribute', name: 'experiment' }, run_id: { kind: 'attribute', name: 'run_id' }, id: { kind: 'attribute', name: 'run_id' },
  start_time: { kind: 'attribute', name: 'start_time' }, end_time: { kind: 'attribute', name: 'end_time' },
};

export function parseFilter(query: string): FilterNode | undefined {
  if (!query.trim()) return undefined;
  const tokens = tokenize(query);
  let i = 0;
  const peek = () => tokens[i];
  const isWord = (w: string) => peek().kind === 'word' && peek().text.toLowerCase() === w;
  const expect = (text: string) => {
    if (peek().text.toLowerCase() !== text) throw new FilterError(`expected '${text}' but found ${describe(peek())}`, peek().pos);
    i++;
  };

  const field = (): Field => {
    const t = peek();
    if (t.kind !== 'word' || KEYWORDS.has(t.text.toLowerCase())) throw new FilterError(`expected a field such as params.lr, metrics.accuracy or status, but found ${describe(t)}`, t.pos);
    i++;
    const lower = t.text.toLowerCase();
    if (peek().kind === 'punct' && peek().text === '.' && PREFIX[lower]) {
      i++;
      // A key runs to the next operator: `params.model.depth` is the key "model.depth".
      let key = '';
      const start = peek();
      while ((peek().kind === 'word' && !KEYWORDS.has(peek().text.toLowerCase())) || (peek().kind === 'punct' && peek().text === '.') || (peek().kind === 'number' && key)) key += tokens[i++].text;
      if (!key && start.kind === 'string') { key = start.text; i++; }
      if (!key) throw new FilterError(`expected a key after '${t.text}.'`, start.pos);
      const kind = PREFIX[lower];
      if (kind === 'attribute') {
        const a = ATTRIBUTES[key.toLowerCase()];
        if (!a) throw new FilterError(`unknown attribute '${key}' (known: status, name, experiment, run_id, start_time, end_time)`, start.pos);
        return a;
      }
      return { kind, key };
    }
    const a = ATTRIBUTES[lower];
    if (!a) throw new FilterError(`unknown field '${t.text}': write params.${t.text}, metrics.${t.text} or tags.${t.text}`, t.pos);
    return a;
  };

  const value = (): Value => {
    const t = peek();
    if (t.kind === 'number') { i++; return { kind: 'number', text: t.text, pos: t.pos }; }
    if (t.kind === 'string') { i++; return { kind: 'string', text: t.text, pos: t.pos }; }
    // Bare words are strings: `status = failed`, `params.optimizer = adam`.
    if (t.kind === 'word' && !KEYWORDS.has(t.text.toLowerCase())) { i++; return { kind: 'string', text: t.text, pos: t.pos }; }
    throw new FilterError(`expected a value but found ${describe(t)}`, t.pos);
  };

  const comparison = (): FilterNode => {
    const f = field();
    let negated = false;
    if (isWord('is')) {
      i++;
      if (isWord('not')) { i++; negated = true; }
      expect('null');
      return { kind: 'null', field: f, negated };
    }
    if (isWord('not')) { i++; negated = true; }
    if (isWord('in')) {
      i++;
      expect('(');
      const values = [value()];
      while (peek().text === ',') { i++; values.push(value()); }
      expect(')');
      return { kind: 'in', field: f, values, negated };
    }
    if (isWord('like') || isWord('ilike')) {
      const caseless = isWord('ilike');
      i++;
      const v = value();
      if (f.kind === 'metric') throw new FilterError(`metrics.${f.key} is a number: compare it with =, <, >, not like`, v.pos);
      return { kind: 'like', field: f, pattern: v.text, caseless, negated };
    }
    if (negated) throw new FilterError(`expected 'in' or 'like' after 'not' but found ${describe(peek())}`, peek().pos);
    const op = peek();
    if (op.kind !== 'op') throw new FilterError(`expected a comparison (=, !=, <, <=, >, >=, in, like) but found ${describe(op)}`, op.pos);
    i++;
    return { kind: 'compare', field: f, op: op.text === '==' ? '=' : op.text === '<>' ? '!=' : op.text, value: value() };
  };

  const primary = (): FilterNode => {
    if (isWord('not')) { i++; return { kind: 'not', operand: primary() }; }
    if (peek().kind === 'punct' && peek().text === '(') {
      i++;
      const e = or();
      expect(')');
      return e;
    }
    return comparison();
  };
  const and = (): FilterNode => {
    let left = primary();
    while (isWord('and')) { i++; left = { kind: 'and', left, right: primary() }; }
    return left;
  };
  const or = (): FilterNode => {
    let left = and();
    while (isWord('or')) { i++; left = { kind: 'or', left, right: and() }; }
    return left;
  };
  const tree = or();
  if (peek().kind !== 'end') throw new FilterError(`expected 'and', 'or' or the end but found ${describe(peek())}`, peek().pos);
  return tree;
}

function describe(t: Token): string {
  return t.kind === 'end' ? 'the end of the query' : `'${t.text}'`;
}

/** Parses and compiles a query; `undefined` for an empty one. Throws FilterError. */
export function compileFilter(query: string): { sql: string; args: SqlValue[] } | undefined {
  const node = parseFilter(query);
  return node && filterToSql(node);
}

/** A `WHERE` fragment over `runs r` (joined to `experiments e`) and its arguments, in order. */
export function filterToSql(node: FilterNode): { sql: string; args: SqlValue[] } {
  const [sql, args] = emit(node);
  return { sql, args };
}

type Fragment = [string, SqlValue[]];
const SQL_OP: Record<string, string> = { '=': '=', '!=': '!=', '<': '<', '<=': '<=', '>': '>', '>=': '>=' };

function emit(n: FilterNode): Fragment {
  switch (n.kind) {
    case 'and': case 'or': {
      const [l, la] = emit(n.left);
      const [r, ra] = emit(n.right);
      return [`(${l} ${n.kind.toUpperCase()} ${r})`, [...la, ...ra]];
    }
    case 'not': {
      const [o, oa] = emit(n.operand);
      return [`(NOT ${o})`, oa];
    }
    case 'null': {
      const [e, ea] = has(n.field, '1', []);
      return [`(${n.negated ? '' : 'NOT '}${e})`, ea];
    }
    case 'in': {
      const parts = n.values.map((v) => compare(n.field, '=', v));
      return [`(${n.negated ? 'NOT ' : ''}(${parts.map((p) => p[0]).join(' OR ')}))`, parts.flatMap((p) => p[1])];
    }
    case 'like': {
      const col = n.field.kind === 'attribute' ? attributeColumn(n.field.name) : 'x.value';
      // MLflow's LIKE is case-sensitive, as SQLite's GLOB is (SQLite's LIKE is not).
      const cond = n.caseless ? `LOWER(${col}) LIKE LOWER(?)` : `${col} GLOB ?`;
      const pattern = n.caseless ? n.pattern : likeToGlob(n.pattern);
      const [e, ea] = n.field.kind === 'attribute' ? [`COALESCE(${cond}, 0)`, [pattern]] as Fragment : has(n.field, cond, [pattern]);
      return [`(${n.negated ? 'NOT ' : ''}${e})`, ea];
    }
    case 'compare': return compare(n.field, n.op, n.value);
  }
}

function likeToGlob(p: string): string {
  return p.replace(/[*?[\]]/g, (c) => `[${c}]`).replace(/%/g, '*').replace(/_/g, '?');
}

function attributeColumn(name: string): string {
  return name === 'experiment' ? 'e.name' : name === 'run_id' ? 'r.uid' : `r.${name}`;
}

/** "the run has this param/metric/tag, and it satisfies `cond`" (whose own arguments follow the key). */
function has(f: Field, cond: string, condArgs: SqlValue[]): Fragment {
  if (f.kind === 'attribute') return [`(${attributeColumn(f.name)} IS NOT NULL)`, []];
  const table = f.kind === 'param' ? 'params' : f.kind === 'metric' ? 'metrics' : 'tags';
  return [`EXISTS (SELECT 1 FROM ${table} x WHERE x.run_id = r.id AND x.key = ? AND ${cond})`, [f.key, ...condArgs]];
}

function compare(f: Field, op: string, v: Value): Fragment {
  const sqlOp = SQL_OP[op];
  if (f.kind === 'attribute') {
    if (f.name === 'status') {
      if (op !== '=' && op !== '!=') throw new FilterError('status compares only with = or !=', v.pos);
      return [`(r.status ${sqlOp} ?)`, [v.text.toLowerCase()]];
    }
    if (f.name === 'start_time' || f.name === 'end_time') {
      const t = v.kind === 'number' ? Number(v.text) : Date.parse(v.text);
      if (Number.isNaN(t)) throw new FilterError(`'${v.text}' is not a time (ms since the epoch, or a date like 2026-11-27)`, v.pos);
      return [`(r.${f.name} ${sqlOp} ?)`, [t]];
    }
    return [`(COALESCE(${attributeColumn(f.name)} ${sqlOp} ?, 0))`, [v.text]];
  }
  if (f.kind === 'metric') {
    const n = Number(v.text);
    if (Number.isNaN(n)) throw new FilterError(`metrics.${f.key} is a number; '${v.text}' is not`, v.pos);
    return has(f, `x.last ${sqlOp} ?`, [n]);
  }
  if (f.kind === 'tag') return has(f, `x.value ${sqlOp} ?`, [v.text]);
  // Parameters: equality by meaning (1e-2 is 0.01); order by value when both sides are numbers.
  const canon = canonicalParam(v.text);
  if (op === '=' || op === '!=') {
    const [e, ea] = has(f, 'x.canon = ?', [canon]);
    return [op === '=' ? e : `(NOT ${e})`, ea];
  }
  if (!canon.startsWith('n:')) throw new FilterError(`'${v.text}' is not a number: params compare with ${op} only by value`, v.pos);
  return has(f, `x.canon LIKE 'n:%' AND CAST(x.value AS REAL) ${sqlOp} ?`, [Number(v.text)]);
}
