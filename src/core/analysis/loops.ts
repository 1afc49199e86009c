/**
 * From a gathered nest to experiment loops: decide which loops are experiment loops (a logged
 * value depends on their variable, or they start a run per iteration), then enumerate their
 * combinations, evaluating the logging calls once per combination.
 */
import { canonicalValue } from '../params/canonical';
import { loopDeps } from './deps';
import { experimentOf } from './experiment';
import { isFiltered } from './filters';
import { gatherNest, type LoopRef, type Nest, type Site } from './nest';
import { CAP, NOTES } from './notes';
import { lookup, type LoopInfo, type Unit } from './scope';
import { argNodes, commaItems, innerChildren, textOf, type SyntaxNode } from './syntax';
import type { AnalyzeOptions, ExperimentLoop, LiteralValue } from './types';
import { ReadFinder } from './reads';
import { iterate, keyString, seq, toJSON, UNKNOWN, type At, type Val } from './pyValue';
import type { Ctx, EvalState } from './evalEnv';
import { evaluate, newState } from './evaluator';

export function analyzeUnit(unit: Unit, notebook: boolean, options: AnalyzeOptions = {}): ExperimentLoop[] {
  const out: ExperimentLoop[] = [];
  for (const info of unit.loopList) {
    if (info.outer) continue; // analysed as part of its outermost loop
    try {
      out.push(...analyzeNest(info, notebook));
    } catch (e) {
      if (!options.onError) throw e;
      options.onError(e, unit.lines.at(info.node.from).line);
    }
  }
  return out.sort((a, b) => a.from - b.from);
}

function analyzeNest(info: LoopInfo, notebook: boolean): ExperimentLoop[] {
  const ctx: Ctx = { unit: info.scope.unit, scope: info.scope, depth: 0 };
  const nest = gatherNest(info, ctx);
  const keyLoops = new Set<LoopRef>();
  const valueDeps = new Map<Site, Map<LoopRef, number>>();
  for (const s of nest.sites) {
    if (s.kind === 'param') {
      if ('node' in s.key) for (const d of loopDeps(s.key.node, s.ctx, s.loop).keys()) keyLoops.add(d);
      valueDeps.set(s, loopDeps(s.value, s.ctx, s.loop));
    } else if (s.kind === 'params') valueDeps.set(s, loopDeps(s.dict, s.ctx, s.loop));
  }
  // A loop whose variable names the keys (`for k, v in cfg.items(): log_param(k, v)`) spreads
  // one run's parameters; it does not make combinations.
  const dims = new Set<LoopRef>();
  for (const deps of valueDeps.values()) for (const d of deps.keys()) if (!keyLoops.has(d)) dims.add(d);
  for (const s of nest.sites) {
    if (s.kind !== 'start') continue;
    let l = s.loop;
    while (l && keyLoops.has(l)) l = l.parent;
    if (l) dims.add(l);
  }
  const roots = nest.loops.filter(l => dims.has(l) && l.ctx.depth === 0 && !nearestIn(l.parent, dims));
  return roots.map(r => new Enumerator(nest, r, dims, keyLoops, valueDeps, notebook).run());
}

function nearestIn(l: LoopRef | undefined, set: Set<LoopRef>): LoopRef | undefined {
  for (; l; l = l.parent) if (set.has(l)) return l;
  return undefined;
}

function isUnder(l: LoopRef | undefined, root: LoopRef): boolean {
  for (; l; l = l.parent) if (l === root) return true;
  return false;
}

class Stop extends Error {}

