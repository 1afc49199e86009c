/**
 * Enumerating one experiment loop nest: cross its loops' rows, drop what static `continue`s skip,
 * evaluate the logging calls once per combination, and keep each distinct set of (key, canonical
 * value) pairs once, with how often it runs, where its literal values sit and how a runner can
 * read it (reads.ts).
 */
import { canonicalValue } from '../params/canonical';
import { loopDeps } from './deps';
import { experimentOf } from './experiment';
import { isFiltered } from './filters';
import { isUnder, nearestIn, type LoopRef, type Nest, type Site } from './nest';
import { CAP, NOTES } from './notes';
import type { ExperimentLoop, LiteralValue } from './types';
import { at, ReadFinder, targetNames } from './reads';
import { dictEntries } from './entries';
import { dict, iterate, keyString, seq, siteOf, toJSON, UNKNOWN, type At, type Val } from './pyValue';
import { launchParams } from './launches';
import type { EvalState } from './evalEnv';
import { evaluate, force, newState } from './evaluator';

/** Per loop, every read that held for each key in its enumeration (for merging calls). */
const allReads = new WeakMap<ExperimentLoop, Map<string, string[]>>();

export function readsOf(loop: ExperimentLoop): Map<string, string[]> | undefined {
  return allReads.get(loop);
}

/** The values of the parameters of the function a loop is in, as its call binds them. */
function paramValues(loop: LoopRef | undefined, st: EvalState): Map<string, Val> {
  const out = new Map<string, Val>();
  if (!loop || loop.ctx.scope !== loop.info.scope) return out;
  for (const [name, th] of loop.ctx.args ?? []) {
    // A parameter the function assigns again may hold something else by the time the loop runs.
    if ((loop.info.scope.bindings.get(name)?.length ?? 0) > 1) continue;
    const v = force(th, st);
    if (v.t !== 'unknown') out.set(name, v);
  }
  return out;
}

class Stop extends Error {}

/** Combinations seen: a path of pair numbers, ascending, ends at -1 -> the combination's index. */
type Trie = Map<number, Trie | number>;

/** Enumerates the combinations of one experiment loop nest. */
export class Enumerator {
  private readonly st: EvalState = newState();
  private readonly dimIndex = new Map<LoopRef, number>();
  private readonly children = new Map<LoopRef, LoopRef[]>();
  private readonly attached = new Map<LoopRef, Site[]>();
  private readonly unroll = new Map<Site, LoopRef[]>();
  private readonly rowCache = new Map<LoopRef, Val[]>();
  private readonly ranks = new Map<Site, { site: number; entries?: Map<string, number> }>();
  private readonly keyRank = new Map<string, number>();
  /** An option of a launched command (by site and key): the rank of the value printed into it. */
  private readonly argvRanks = new Map<string, number>();
  private readonly keyFirst = new Map<string, number>();
  private readonly unknownKeys = new Set<string>();
  private readonly combos: Record<string, unknown>[] = [];
  /** How many iterations run each combination (a seed or `_` loop that is not logged repeats it). */
  private readonly counts: number[] = [];
  private readonly seen: Trie = new Map();
  private readonly canon = new WeakMap<object, string>();
  private readonly parts = new Map<string, Map<string, number>>();
  private partCount = 0;
  private readonly jsonMemo = new WeakMap<object, unknown>();
  private readonly sites: ExperimentLoop['valueSites'] = [];
  private readonly siteSeen = new Map<string, Set<At | string>>();
  private readonly notes = new Set<string>();
  private readonly reads: ReadFinder;
  /** The innermost loop of the chain, where a runner guards the nest. */
  private readonly inner: LoopRef | undefined;
  private leaves = 0;
  private repeats = 0;
  private runtimeSkip = false;

