/**
 * One rule for the experiment a launched run goes to, shared by the launcher, the sweep's question
 * and the lens: the experiment the code names; else the one the loop's earlier runs are in (so a
 * sweep continues where those runs are); else the Python client's default.
 */

/** The Python client's default experiment (python/runlens/_env.py DEFAULT_EXPERIMENT). */
export const CLIENT_DEFAULT_EXPERIMENT = 'Default';

export interface Destination {
  name: string;
  /** Why this one: said in the sweep's question. */
  from: 'code' | 'earlier runs' | 'default';
}

export function runDestination(named: string | undefined, earlierRuns: string | undefined): Destination {
  if (named) return { name: named, from: 'code' };
  if (earlierRuns) return { name: earlierRuns, from: 'earlier runs' };
  return { name: CLIENT_DEFAULT_EXPERIMENT, from: 'default' };
}
