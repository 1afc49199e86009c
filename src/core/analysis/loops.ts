/**
 * From a gathered nest to experiment loops: decide which loops are experiment loops (a logged
 * value depends on their variable, or they start a run per iteration; else, untracked.ts), have
 * each enumerated (enumerate.ts), and merge what a function's loop runs through each of its calls.
 */
import { canonicalValue } from '../params/canonical';
import { loopDeps } from './deps';
import { Enumerator, readsOf } from './enumerate';
import { gatherNest, isUnder, nearestIn, type LoopRef, type Nest, type Site } from './nest';
import type { LoopInfo, Unit } from './scope';
import type { AnalyzeOptions, ExperimentLoop } from './types';
import { untrackedSites } from './untracked';
import type { Ctx } from './evalEnv';
import { newState } from './evaluator';
import { calledOnlyInLoops, callContexts, type CallContext } from './calls';
import { insideRun } from './logging';
import { searchLoops } from './searches';

/**
 * The experiment loops of a unit. `nests` analyses the nest of one outermost `for` (analyzeNest,
 * or a cache in front of it: incremental.ts).
 */
/**
 * The experiment loops of a unit. `nests` analyses the nest of one outermost `for` (analyzeNest,
 * or a cache in front of it: incremental.ts).
 */
export function analyzeUnit(unit: Unit, notebook: boolean, options: AnalyzeOptions = {},
  nests: (info: LoopInfo) => ExperimentLoop[] = info => analyzeNest(info, notebook)): ExperimentLoop[] {
  const out: ExperimentLoop[] = [];
  for (const info of unit.loopList) {
    if (info.outer) continue; // analysed as part of its outermost loop
    try {
      out.push(...nests(info));
    } catch (e) {
      if (!options.onError) throw e;
      options.onError(e, unit.lines.at(info.node.from).line);
    }
  }
  try {
    out.push(...searchLoops(unit, notebook, out));
  } catch (e) {
    if (!options.onError) throw e;
    options.onError(e, 1);
  }
  return out.sort((a, b) => a.from - b.from);
}

export function analyzeNest(info: LoopInfo, notebook: boolean): ExperimentLoop[] {
  const contexts = callContexts(info.scope);
  if (!contexts.length && calledOnlyInLoops(info.scope)) return [];
  if (!contexts.length) return loopsIn(info, { unit: info.scope.unit, scope: info.scope, depth: 0 }, false, notebook);
  // A loop over a function's parameter, enumerated once per call: the union, each combination with its call.
  const byRoot = new Map<number, { loop: ExperimentLoop; call: CallContext['call'] }[]>();
  for (const c of contexts) {
    for (const loop of loopsIn(info, c.ctx, c.inRun, notebook)) {
      const list = byRoot.get(loop.from) ?? [];
      list.push({ loop, call: c.call });
      byRoot.set(loop.from, list);
    }
  }
  return [...byRoot.values()].map(list => mergeCalls(list, notebook));
}

function loopsIn(info: LoopInfo, ctx: Ctx, callInRun: boolean, notebook: boolean): ExperimentLoop[] {
  const nest = gatherNest(info, ctx);
  const keyLoops = new Set<LoopRef>();
  const valueDeps = new Map<Site, Map<LoopRef, number>>();
  for (const s of nest.sites) {
    if (s.kind === 'param') {
      if ('node' in s.key) for (const d of loopDeps(s.key.node, s.ctx, s.loop).keys()) keyLoops.add(d);
      valueDeps.set(s, loopDeps(s.value, s.ctx, s.loop));
    } else if (s.kind === 'params') valueDeps.set(s, loopDeps(s.dict, s.ctx, s.loop));
    else if (s.kind === 'argv') valueDeps.set(s, loopDeps(s.command, s.ctx, s.loop));
  }
  // A loop whose variable names the keys (`for k, v in cfg.items(): log_param(k, v)`) spreads
  // one run's parameters; it does not make combinations.
  const dims = new Set<LoopRef>();
  for (const deps of valueDeps.values()) for (const d of deps.keys()) if (!keyLoops.has(d)) dims.add(d);
  const starts = (root: LoopRef) => nest.sites.some(s => (s.kind === 'start' || s.kind === 'argv') && isUnder(s.loop, root));
  for (const s of nest.sites) {
    if (s.kind !== 'start' && s.kind !== 'argv') continue;
    let l = s.loop;
    while (l && keyLoops.has(l)) l = l.parent;
    if (l) dims.add(l);
  }
  // A loop whose rows an outer loop chose (`for w in WIDTHS[model]`, or a function's loop over the
  // argument an outer loop passes it) is crossed with that outer loop.
  for (const l of [...dims]) {
    for (let todo = [l]; todo.length;) {
      const cur = todo.pop()!;
      for (const it of cur.info.iterables) {
        for (const d of loopDeps(it, cur.ctx, cur.parent).keys()) if (!dims.has(d) && !keyLoops.has(d)) { dims.add(d); todo.push(d); }
      }
    }
  }
  // A loop inside one run that starts none of its own logs that run's parameters in parts.
  const inRun = callInRun || insideRun(info.node, { ctx, st: newState() });
  const roots = nest.loops.filter(l => dims.has(l) && l.ctx.depth === 0 && !nearestIn(l.parent, dims) && !(inRun && !starts(l)));
  if (!nest.sites.length && !inRun && nest.loops[0]) return untrackedLoops(nest, nest.loops[0], notebook);
  return roots.map(r => new Enumerator(nest, r, dims, keyLoops, valueDeps, notebook).run());
}

