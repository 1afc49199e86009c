/**
 * How each parameter of an experiment loop can be read at run time, at the top of the loop's
 * innermost body: `lr`, `cfg["lr"]`, `row[1]`. The runner that executes only some combinations of
 * a loop (python/runlens/_runner.py) evaluates these there, so it can skip an iteration before it
 * costs anything.
 *
 * A read is only offered when it gave the key's value in every combination the analysis
 * enumerated (compared by canonical value), and it only names the targets of the loops around the
 * guard, so it cannot fail or read something stale when evaluated at the top of the body.
 */
import { canonicalValue } from '../params/canonical';
import type { LoopRef } from './nest';
import { commaItems, innerChildren, textOf, type SyntaxNode } from './syntax';
import type { LoopGuard } from './types';
import { keyString, toJSON, type Val } from './pyValue';


type Step = number | string;
/** A read: a path into a loop's row, or into the value of a parameter of the function the loop is in. */
interface Candidate { loop?: LoopRef; param?: string; path: Step[]; expr: string }

/** Values nested deeper than this in a loop's row are not searched. */
const MAX_DEPTH = 3;
/** After this many combinations, a read that held in all of them is trusted. */
const MAX_CHECKS = 5000;

export class ReadFinder {
  private candidates: Map<string, Candidate[]> | undefined;
  private readonly firstValue = new Map<string, string>();
  private readonly varies = new Set<string>();
  private checks = 0;

  private params = new Map<string, Val>();

  /** `chain`: the experiment loops of the nest, outermost first, each the only one inside the last. */
  constructor(private readonly chain: LoopRef[] | undefined) {}

  /**
   * One enumerated combination: `rows` are the loops' current rows, `values` the key's canonical
   * values, `params` the values of the parameters of the function the innermost loop is in.
   */
  observe(rows: Map<LoopRef['info'], Val>, values: Map<string, string>, params: () => Map<string, Val>): void {
    if (!this.chain) return;
    for (const [k, c] of values) {
      const first = this.firstValue.get(k);
      if (first === undefined) this.firstValue.set(k, c);
      else if (first !== c) this.varies.add(k);
    }
    if (this.checks++ >= MAX_CHECKS) return;
    this.params = params();
    if (!this.candidates) {
      this.candidates = new Map();
      for (const [k, c] of values) this.candidates.set(k, this.search(rows, c));
      return;
    }
    for (const [k, list] of this.candidates) {
      const c = values.get(k);
      const holds = (cand: Candidate) => c !== undefined && canonicalAt(this.source(cand, rows), cand.path) === c;
      if (!list.every(holds)) this.candidates.set(k, list.filter(holds));
    }
  }

  private source(cand: Candidate, rows: Map<LoopRef['info'], Val>): Val | undefined {
    return cand.loop ? rows.get(cand.loop.info) : this.params.get(cand.param!);
  }

  /** Every read that held in every combination, per key (varying or not), best first. */
  allReads(): Map<string, string[]> {
    return new Map([...this.candidates ?? []].map(([k, list]) => [k, list.map((c) => c.expr)]));
  }

  /** The guard, or undefined when the nest is not a single chain of loops in one function. */
  guard(): LoopGuard | undefined {
    const inner = this.chain?.at(-1);
    if (!inner || !this.candidates) return undefined;
    const reads: Record<string, string> = {};
    for (const k of this.varies) {
      const best = this.candidates.get(k)?.[0];
      if (best) reads[k] = best.expr;
    }
    const { line, col } = inner.info.scope.unit.lines.at(inner.info.node.from);
    return { line, col, reads };
  }