  constructor(private readonly nest: Nest, private readonly root: LoopRef, dims: Set<LoopRef>,
    keyLoops: Set<LoopRef>, private readonly valueDeps: Map<Site, Map<LoopRef, number>>,
    private readonly notebook: boolean) {
    for (const l of nest.loops) {
      if (!dims.has(l) || !isUnder(l, root)) continue;
      this.dimIndex.set(l, this.dimIndex.size);
      const up = l === root ? undefined : nearestIn(l.parent, dims);
      if (up) this.children.set(up, [...(this.children.get(up) ?? []), l]);
    }
    for (const s of nest.sites) {
      if (!isUnder(s.loop, root)) continue;
      if (s.kind === 'exists') this.runtimeSkip = true;
      if (s.kind !== 'param' && s.kind !== 'params' && s.kind !== 'argv' && s.kind !== 'target') continue;
      const home = nearestIn(s.loop, dims)!;
      this.attached.set(home, [...(this.attached.get(home) ?? []), s]);
      const spread: LoopRef[] = [];
      for (let l = s.loop; l && l !== home; l = l.parent) if (keyLoops.has(l)) spread.unshift(l);
      this.unroll.set(s, spread);
    }
    const chain = this.chain();
    this.inner = chain?.at(-1);
    this.reads = new ReadFinder(chain);
  }

  /** The experiment loops from the root inward, when each holds at most one other (no siblings). */
  private chain(): LoopRef[] | undefined {
    const out = [this.root];
    for (;;) {
      const inner = this.children.get(out.at(-1)!) ?? [];
      if (inner.length > 1) return undefined;
      if (!inner.length) return out;
      out.push(inner[0]);
    }
  }

  run(): ExperimentLoop {
    try {
      this.enumerate(this.root, []);
    } catch (e) {
      if (!(e instanceof Stop)) throw e;
      this.notes.add(NOTES.capped);
    }
    if (this.leaves === 0) this.discoverKeys();
    if (this.repeats) this.notes.add(NOTES.repeats);
    for (const n of this.st.fx.notes) this.notes.add(n);
    for (const l of this.dimIndex.keys()) if (l.breaks) this.notes.add(NOTES.breaks);
    const keys = [...this.keyFirst.keys()].sort((a, b) =>
      this.keyRank.get(a)! - this.keyRank.get(b)! || this.keyFirst.get(a)! - this.keyFirst.get(b)!);
    const position = new Map(keys.map((k, i) => [k, i]));
    const info = this.root.info;
    const unit = info.scope.unit;
    const loop: ExperimentLoop = {
      line: unit.lines.at(info.node.from).line,
      from: info.node.from,
      to: info.node.to,
      keys,
      unknown: keys.filter(k => this.unknownKeys.has(k)),
      combinations: this.combos.map(c => inKeyOrder(c, position)),
      repeats: this.counts,
      tracked: true,
      valueSites: this.sites.sort((a, b) => position.get(a.key)! - position.get(b.key)! || a.site.from - b.site.from),
      runtimeSkip: this.runtimeSkip || this.st.fx.runtimeSkip,
      notes: [...this.notes],
    };
    // Calls around the root (an outer loop's `set_experiment`) run before its runs start too.
    const experiment = experimentOf(this.nest.sites.filter(s => isUnder(s.loop, this.root) || (s.loop && isUnder(this.root, s.loop))), info);
    if (experiment !== undefined) loop.experiment = experiment;
    const guard = this.reads.guard();
    if (guard) loop.guard = guard;
    if (this.nest.sites.some(s => s.kind === 'start' && s.optuna && isUnder(s.loop, this.root))) loop.optuna = { kind: 'enqueue' };
    allReads.set(loop, this.reads.allReads());
    return loop;
  }

  private enumerate(loop: LoopRef, above: Site[]): void {
    const sites = mergeSites(above, this.attached.get(loop) ?? []);
    const inner = this.children.get(loop) ?? [];
    for (const row of this.rows(loop)) {
      this.st.iter.set(loop.info, row);
      if (loop.continues.length && isFiltered(loop, this.st)) continue;
      if (inner.length) for (const c of inner) this.enumerate(c, sites);
      else this.leaf(sites);
    }
    this.st.iter.delete(loop.info);
  }

  /** The rows a loop walks over; a loop whose iterable is unknown walks one unknown row. */
  private rows(loop: LoopRef): Val[] {
    const cached = this.rowCache.get(loop);
    if (cached) return cached;
    const env = { ctx: loop.ctx, st: this.st };
    const reads = this.st.reads;
    const its = loop.info.iterables;
    const v = its.length === 1 ? evaluate(its[0], env) : seq(its.map(n => evaluate(n, env)), true);
    const rows = iterate(v) ?? [UNKNOWN];
    if (this.st.reads === reads) this.rowCache.set(loop, rows);
    return rows;
  }