/** A nest that logs nothing to a tracker but records results: its loops with their own variables as keys. */
function untrackedLoops(nest: Nest, root: LoopRef, notebook: boolean): ExperimentLoop[] {
  const found = untrackedSites(nest, root);
  if (!found) return [];
  const sites = { loops: nest.loops, sites: [...nest.sites, ...found.sites] };
  const deps = new Map<Site, Map<LoopRef, number>>(found.sites.map(s => [s, new Map([[s.loop!, 0]])]));
  const roots = nest.loops.filter(l => found.dims.has(l) && !nearestIn(l.parent, found.dims));
  return roots.map(r => new Enumerator(sites, r, found.dims, new Set(), deps, notebook).run())
    .filter(l => l.combinations.length)
    .map(l => ({ ...l, tracked: false }));
}

/** One loop reached through several calls: what each call runs, as one loop. */
function mergeCalls(list: { loop: ExperimentLoop; call: CallContext['call'] }[], notebook: boolean): ExperimentLoop {
  const first = list[0].loop;
  const merged: ExperimentLoop = { ...first, keys: [], unknown: [], combinations: [], repeats: [], valueSites: [], notes: [], calls: [] };
  const index = new Map<string, number>();
  const sites = new Set<string>();
  for (const { loop, call } of list) {
    for (const k of loop.keys) if (!merged.keys.includes(k)) merged.keys.push(k);
    for (const k of loop.unknown) if (!merged.unknown.includes(k)) merged.unknown.push(k);
    for (const n of loop.notes) if (!merged.notes.includes(n)) merged.notes.push(n);
    const mine: number[] = [];
    loop.combinations.forEach((c, i) => {
      const sig = Object.keys(c).sort().map(k => `${k}\u0001${canonicalValue(c[k])}`).join('\u0002');
      let at = index.get(sig);
      if (at === undefined) {
        index.set(sig, at = merged.combinations.length);
        merged.combinations.push(c);
        merged.repeats.push(0);
      }
      merged.repeats[at] += loop.repeats[i];
      mine.push(at);
    });
    for (const v of loop.valueSites) {
      const id = `${v.key}\u0001${v.site.cell ?? ''}:${v.site.from}`;
      if (!sites.has(id)) { sites.add(id); merged.valueSites.push(v); }
    }
    merged.runtimeSkip ||= loop.runtimeSkip;
    const { line } = call.unit.lines.at(call.node.from);
    merged.calls!.push(notebook ? { line, cell: call.unit.index, combinations: mine } : { line, combinations: mine });
  }
  merged.unknown = merged.keys.filter(k => merged.unknown.includes(k));
  merged.valueSites.sort((a, b) => merged.keys.indexOf(a.key) - merged.keys.indexOf(b.key) || (a.site.cell ?? 0) - (b.site.cell ?? 0) || a.site.from - b.site.from);
  const same = <T>(f: (l: ExperimentLoop) => T) => list.every(x => JSON.stringify(f(x.loop)) === JSON.stringify(f(first)));
  if (!same(l => l.experiment)) delete merged.experiment;
  if (!same(l => l.guard && [l.guard.line, l.guard.col])) delete merged.guard;
  else if (merged.guard) {
    // A key that varies between calls (`sweep("vit", ..)`) is read where every call could read it.
    const reads: Record<string, string> = {};
    for (const k of merged.keys) {
      if (new Set(merged.combinations.map(c => (k in c ? canonicalValue(c[k]) : ''))).size < 2) continue;
      const common = list.map(x => readsOf(x.loop)?.get(k) ?? []).reduce((a, b) => a.filter(e => b.includes(e)));
      if (common.length) reads[k] = common[0];
    }
    merged.guard = { ...merged.guard, reads };
  }
  return merged;
}
