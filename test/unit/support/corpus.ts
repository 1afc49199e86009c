/**
 * Scoring the loop analysis against the labelled corpus in test/corpus/loops/ (labels.json; the
 * folder's README says how it was made). Recall: the labelled combinations the analysis reports at
 * the labelled loop. Precision: the reported combinations that are labelled there. A combination is
 * its set of (key, canonical value) pairs; one that lacks a key the label calls unknown counts on
 * neither side.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { analyzeNotebook, analyzePython, type ExperimentLoop } from '../../../src/core/analysis';
import { describable } from '../../../src/core/loops/describe';
import { canonicalValue, pyTuple } from '../../../src/core/params/canonical';
import { repoRoot } from './repo';

interface LabelledLoop {
  line: number;
  cell?: number;
  tracked?: boolean;
  unknown?: string[];
  combinations?: Record<string, unknown>[];
  grid?: Record<string, unknown[]>;
  constants?: Record<string, unknown>;
  repeats?: number;
}

export interface FileScore { file: string; expected: number; found: number; reported: number; correct: number; misses: string[] }
export interface CorpusScore { files: FileScore[]; expected: number; found: number; reported: number; correct: number; recall: number; precision: number }

export const CORPUS_DIR = (): string => path.join(repoRoot(), 'test', 'corpus', 'loops');

/** `{"$tuple": [..]}` in a label is a Python tuple. */
function decode(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(decode);
  if (v && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    if (Array.isArray(o.$tuple) && Object.keys(o).length === 1) return pyTuple(o.$tuple.map(decode));
    return Object.fromEntries(Object.entries(o).map(([k, x]) => [k, decode(x)]));
  }
  return v;
}

function combinationsOf(l: LabelledLoop): Record<string, unknown>[] {
  if (l.combinations) return l.combinations.map((c) => decode(c) as Record<string, unknown>);
  let rows: Record<string, unknown>[] = [{}];
  for (const [k, values] of Object.entries(l.grid ?? {})) rows = rows.flatMap((r) => values.map((v) => ({ ...r, [k]: decode(v) })));
  return rows.map((r) => ({ ...r, ...(decode(l.constants ?? {}) as Record<string, unknown>) }));
}

function signature(c: Record<string, unknown>): string {
  return Object.keys(c).sort().map((k) => `${k}\u0001${canonicalValue(c[k])}`).join('\u0002');
}

function reportedLoops(file: string, text: string): { cell?: number; loop: ExperimentLoop }[] {
  if (!file.endsWith('.ipynb')) return analyzePython(text).map((loop) => ({ loop }));
  const nb = JSON.parse(text) as { cells: { cell_type: string; source: string | string[] }[] };
  const code = nb.cells.filter((c) => c.cell_type === 'code').map((c) => (Array.isArray(c.source) ? c.source.join('') : c.source));
  return analyzeNotebook(code).flatMap((r) => r.loops.map((loop) => ({ cell: r.cell, loop })));
}

export function scoreCorpus(dir = CORPUS_DIR()): CorpusScore {
  const labels = JSON.parse(fs.readFileSync(path.join(dir, 'labels.json'), 'utf8')) as Record<string, LabelledLoop[] | string>;
  const files: FileScore[] = [];
  for (const [file, loops] of Object.entries(labels)) {
    if (file.startsWith('_') || typeof loops === 'string') continue;
    const reported = reportedLoops(file, fs.readFileSync(path.join(dir, file), 'utf8')).filter((r) => describable(r.loop));
    const score: FileScore = { file, expected: 0, found: 0, reported: 0, correct: 0, misses: [] };
    const where = (cell: number | undefined, line: number) => `${cell === undefined ? '' : `cell ${cell} `}line ${line}`;
    for (const r of reported) {
      const label = loops.find((l) => l.line === r.loop.line && l.cell === r.cell);
      const skip = new Set(label?.unknown ?? []);
      const labelled = new Set(label ? combinationsOf(label).map(signature) : []);
      // An untracked loop reported as tracked would be matched against runs it never logged.
      const trackedRight = label !== undefined && (label.tracked ?? true) === ((r.loop as { tracked?: boolean }).tracked ?? true);
      const keys = new Set(Object.keys(label ? combinationsOf(label)[0] ?? {} : {}));
      for (const c of r.loop.combinations) {
        if ([...skip].some((k) => keys.has(k) && !(k in c))) continue; // partly unknown, as labelled
        score.reported++;
        if (trackedRight && labelled.has(signature(c))) score.correct++;
        else score.misses.push(`${where(r.cell, r.loop.line)}: reported ${JSON.stringify(c)}`);
      }
    }
    for (const l of loops) {
      const r = reported.find((x) => x.loop.line === l.line && x.cell === l.cell);
      const got = new Set(r && ((r.loop as { tracked?: boolean }).tracked ?? true) === (l.tracked ?? true) ? r.loop.combinations.map(signature) : []);
      for (const c of combinationsOf(l)) {
        score.expected++;
        if (got.has(signature(c))) score.found++;
        else score.misses.push(`${where(l.cell, l.line)}: missed ${JSON.stringify(c)}`);
      }
    }
    files.push(score);
  }
  const sum = (f: (s: FileScore) => number) => files.reduce((n, s) => n + f(s), 0);
  const expected = sum((s) => s.expected), found = sum((s) => s.found), reported = sum((s) => s.reported), correct = sum((s) => s.correct);
  return { files, expected, found, reported, correct, recall: expected ? found / expected : 1, precision: reported ? correct / reported : 1 };
}
