/**
 * In-place changes the analysis follows (`Change` in scope.ts): `x[k] = v`, `x += v`,
 * `x.update(..)`, `x.append(v)`, `x.extend(v)`, applied to the value the name held just before.
 * The value before is never modified: a changed copy is returned.
 */
import type { Change } from './scope';
import { arith, dedupeKeys, lookupKey } from './pyops';
import { argNodes } from './syntax';
import { dict, int, iterate, seq, UNKNOWN, type Val } from './pyValue';
import type { Env } from './evalEnv';

/** Evaluates an operand with the evaluator the state carries (no import back to it). */
const evaluate = (node: Parameters<Env['st']['evaluate']>[0], env: Env): Val => env.st.evaluate(node, env);

export function applyChange(before: Val, change: Change, env: Env): Val {
  switch (change.op) {
    case 'setitem': {
      const key = evaluate(change.key, env);
      const value = evaluate(change.value, env);
      return setItem(before, key, change.operator ? arith(change.operator, getItem(before, key), value) : value);
    }
    case 'augment': return arith(change.operator, before, evaluate(change.value, env));
    case 'method': return method(before, change, env);
    case 'refresh': return UNKNOWN; // the evaluator evaluates the capture again instead
  }
}

function getItem(v: Val, key: Val): Val {
  if (v.t === 'dict') return lookupKey(v, key) ?? UNKNOWN;
  const i = int(key);
  return v.t === 'seq' && i !== undefined ? v.items[i < 0 ? v.items.length + i : i] ?? UNKNOWN : UNKNOWN;
}

function setItem(before: Val, key: Val, value: Val): Val {
  if (before.t === 'dict') return dict(dedupeKeys([...before.entries, [key, value]]), before.open);
  const i = int(key);
  if (before.t !== 'seq' || before.tuple || i === undefined) return UNKNOWN;
  const j = i < 0 ? before.items.length + i : i;
  if (j < 0 || j >= before.items.length) return UNKNOWN;
  const items = [...before.items];
  items[j] = value;
  return seq(items, false);
}

function method(before: Val, change: Extract<Change, { op: 'method' }>, env: Env): Val {
  const a = argNodes(change.args, env.ctx.unit.source);
  if (a.irregular || a.spreads.length) return UNKNOWN;
  const pos = a.positional.map(n => evaluate(n, env));
  if (change.method === 'update') {
    if (before.t !== 'dict' || pos.length > 1) return UNKNOWN;
    const entries = [...before.entries];
    let open = before.open;
    if (pos.length) {
      const other = pos[0];
      if (other.t === 'dict') { entries.push(...other.entries); open ||= other.open; }
      else {
        const pairs = iterate(other);
        if (!pairs) return UNKNOWN;
        for (const p of pairs) {
          if (p.t !== 'seq' || p.items.length !== 2) return UNKNOWN;
          entries.push([p.items[0], p.items[1]]);
        }
      }
    }
    for (const [k, node] of a.keywords) entries.push([{ t: 'scalar', v: k }, evaluate(node, env)]);
    return dict(dedupeKeys(entries), open);
  }
  if (before.t !== 'seq' || before.tuple || a.keywords.size || pos.length !== 1) return UNKNOWN;
  if (change.method === 'append') return seq([...before.items, pos[0]], false);
  const more = iterate(pos[0]);
  return more ? seq([...before.items, ...more], false) : UNKNOWN;
}