/** Enumerates the combinations of one experiment loop nest. */
class Enumerator {
  private readonly st: EvalState = newState();
  private readonly dimIndex = new Map<LoopRef, number>();
  private readonly children = new Map<LoopRef, LoopRef[]>();
  private readonly attached = new Map<LoopRef, Site[]>();
  private readonly unroll = new Map<Site, LoopRef[]>();
  private readonly rowCache = new Map<LoopRef, Val[]>();
  private readonly ranks = new Map<Site, { site: number; entries?: Map<string, number> }>();
  private readonly keyRank = new Map<string, number>();
  private readonly keyFirst = new Map<string, number>();
  private readonly unknownKeys = new Set<string>();
  private readonly combos: Record<string, unknown>[] = [];
  private readonly seen = new Set<string>();
  private readonly canon = new WeakMap<object, string>();
  private readonly jsonMemo = new WeakMap<object, unknown>();
  private readonly sites: ExperimentLoop['valueSites'] = [];
  private readonly siteSeen = new Map<string, Set<At | string>>();
  private readonly notes = new Set<string>();
  private readonly reads: ReadFinder;
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
      if (s.kind !== 'param' && s.kind !== 'params') continue;
      const home = nearestIn(s.loop, dims)!;
      this.attached.set(home, [...(this.attached.get(home) ?? []), s]);
      const spread: LoopRef[] = [];
      for (let l = s.loop; l && l !== home; l = l.parent) if (keyLoops.has(l)) spread.unshift(l);
      this.unroll.set(s, spread);
    }
    this.reads = new ReadFinder(this.chain());
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
    const parts: string[] = [];
    const canonical = new Map<string, string>();
    for (const [k, v] of values) {
      const j = this.json(v);
      if (j === undefined) { this.unknownKeys.add(k); continue; }
      combo[k] = j;
      canonical.set(k, this.canonical(v, j));
      parts.push(k + '\u0001' + canonical.get(k));
    }
    if (!parts.length) return; // nothing to match a run against
    // A combination is its set of (key, canonical value) pairs, whatever order they were logged in.
    if (parts.length > 1) parts.sort();
    const sig = parts.join('\u0002');
    if (this.seen.has(sig)) { this.repeats++; return; }
    this.seen.add(sig);
    this.combos.push(combo);
    this.reads.observe(this.st.iter, canonical);
    for (const [k, v] of values) if (v.t !== 'unknown' && v.at && combo[k] !== undefined) this.addSite(k, combo[k], v.at);
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
      const d = evaluate(s.dict, env);
      if (d.t !== 'dict') { this.notes.add(NOTES.opaqueParams); return; }
      if (d.open) this.notes.add(NOTES.opaqueParams);
      for (const [k, v] of d.entries) {
        const key = keyString(k);
        if (key === undefined) this.notes.add(NOTES.opaqueKey); else this.setKey(values, key, v, s);
      }
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
    return r.entries?.get(key) ?? r.site;
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
    const found = dictSyntax(s.dict, s.ctx);
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
      if ((s.kind === 'param' || s.kind === 'params') && isUnder(s.loop, this.root)) this.evalSiteOnce(s, scratch);
    }
  }
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

/** The literal entries of a dict argument: `{"k": v}`, `dict(k=v)`, or a name bound to one of those. */
function dictSyntax(node: SyntaxNode, ctx: Ctx, depth = 0): [string, SyntaxNode, Ctx][] | undefined {
  const src = ctx.unit.source;
  if (node.name === 'DictionaryExpression') {
    const out: [string, SyntaxNode, Ctx][] = [];
    for (const item of commaItems(innerChildren(node))) {
      if (item.length !== 3 || item[0].name !== 'String') continue;
      const k = keyString(evaluate(item[0], { ctx, st: newState() }));
      if (k !== undefined) out.push([k, item[2], ctx]);
    }
    return out;
  }
  if (node.name === 'CallExpression' && node.firstChild?.name === 'VariableName' && textOf(src, node.firstChild) === 'dict') {
    return [...argNodes(node.getChild('ArgList'), src).keywords].map(([k, v]) => [k, v, ctx]);
  }
  if (node.name === 'VariableName' && depth < 5) {
    const r = lookup(ctx.scope, textOf(src, node), node.from);
    const b = r?.binding;
    if (b?.kind === 'value' && !b.path.length && !Array.isArray(b.value)) {
      const inner: Ctx = r!.scope === ctx.scope ? ctx : { unit: r!.scope.unit, scope: r!.scope, depth: ctx.depth };
      return dictSyntax(b.value, inner, depth + 1);
    }
  }
  return undefined;
}
