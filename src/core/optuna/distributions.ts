/**
 * A trial's parameter as Optuna hands it to the objective: its stored (internal) number decoded
 * through its distribution, then written as Python's `str()` writes it, which is how RunLens keeps
 * every parameter. A categorical choice is its value, not its index (`"adam"`, not `0`); an int is
 * an int (`32`, not `32.0`); a float stays a float, log-scaled or stepped alike (`0.001`, `1.0`).
 * Distributions repeat from trial to trial, so each distinct JSON text is parsed once.
 */
import { pythonFloatRepr } from '../params/canonical';
import { entry, parsePyJson, pyStr, type PyJson } from './pyJson';

export type Distribution =
  | { kind: 'float'; log: boolean }
  | { kind: 'int'; log: boolean }
  | { kind: 'categorical'; choices: string[] };

const FLOATS = new Set(['FloatDistribution', 'UniformDistribution', 'LogUniformDistribution', 'DiscreteUniformDistribution']);
const INTS = new Set(['IntDistribution', 'IntUniformDistribution', 'IntLogUniformDistribution']);

const parsed = new Map<string, Distribution | Error>();

/** A distribution from the JSON Optuna stores it as (`distribution_to_json`, or the short `{"type": ..}` form). */
export function parseDistribution(json: string): Distribution {
  let d = parsed.get(json);
  if (!d) {
    try { d = fromJson(parsePyJson(json)); } catch (e) { d = e as Error; }
    if (parsed.size > 10_000) parsed.clear();
    parsed.set(json, d);
  }
  if (d instanceof Error) throw d;
  return d;
}

function fromJson(v: PyJson): Distribution {
  const name = entry(v, 'name');
  const attrs = name ? entry(v, 'attributes') : v;
  const kind = name?.t === 'str' ? name.v : entry(v, 'type')?.t === 'str' ? (entry(v, 'type') as { v: string }).v : undefined;
  const log = (kind === 'LogUniformDistribution' || kind === 'IntLogUniformDistribution') || entry(attrs, 'log')?.t === 'bool' && (entry(attrs, 'log') as { v: boolean }).v;
  if (kind === 'CategoricalDistribution' || kind === 'categorical') {
    const choices = entry(attrs, 'choices');
    if (choices?.t !== 'list') throw new Error('a categorical distribution without choices');
    return { kind: 'categorical', choices: choices.items.map(pyStr) };
  }
  if (kind && (FLOATS.has(kind) || kind === 'float')) return { kind: 'float', log };
  if (kind && (INTS.has(kind) || kind === 'int')) return { kind: 'int', log };
  throw new Error(`unknown distribution ${kind === undefined ? JSON.stringify(pyStrOf(v)) : kind}`);
}

function pyStrOf(v: PyJson): string {
  return pyStr(v).slice(0, 80);
}

/** Python's `str()` of the value Optuna gives the objective, or an Error saying why it has none. */
export function paramText(internal: number, d: Distribution): string | Error {
  switch (d.kind) {
    case 'float': return floatStr(internal);
    // Optuna's int(): towards zero.
    case 'int': return Number.isFinite(internal) ? String(Math.trunc(internal) || 0) : new Error(`${internal} is not an int`);
    case 'categorical': {
      const i = Math.trunc(internal);
      return i >= 0 && i < d.choices.length ? d.choices[i] : new Error(`choice ${internal} of ${d.choices.length}`);
    }
  }
}

/** Python's str() of a float: `5.0`, never `5`. */
export function floatStr(n: number): string {
  const s = pythonFloatRepr(n);
  return /^-?\d+$/.test(s) ? s + '.0' : s;
}
