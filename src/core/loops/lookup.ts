/**
 * Looking up a loop's combinations, as the editor's lens and `runlens analyze` both do: with the
 * keys that can be known, ranked by the key metric, or, when the workspace's usual metric is not
 * among what this loop's runs logged, by what they did log.
 */
import type { ExperimentLoop } from '../analysis';
import type { CombinationState } from '../store/types';
import { chooseKeyMetric } from '../runs/keyMetric';
import { portableValue } from '../params/canonical';

export interface LoopLookupPort {
  lookup(keys: string[], combinations: Record<string, unknown>[], metric: string | undefined): Promise<CombinationState[]> | CombinationState[];
  /** The metric names a run logged. */
  metricsOf(uid: string): Promise<string[]> | string[];
}

/** The keys a loop's combinations can be matched on: a key unknown in some combination cannot be, unless every combination has it. */
export function matchableKeys(loop: ExperimentLoop): string[] {
  return loop.keys.filter((k) => !loop.unknown.includes(k) || loop.combinations.every((c) => k in c));
}

export async function lookupLoop(loop: ExperimentLoop, port: LoopLookupPort, configured: string, available: string[]):
  Promise<{ metric: string | undefined; states: CombinationState[] }> {
  const keys = matchableKeys(loop);
  // The store may sit across a worker boundary, where a tuple would arrive as a list.
  const combinations = loop.combinations.map((c) => Object.fromEntries(Object.entries(c).map(([k, v]) => [k, portableValue(v)])));
  let metric = chooseKeyMetric(configured, available);
  let states = await port.lookup(keys, combinations, metric);
  const finished = !configured && states.find((st) => st.state === 'finished' && st.best === null)?.runs[0];
  if (finished) {
    const own = chooseKeyMetric('', [...await port.metricsOf(finished.uid)].sort());
    if (own && own !== metric) {
      metric = own;
      states = await port.lookup(keys, combinations, metric);
    }
  }
  return { metric, states };
}