  private leaf(sites: Site[]): void {
    if (++this.leaves > 10 * CAP) throw new Stop();
    const values = new Map<string, Val>();
    for (const s of sites) this.evalSite(s, values, this.unroll.get(s) ?? [], 0);
    const combo: Record<string, unknown> = {};
    const parts: number[] = [];
    const canonical = new Map<string, string>();
    for (const [k, v] of values) {
      const j = this.json(v);
      if (j === undefined) { this.unknownKeys.add(k); continue; }
      combo[k] = j;
      const c = this.canonical(v, j);
      canonical.set(k, c);
      parts.push(this.part(k, c));
    }
    if (!parts.length) return; // nothing to match a run against
    // A combination is its set of (key, canonical value) pairs, whatever order they were logged in:
    // each pair a number, the sorted numbers a path in a trie of combinations seen.
    if (parts.length > 1) parts.sort((a, b) => a - b);
    let node = this.seen;
    for (const p of parts) {
      let next = node.get(p);
      if (!next) node.set(p, next = new Map());
      node = next as Trie;
    }
    const known = node.get(-1) as number | undefined;
    if (known !== undefined) { this.repeats++; this.counts[known]++; return; }
    node.set(-1, this.combos.length);
    this.combos.push(combo);
    this.counts.push(1);
    this.reads.observe(this.st.iter, canonical, () => paramValues(this.inner, this.st));
    for (const [k, v] of values) {
      const at = siteOf(v);
      if (at && combo[k] !== undefined) this.addSite(k, combo[k], at);
    }
    if (this.combos.length >= CAP) throw new Stop();
  }

  private json(v: Val): unknown {
    if (v.t === 'scalar') return v.v;
    if (v.t === 'unknown') return undefined;
    if (this.jsonMemo.has(v)) return this.jsonMemo.get(v);
    const j = toJSON(v);
    this.jsonMemo.set(v, j);
    return j;
  }

  /** A number for a (key, canonical value) pair, the same for the same pair. */
  private part(k: string, c: string): number {
    let byValue = this.parts.get(k);
    if (!byValue) this.parts.set(k, byValue = new Map());
    let p = byValue.get(c);
    if (p === undefined) byValue.set(c, p = this.partCount++);
    return p;
  }

  private canonical(v: Val, j: unknown): string {
    let c = this.canon.get(v);
    if (c === undefined) { c = canonicalValue(j); this.canon.set(v, c); }
    return c;
  }

  private addSite(key: string, value: unknown, at: At): void {
    // Most values are the same objects in every combination, so identity answers first.
    let seen = this.siteSeen.get(key);
    if (!seen) this.siteSeen.set(key, seen = new Set());
    if (seen.has(at)) return;
    seen.add(at);
    const id = `${at.unit.index}:${at.from}`;
    if (seen.has(id)) return;
    seen.add(id);
    const { line, col } = at.unit.lines.at(at.from);
    const site: LiteralValue = { value, text: at.unit.source.slice(at.from, at.to), from: at.from, to: at.to, line, col };
    if (this.notebook) site.cell = at.unit.index;
    this.sites.push({ key, value, site });
  }

  /** Evaluate a logging call, once per row of the loops that spread its keys. */
  private evalSite(s: Site, values: Map<string, Val>, spread: LoopRef[], i: number): void {
    if (i === spread.length) return this.evalSiteOnce(s, values);
    const l = spread[i];
    for (const row of this.rows(l)) {
      this.st.iter.set(l.info, row);
      this.evalSite(s, values, spread, i + 1);
    }
    this.st.iter.delete(l.info);
  }

  private evalSiteOnce(s: Site, values: Map<string, Val>): void {
    const env = { ctx: s.ctx, st: this.st };
    if (s.kind === 'param') {
      const key = 'name' in s.key ? s.key.name : keyString(evaluate(s.key.node, env));
      if (key === undefined) { this.notes.add(NOTES.opaqueKey); return; }
      this.setKey(values, key, evaluate(s.value, env), s);
    } else if (s.kind === 'params') {
      const d = asDict(evaluate(s.dict, env));
      if (d.t !== 'dict') { this.notes.add(NOTES.opaqueParams); return; }
      if (d.open) this.notes.add(NOTES.opaqueParams);
      for (const [k, v] of d.entries) {
        const key = keyString(k);
        if (key === undefined) this.notes.add(NOTES.opaqueKey); else this.setKey(values, key, v, s);
      }
    } else if (s.kind === 'target') {
      this.targetValues(s, values);
    } else if (s.kind === 'argv') {
      for (const [key, v, origin] of launchParams(s.command, env)) {
        this.setKey(values, key, v, s);
        if (origin && !this.argvRanks.has(`${s.order}:${key}`)) this.argvRanks.set(`${s.order}:${key}`, this.minIndex(loopDeps(origin.node, origin.ctx, s.loop)));
      }
    }
  }

