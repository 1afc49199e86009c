import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { MAX_LINE_BYTES, readLines, type LineResult } from '../../src/core/runlog/lines';
import { readLine, type RunEvent } from '../../src/core/runlog/events';
import { WorkspaceStore } from '../../src/core/store/workspaceStore';
import { getRun } from '../../src/core/store/queries';
import { repoRoot } from './support/repo';
import { appendLog, CollectingReporter, line, T0, tempWorkspace } from './support/workspace';

interface Vector {
  why: string;
  line?: string;
  line_base64?: string;
  line_parts?: [string, number][];
  line_fill?: { prefix: string; fill: string; suffix: string; bytes_past_max: number };
  outcome: 'event' | 'blank' | 'unknown' | 'problem';
  event?: unknown;
  reason?: string;
  type?: string;
  big?: boolean;
}

const shared = JSON.parse(fs.readFileSync(path.join(repoRoot(), 'test/vectors/runlog-lines.json'), 'utf8')) as { max_line_bytes: number; vectors: Vector[] };

/** The bytes of a vector's line, without its newline. */
function bytesOf(v: Vector): Buffer {
  if (v.line !== undefined) return Buffer.from(v.line, 'utf8');
  if (v.line_base64 !== undefined) return Buffer.from(v.line_base64, 'base64');
  if (v.line_parts) return Buffer.from(v.line_parts.map(([text, times]) => text.repeat(times)).join(''), 'utf8');
  const f = v.line_fill!;
  const total = shared.max_line_bytes + f.bytes_past_max;
  const fill = total - Buffer.byteLength(f.prefix) - Buffer.byteLength(f.suffix);
  return Buffer.concat([Buffer.from(f.prefix), Buffer.alloc(fill, f.fill), Buffer.from(f.suffix)]);
}

const plain = (n: number): number | string => (Number.isNaN(n) ? 'NaN' : n === Infinity ? 'Infinity' : n === -Infinity ? '-Infinity' : n === 0 ? 0 : n);

/** What an event means, in the vectors' terms (the fields both readers use). */
function meaning(ev: RunEvent): unknown {
  switch (ev.e) {
    case 'start': return { e: ev.e, t: ev.t, run: ev.run ?? null, experiment: ev.experiment, name: ev.name, parent: ev.parent, host: ev.host, pid: ev.pid, resume: ev.resume };
    case 'params': return { e: ev.e, t: ev.t, params: { ...ev.params } };
    case 'tags': return { e: ev.e, t: ev.t, tags: { ...ev.tags } };
    case 'metrics': return { e: ev.e, t: ev.t, points: ev.points.map((p) => [p.key, plain(p.value), p.step, p.t]) };
    case 'heartbeat': return { e: ev.e, t: ev.t };
    case 'artifact': return { e: ev.e, t: ev.t, path: ev.path, size: ev.size, sha256: ev.sha256, media_type: ev.mediaType };
    case 'untag': return { e: ev.e, t: ev.t, key: ev.key };
    case 'end': return { e: ev.e, t: ev.t, status: ev.status, error: ev.error ? { type: ev.error.type ?? null, message: ev.error.message ?? null, traceback: ev.error.traceback ?? null } : null };
    case 'upload': return { ...ev };
  }
}

function check(v: Vector, l: LineResult): void {
  if (!l.ok) {
    assert.equal(v.outcome, 'problem', `skipped as "${l.reason}"`);
    assert.ok(l.reason.startsWith(v.reason!), `reason "${l.reason}"`);
    return;
  }
  const reading = readLine(l.text);
  assert.equal(reading.kind, v.outcome, JSON.stringify(reading).slice(0, 300));
  if (reading.kind === 'event') assert.deepEqual(meaning(reading.event), v.event);
  if (reading.kind === 'unknown') assert.equal(reading.type, v.type);
  if (reading.kind === 'problem') assert.ok(reading.reason.startsWith(v.reason!), `reason "${reading.reason}"`);
}

/** Reads `vectors` written one a line into a log, as the store reads a log; one result per line. */
function readAll(vectors: Vector[]): LineResult[] {
  const dir = tempWorkspace();
  const file = path.join(dir, 'lines.jsonl');
  const fd = fs.openSync(file, 'w');
  for (const v of vectors) { fs.writeSync(fd, bytesOf(v)); fs.writeSync(fd, '\n'); }
  fs.closeSync(fd);
  const results: LineResult[] = [];
  const end = readLines(file, 0, 0, (l) => results.push(l));
  assert.equal(end.pending, 0);
  fs.rmSync(file);
  return results;
}

describe('run-log lines: the store reads them as the shared vectors say (the Python client reads the same file)', () => {
  it('the longest line read is the one the vectors name', () => assert.equal(MAX_LINE_BYTES, shared.max_line_bytes));

  const small = shared.vectors.filter((v) => !v.big);
  const results = readAll(small);
  small.forEach((v, i) => it(`${v.outcome}: ${v.why}`, () => {
    assert.equal(results.length, small.length, 'one result per line');
    check(v, results[i]);
  }));

  it('the 64 MB cap holds wherever the line falls across reading chunks', function () {
    this.timeout(60_000);
    const big = shared.vectors.filter((v) => v.big);
    // A short line first, so the long ones do not start on a chunk boundary.
    const lines = readAll([small[0], ...big, small[0]]);
    assert.equal(lines.length, big.length + 2);
    big.forEach((v, i) => check(v, lines[i + 1]));
    check(small[0], lines[big.length + 1]);
  });

  it('ingesting a log of every line reports each problem once and keeps every good line', async () => {
    const ws = tempWorkspace();
    const file = appendLog(ws, 'vectors', line({ e: 'start', t: T0, run: 'vectors', experiment: 'exp' }));
    fs.appendFileSync(file, Buffer.concat(small.flatMap((v) => [bytesOf(v), Buffer.from('\n')])));
    const reporter = new CollectingReporter();
    const store = await WorkspaceStore.open(ws, { reporter, saveDelayMs: 10 });
    try {
      const skipped = reporter.problems.filter((p) => p.endsWith('; the line was skipped'));
      assert.equal(skipped.length, small.filter((v) => v.outcome === 'problem').length, skipped.join('\n'));
      assert.equal(reporter.infos.filter((m) => m.includes('newer client')).length, small.filter((v) => v.outcome === 'unknown').length);
      const run = getRun(store.catalog, 'vectors')!;
      assert.equal(run.params.lr, '0.001');
      assert.equal(run.tags['runlens.lost_points'], '12');
    } finally {
      await store.close();
    }
  });
});
