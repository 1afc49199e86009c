import * as assert from 'node:assert/strict';
import { analyzePython, type ExperimentLoop } from '../../../src/core/analysis';

/** The one experiment loop of `source`; fails the test when there is not exactly one. */
export function only(source: string): ExperimentLoop {
  const loops = analyzePython(source);
  assert.equal(loops.length, 1, `expected one experiment loop, got ${loops.length}`);
  return loops[0];
}
