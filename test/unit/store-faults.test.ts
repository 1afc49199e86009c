import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { WorkspaceStore } from '../../src/core/store/workspaceStore';
import { Catalog } from '../../src/core/store/catalog';
import { getRun, listRuns } from '../../src/core/store/queries';
import { CollectingReporter, tempWorkspace, writeRun } from './support/workspace';
import { FaultyFs, faultPlan } from './support/faults';

/** A full disk, or a write cut short, at every call through which the store writes. */
describe('a full disk at every write of the store', () => {
  const open = (ws: string, faulty: FaultyFs, reporter = new CollectingReporter(), role?: 'writer') =>
    WorkspaceStore.open(ws, { reporter, saveDelayMs: 10_000, writeFs: faulty, role });
  const leftovers = (dir: string) => fs.readdirSync(dir).filter((f) => f.endsWith('.tmp') || f.includes('.claim') || f.endsWith('.old'));

  it('the snapshot: the previous one stays whole, nothing is lost, no temporary file is left', async () => {
    const ws = tempWorkspace();
    writeRun(ws, { id: 'before', params: { lr: '0.1' } });
    const faulty = new FaultyFs((f) => f.includes('runlens.db'));
    const store = await open(ws, faulty);
    await store.save();
    // One save, watched: each call it makes is one to fail.
    writeRun(ws, { id: 'probe' });
    await store.refresh();
    faulty.failCall(-1);
    await store.save();
    const plan = faultPlan(faulty.calls);
    assert.deepEqual(plan.map((p) => `${p.call.split(' ')[0]}:${p.fault}`), ['open:full', 'write:full', 'write:short', 'fsync:full', 'close:full', 'rename:full']);
    const snapshot = fs.readFileSync(store.dbFile);
    writeRun(ws, { id: 'after', params: { lr: '0.2' } });
    await store.refresh();
    for (const { index, fault, call } of plan) {
      faulty.failCall(index, fault);
      await assert.rejects(store.save(), /Could not save the RunLens store \(the disk is full\)\. Nothing is lost: the run logs hold every run and the previous snapshot is intact\./, `${fault} at ${call}`);
      assert.deepEqual(fs.readFileSync(store.dbFile), snapshot, `${fault} at ${call}: the previous snapshot is intact`);
      assert.deepEqual(leftovers(store.dir), [], `${fault} at ${call}`);
      assert.equal(getRun(store.catalog, 'after')?.params.lr, '0.2', 'the new run is still in memory');
    }
    faulty.failCall(-1);
    await store.save();
    const saved = await Catalog.open(fs.readFileSync(store.dbFile));
    assert.deepEqual(listRuns(saved, { limit: 10 }).map((r) => r.uid).sort(), ['after', 'before', 'probe']);
    saved.close();
    await store.close();
  });

  it('a save in the background that fails is said once, and once more when it succeeds again', async () => {
    const ws = tempWorkspace();
    const faulty = new FaultyFs((f) => f.includes('runlens.db'));
    const reporter = new CollectingReporter();
    const store = await WorkspaceStore.open(ws, { reporter, saveDelayMs: 5, writeFs: faulty });
    await store.save();
    faulty.failCall(0);
    writeRun(ws, { id: 'r1' });
    await store.refresh();
    await new Promise((r) => setTimeout(r, 60));
    writeRun(ws, { id: 'r2' });
    await store.refresh();
    await new Promise((r) => setTimeout(r, 60));
    assert.deepEqual(reporter.problems, ['Could not save the RunLens store (the disk is full). Nothing is lost: the run logs hold every run and the previous snapshot is intact. Retrying every 10 s.']);
    faulty.failCall(-1);
    await store.save();
    assert.deepEqual(reporter.infos, ['The store is saved again.']);
    await store.close();
  });

  it('the lock: the command that needs it says why in a sentence, and leaves no lock file of any kind', async () => {
    const ws = tempWorkspace();
    writeRun(ws, { id: 'r1' });
    const watch = new FaultyFs((f) => f.includes('runlens.lock'));
    await (await open(ws, watch, new CollectingReporter(), 'writer')).close();
    const plan = faultPlan(watch.calls);
    assert.deepEqual(plan.map((p) => `${p.call.split(' ')[0]}:${p.fault}`), ['open:full', 'write:full', 'write:short', 'close:full', 'link:full']);
    for (const { index, fault, call } of plan) {
      const faulty = new FaultyFs((f) => f.includes('runlens.lock'));
      faulty.failCall(index, fault);
      await assert.rejects(open(ws, faulty, new CollectingReporter(), 'writer'), (e: Error) => {
        assert.match(e.message, /^cannot take the writer's lock .*runlens\.lock: the disk is full$/, `${fault} at ${call}`);
        return true;
      });
      assert.deepEqual(fs.readdirSync(path.join(ws, '.runlens')).filter((f) => f.startsWith('runlens.lock')), [], `${fault} at ${call}`);
    }
  });

  it('the lock: a window that cannot take it shows the runs read-only and says why once', async () => {
    const ws = tempWorkspace();
    writeRun(ws, { id: 'r1', params: { lr: '0.1' } });
    const faulty = new FaultyFs((f) => f.includes('runlens.lock'));
    faulty.failCall(1, 'short');
    const reporter = new CollectingReporter();
    const store = await open(ws, faulty, reporter);
    assert.equal(store.role, 'reader');
    assert.equal(getRun(store.catalog, 'r1')?.params.lr, '0.1');
    faulty.failCall(0);
    await store.refresh();
    assert.deepEqual(reporter.problems, ["This window cannot take the writer's lock of the RunLens store (the disk is full); it shows the runs read-only until it can."]);
    assert.deepEqual(fs.readdirSync(store.dir).filter((f) => f.startsWith('runlens.lock')), []);
    faulty.failCall(-1);
    await store.refresh();
    assert.equal(store.role, 'writer', 'it writes once there is room again');
    await store.close();
  });

  it('the journal: an edit that cannot be written leaves no half line, and the edits before and after it stay', async () => {
    const ws = tempWorkspace();
    writeRun(ws, { id: 'r1' });
    const faulty = new FaultyFs((f) => f.endsWith('journal.jsonl'));
    const store = await open(ws, faulty);
    await store.edit({ e: 'tag', run: 'r1', key: 'first', value: 'kept' });
    const journal = path.join(store.dir, 'journal.jsonl');
    const before = fs.readFileSync(journal);
    faulty.failCall(-1);
    await store.edit({ e: 'tag', run: 'r1', key: 'probe', value: 'x'.repeat(100) });
    const plan = faultPlan(faulty.calls);
    // (A close that fails after the whole line was written loses nothing: the line is there.)
    assert.deepEqual(plan.map((p) => `${p.call.split(' ')[0]}:${p.fault}`), ['open:full', 'write:full', 'write:short', 'close:full']);
    fs.writeFileSync(journal, before);
    for (const { index, fault, call } of plan.filter((p) => !p.call.startsWith('close'))) {
      faulty.failCall(index, fault);
      await assert.rejects(store.edit({ e: 'note', run: 'r1', text: 'lost to the full disk' }), /^Error: Could not record the edit in .*journal\.jsonl \(the disk is full\); nothing was changed\.$/);
      assert.deepEqual(fs.readFileSync(journal), before, `${fault} at ${call}: the journal is as it was`);
    }
    faulty.failCall(-1);
    await store.edit({ e: 'tag', run: 'r1', key: 'second', value: 'kept' });
    await store.close();
    const reporter = new CollectingReporter();
    const again = await WorkspaceStore.open(ws, { reporter });
    await again.rebuild();
    assert.deepEqual(getRun(again.catalog, 'r1')?.tags, { first: 'kept', second: 'kept' });
    assert.equal(getRun(again.catalog, 'r1')?.note, null);
    assert.deepEqual(reporter.problems, []);
    await again.close();
  });

  it('the journal: a half line left by another writer is closed off, so the next edit is kept whole', async () => {
    const ws = tempWorkspace();
    writeRun(ws, { id: 'r1' });
    fs.mkdirSync(path.join(ws, '.runlens'), { recursive: true });
    fs.writeFileSync(path.join(ws, '.runlens', 'journal.jsonl'), '{"e":"tag","run":"r1","key":"cut","val');
    const store = await open(ws, new FaultyFs());
    await store.edit({ e: 'tag', run: 'r1', key: 'after', value: 'kept' });
    await store.close();
    const reporter = new CollectingReporter();
    const again = await WorkspaceStore.open(ws, { reporter });
    await again.rebuild();
    assert.deepEqual(getRun(again.catalog, 'r1')?.tags, { after: 'kept' });
    assert.equal(reporter.problems.length, 1);
    assert.match(reporter.problems[0], /^journal\.jsonl:1: not JSON; skipped$/);
    await again.close();
  });
});