  /** An untracked loop's variables as parameters: each name its value, a single dict row its keys. */
  private targetValues(s: Site, values: Map<string, Val>): void {
    const row = this.st.iter.get(s.loop!.info);
    const names = targetNames(s.loop!);
    for (const [path, name] of names) {
      if (/^_+$/.test(name)) continue;
      const v = at(row, path ? path.split('\u0000').map(Number) : []);
      if (!v) continue;
      if (names.size === 1 && v.t === 'dict' && !v.open && v.entries.every(([k]) => keyString(k) !== undefined)) {
        for (const [k, item] of v.entries) this.setKey(values, keyString(k)!, item, s);
      } else this.setKey(values, name, v, s);
    }
  }

  private setKey(values: Map<string, Val>, key: string, v: Val, s: Site): void {
    values.set(key, v);
    const rank = this.rankOf(s, key);
    if (!this.keyFirst.has(key)) this.keyFirst.set(key, this.keyFirst.size);
    this.keyRank.set(key, Math.min(this.keyRank.get(key) ?? Infinity, rank));
  }

  /**
   * Where a key sorts: by the outermost experiment loop its value depends on, then by the loop
   * target it comes from (`for lr, bs in product(..)` puts lr first). Constants sort last.
   */
  private rankOf(s: Site, key: string): number {
    let r = this.ranks.get(s);
    if (!r) {
      r = { site: this.minIndex(this.valueDeps.get(s)) };
      if (s.kind === 'params') r.entries = this.entryRanks(s);
      this.ranks.set(s, r);
    }
    return r.entries?.get(key) ?? (s.kind === 'argv' ? this.argvRanks.get(`${s.order}:${key}`) ?? Infinity : r.site);
  }

  private minIndex(deps: Map<LoopRef, number> | undefined): number {
    let min = Infinity;
    for (const [d, target] of deps ?? []) {
      const i = this.dimIndex.get(d);
      if (i !== undefined) min = Math.min(min, i * 1024 + target);
    }
    return min;
  }

  /** For a dict written out (`{"lr": lr, "bs": bs}`, maybe via a variable), each entry's own rank. */
  private entryRanks(s: Extract<Site, { kind: 'params' }>): Map<string, number> | undefined {
    const found = dictEntries(s.dict, s.ctx);
    if (!found) return undefined;
    const out = new Map<string, number>();
    for (const [keyText, value, ctx] of found) {
      out.set(keyText, this.minIndex(loopDeps(value, ctx, s.loop)));
    }
    return out;
  }

  /** When no combination survives, still name the keys the loop logs. */
  private discoverKeys(): void {
    this.st.iter.clear();
    const scratch = new Map<string, Val>();
    for (const s of this.nest.sites) {
      if ((s.kind === 'param' || s.kind === 'params' || s.kind === 'argv') && isUnder(s.loop, this.root)) this.evalSiteOnce(s, scratch);
    }
  }
}

/** Parameters given as (key, value) pairs (`log_batch(params=[Param(k, v), ..])`) as a dict. */
function asDict(v: Val): Val {
  if (v.t !== 'seq') return v;
  const entries: [Val, Val][] = [];
  for (const p of v.items) {
    if (p.t !== 'seq' || p.items.length !== 2) return UNKNOWN;
    entries.push([p.items[0], p.items[1]]);
  }
  return dict(entries);
}

/** A combination with its keys in the loop's key order (rebuilt only when logged in another order). */
function inKeyOrder(combo: Record<string, unknown>, position: Map<string, number>): Record<string, unknown> {
  let last = -1;
  let ordered = true;
  for (const k in combo) {
    const p = position.get(k)!;
    if (p < last) { ordered = false; break; }
    last = p;
  }
  if (ordered) return combo;
  return Object.fromEntries(Object.entries(combo).sort((a, b) => position.get(a[0])! - position.get(b[0])!));
}

function mergeSites(a: Site[], b: Site[]): Site[] {
  if (!b.length) return a;
  if (!a.length) return b;
  return [...a, ...b].sort((x, y) => x.order - y.order);
}
