/**
 * The experiment a loop's runs go to, when the source names it with a string: so the editor can
 * match the loop against that experiment's runs only. In order: the start call's own argument
 * (`runlens.start_run(experiment=..)`), a `set_experiment` in the nest, the last one before the
 * loop, then W&B's project. An earlier source that cannot be read gives no name at all, since a
 * later one would then be a guess.
 */
import { classifyCall, type SiteSpec } from './logging';
import type { Site } from './nest';
import { lookup, SET_EXPERIMENT, type LoopInfo } from './scope';
import { str } from './pyValue';
import type { Env } from './evalEnv';
import { evaluate, newState } from './evaluator';

type ExperimentSpec = Extract<SiteSpec, { kind: 'experiment' }>;

/** `sites`: the nest's sites that run in or around the loop. */
export function experimentOf(sites: Site[], loop: LoopInfo): string | undefined {
  // No loop row is set, so a name computed from a loop variable is unknown.
  const st = newState();
  const said = (via: ExperimentSpec['via']): Set<string | undefined> => {
    const names = new Set<string | undefined>();
    for (const s of sites) {
      if (s.kind !== 'experiment' || s.via !== via) continue;
      const n = nameOf(s, { ctx: s.ctx, st });
      if (n !== null) names.add(n);
    }
    return names;
  };
  for (const via of ['run', 'set'] as const) {
    const names = said(via);
    if (names.size) return single(names);
  }
  const before = setBefore(loop);
  return before !== null ? before : single(said('project'));
}

function single(names: Set<string | undefined>): string | undefined {
  return names.size === 1 ? [...names][0] : undefined;
}

/** The name an argument gives; null for `start_run(experiment=None)`, which defers to the active one. */
function nameOf(s: ExperimentSpec, env: Env): string | null | undefined {
  if (!s.arg) return undefined;
  const v = evaluate(s.arg, env);
  if (s.via === 'run' && v.t === 'scalar' && v.v === null) return null;
  return s.byId ? undefined : str(v) || undefined;
}

/** What the last `set_experiment` before the loop set: null if there is none. */
function setBefore(loop: LoopInfo): string | null | undefined {
  // Where the body starts, not the `for` itself: an `if` block just before it ends exactly there.
  const r = lookup(loop.scope, SET_EXPERIMENT, loop.body.from);
  if (!r) return null;
  const b = r.binding;
  // Opaque: a call in a branch or loop that may not have run, so either experiment may be active.
  if (b.kind !== 'value' || Array.isArray(b.value)) return undefined;
  const env: Env = { ctx: { unit: r.scope.unit, scope: r.scope, depth: 0 }, st: newState() };
  const spec = classifyCall(b.value, env).find(s => s.kind === 'experiment');
  return spec ? nameOf(spec, env) ?? undefined : undefined;
}