  private search(rows: Map<LoopRef['info'], Val>, canonical: string): Candidate[] {
    const out: Candidate[] = [];
    const inner = this.chain!.at(-1)!;
    for (const loop of this.chain!) {
      // Only targets visible at the guard: loops of the same function (or module) as the innermost.
      if (loop.info.scope !== inner.info.scope) continue;
      const row = rows.get(loop.info);
      if (!row) continue;
      walk(row, [], (path, v) => {
        const expr = expression(loop, path);
        if (expr !== undefined && canonicalOf(v) === canonical) out.push({ loop, path, expr });
      });
    }
    // A parameter of the function is a name at the guard too (`def sweep(model, lrs)`).
    for (const [param, value] of this.params) {
      walk(value, [], (path, v) => {
        if (canonicalOf(v) === canonical) out.push({ param, path, expr: param + path.map((s) => `[${typeof s === 'number' ? s : JSON.stringify(s)}]`).join('') });
      });
    }
    // Shortest first: `lr` before `row[0]` when both give the value.
    return out.sort((a, b) => a.path.length - b.path.length);
  }
}

function walk(v: Val, path: Step[], visit: (path: Step[], v: Val) => void): void {
  visit(path, v);
  if (path.length >= MAX_DEPTH) return;
  if (v.t === 'seq') v.items.forEach((item, i) => walk(item, [...path, i], visit));
  else if (v.t === 'dict') for (const [k, item] of v.entries) {
    const key = keyString(k);
    if (key !== undefined) walk(item, [...path, key], visit);
  }
}

export function at(v: Val | undefined, path: Step[]): Val | undefined {
  for (const step of path) {
    if (!v) return undefined;
    if (typeof step === 'number') v = v.t === 'seq' ? v.items[step] : undefined;
    else v = v.t === 'dict' ? v.entries.find(([k]) => keyString(k) === step)?.[1] : undefined;
  }
  return v;
}

const canonicalMemo = new WeakMap<Val, string | undefined>();

/** A value's canonical form; values are shared between combinations, so each is worked out once. */
function canonicalOf(v: Val): string | undefined {
  if (canonicalMemo.has(v)) return canonicalMemo.get(v);
  const j = toJSON(v);
  const c = j === undefined ? undefined : canonicalValue(j);
  canonicalMemo.set(v, c);
  return c;
}

function canonicalAt(row: Val | undefined, path: Step[]): string | undefined {
  const v = at(row, path);
  return v ? canonicalOf(v) : undefined;
}

/** The Python expression for a path into a loop's row, in terms of the names its target binds. */
function expression(loop: LoopRef, path: Step[]): string | undefined {
  const names = targetNames(loop);
  for (let n = path.length; n >= 0; n--) {
    const base = names.get(path.slice(0, n).join('\u0000'));
    if (base !== undefined) return base + path.slice(n).map((s) => `[${typeof s === 'number' ? s : JSON.stringify(s)}]`).join('');
  }
  return undefined;
}

const namesOf = new WeakMap<LoopRef, Map<string, string>>();

/** The names a loop's target binds, by their path into the row: `i, (lr, bs)` -> 0: i, 1.0: lr, 1.1: bs. */
export function targetNames(loop: LoopRef): Map<string, string> {
  let out = namesOf.get(loop);
  if (out) return out;
  out = new Map();
  const { node, targets } = loop.info;
  const src = loop.info.scope.unit.source;
  const add = (item: SyntaxNode[], path: number[]): void => {
    if (item.length !== 1) return; // a starred target: the positions after it are not fixed
    const t = item[0];
    if (t.name === 'VariableName') out!.set(path.join('\u0000'), textOf(src, t));
    else if (t.name === 'TupleExpression' || t.name === 'ArrayExpression' || t.name === 'ParenthesizedExpression') {
      const sub = commaItems(innerChildren(t));
      if (sub.some((x) => x[0]?.name === '*')) return;
      sub.forEach((x, i) => add(x, t.name === 'ParenthesizedExpression' && sub.length === 1 ? path : [...path, i]));
    }
  };
  // `for x, in rows` unpacks like `for a, b in rows`: a trailing comma makes the target a tuple.
  const tuple = targets.length > 1 || src.slice(targets[0].at(-1)!.to, node.to).trimStart().startsWith(',');
  targets.forEach((t, i) => add(t, tuple ? [i] : []));
  namesOf.set(loop, out);
  return out;
}
