// The loop analysis measured on the labelled corpus of test/corpus/loops: what it finds of the
// combinations people's experiment scripts and notebooks run, and how much of what it says is right.
import * as assert from 'node:assert/strict';
import { scoreCorpus } from './support/corpus';

describe('the loop analysis on the labelled corpus', () => {
  it('finds at least 95% of the labelled combinations, and at least 95% of what it reports is labelled', () => {
    const s = scoreCorpus();
    const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
    console.log(`      corpus: ${s.files.length} files, recall ${pct(s.recall)} (${s.found}/${s.expected}), precision ${pct(s.precision)} (${s.correct}/${s.reported})`);
    const misses = s.files.flatMap((f) => f.misses.map((m) => `${f.file} ${m}`));
    assert.ok(s.recall >= 0.95 && s.precision >= 0.95, `recall ${pct(s.recall)}, precision ${pct(s.precision)}:\n${misses.slice(0, 40).join('\n')}`);
  });
});
