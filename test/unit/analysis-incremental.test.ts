// Re-analysing a file as it is edited gives exactly what analysing it afresh gives, whatever the
// edit: inside a loop, around it, in what loops read, or breaking the syntax.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { analyzePython } from '../../src/core/analysis';
import { IncrementalAnalysis } from '../../src/core/analysis/incremental';
import { CORPUS_DIR } from './support/corpus';

/** A small deterministic pseudo-random sequence (no test may depend on the clock). */
function random(seed: number): () => number {
  let s = seed;
  return () => { s = (s * 1103515245 + 12345) % 2147483648; return s / 2147483648; };
}

const EDITS = ['\n', '    pass\n', 'lr = 0.5\n', 'BASE = {"x": 1}\n', '0', ', 7', '# note\n', 'for q in [1, 2]:\n    mlflow.log_param("q", q)\n', ')'];

function edited(source: string, next: () => number): string {
  const lineStarts = [0, ...[...source.matchAll(/\n/g)].map((m) => m.index! + 1)];
  const roll = next();
  if (roll < 0.35) {
    // Insert text at the start of a line, indented like it.
    const at = lineStarts[Math.floor(next() * lineStarts.length)];
    const indent = /^[ \t]*/.exec(source.slice(at))![0];
    return source.slice(0, at) + indent + EDITS[Math.floor(next() * EDITS.length)] + source.slice(at);
  }
  if (roll < 0.65) {
    // Change a number.
    const numbers = [...source.matchAll(/\b\d+(\.\d+)?\b/g)];
    if (!numbers.length) return source + '\n';
    const m = numbers[Math.floor(next() * numbers.length)];
    return source.slice(0, m.index) + String(Math.floor(next() * 100)) + source.slice(m.index! + m[0].length);
  }
  if (roll < 0.85) {
    // Delete a line.
    const i = Math.floor(next() * (lineStarts.length - 1));
    return source.slice(0, lineStarts[i]) + source.slice(lineStarts[i + 1]);
  }
  // Insert anywhere, possibly breaking the syntax.
  const at = Math.floor(next() * source.length);
  return source.slice(0, at) + EDITS[Math.floor(next() * EDITS.length)] + source.slice(at);
}

describe('analysis: incremental re-analysis as a file is edited', () => {
  const files = fs.readdirSync(CORPUS_DIR()).filter((f) => f.endsWith('.py'));
  for (const file of files) {
    it(`gives what a fresh analysis gives after each of 25 edits to ${file}`, () => {
      let source = fs.readFileSync(path.join(CORPUS_DIR(), file), 'utf8');
      const inc = new IncrementalAnalysis();
      const next = random(file.length * 7919);
      assert.deepEqual(inc.update(source), analyzePython(source));
      for (let i = 0; i < 25; i++) {
        source = edited(source, next);
        assert.deepEqual(inc.update(source), analyzePython(source), `after edit ${i + 1}:\n${source}`);
      }
    });
  }

  it('moves a reused loop and the literals it reads from outside it when an earlier loop grows', () => {
    const before = `import mlflow
LRS = [0.1, 0.2]
for a in [1, 2]:
    mlflow.log_param("a", a)
BS = [8]
for lr in LRS:
    for bs in BS:
        mlflow.log_params({"lr": lr, "bs": bs})
`;
    const inc = new IncrementalAnalysis();
    inc.update(before);
    const after = before.replace('    mlflow.log_param("a", a)\n', '    x = a * 2\n\n    mlflow.log_param("a", a)\n');
    const loops = inc.update(after);
    assert.deepEqual(loops, analyzePython(after));
    assert.deepEqual(loops[1].valueSites.map((v) => [v.site.line, v.site.text]), [[2, '0.1'], [2, '0.2'], [7, '8']]);
  });
});
