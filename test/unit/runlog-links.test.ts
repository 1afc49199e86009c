import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { WorkspaceStore } from '../../src/core/store/workspaceStore';
import { getRun } from '../../src/core/store/queries';
import { CollectingReporter, line, T0, tempWorkspace, writeRun } from './support/workspace';

/** A finished run's log, written somewhere outside the workspace's .runlens/. */
function outsideLog(dir: string, id: string): string {
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${id}.jsonl`);
  fs.writeFileSync(file, line({ e: 'start', t: T0, run: id, experiment: 'exp' }) + line({ e: 'end', t: T0 + 1, status: 'finished', error: null }));
  return file;
}

async function ingest(ws: string): Promise<{ reporter: CollectingReporter; uids: (id: string) => boolean }> {
  const reporter = new CollectingReporter();
  const store = await WorkspaceStore.open(ws, { reporter, saveDelayMs: 10 });
  const has = new Map<string, boolean>();
  for (const id of ['inside', 'day', 'file', 'runs']) has.set(id, getRun(store.catalog, id) !== undefined);
  await store.close();
  return { reporter, uids: (id) => has.get(id)! };
}

describe('run logs behind symbolic links under .runlens/runs/ are not read', () => {
  it('a day folder that is a link is skipped and reported', async () => {
    const ws = tempWorkspace();
    writeRun(ws, { id: 'inside' }, '2030-01-01');
    outsideLog(path.join(ws, 'outside'), 'day');
    fs.symlinkSync(path.join(ws, 'outside'), path.join(ws, '.runlens', 'runs', '2030-01-02'));
    const { reporter, uids } = await ingest(ws);
    assert.ok(uids('inside'));
    assert.ok(!uids('day'));
    assert.deepEqual(reporter.problems, ['runs/2030-01-02: a symbolic link; run logs are read only inside .runlens/: ignored']);
  });

  it('a log that is a link is skipped and reported', async () => {
    const ws = tempWorkspace();
    writeRun(ws, { id: 'inside' }, '2030-01-01');
    fs.symlinkSync(outsideLog(path.join(ws, 'outside'), 'file'), path.join(ws, '.runlens', 'runs', '2030-01-01', 'file.jsonl'));
    const { reporter, uids } = await ingest(ws);
    assert.ok(uids('inside'));
    assert.ok(!uids('file'));
    assert.deepEqual(reporter.problems, ['runs/2030-01-01/file.jsonl: a symbolic link; run logs are read only inside .runlens/: ignored']);
  });

  it('a runs folder that is a link is not read at all', async () => {
    const ws = tempWorkspace();
    outsideLog(path.join(ws, 'outside', '2030-01-01'), 'runs');
    fs.mkdirSync(path.join(ws, '.runlens'));
    fs.symlinkSync(path.join(ws, 'outside'), path.join(ws, '.runlens', 'runs'));
    const { reporter, uids } = await ingest(ws);
    assert.ok(!uids('runs'));
    assert.deepEqual(reporter.problems, ['runs: a symbolic link; run logs are read only inside .runlens/: ignored']);
  });
});
