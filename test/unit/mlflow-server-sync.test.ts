/**
 * Following a tracking server: what the sync asks and what it makes of the answers, on the recorded
 * follow sequence of a real MLflow 2.17.2 server (state A; runs added, finished, deleted, edited;
 * state B), and what the store keeps when the server goes away.
 */
import * as assert from 'node:assert/strict';
import { MlflowRestApi } from '../../src/core/mlflowServer/api';
import { MlflowHttp } from '../../src/core/mlflowServer/http';
import { syncServer } from '../../src/core/mlflowServer/sync';
import type { MlflowSnapshot, StoreFingerprint } from '../../src/core/mlflow/model';
import { WorkspaceStore } from '../../src/core/store/workspaceStore';
import { getRun, listRuns, lookupCombinations } from '../../src/core/store/queries';
import { MlflowReplay } from '../support/mlflowReplay';
import { REST } from './mlflow-server-client.test';
import { CollectingReporter, tempWorkspace } from './support/workspace';

const FOLLOW = { experiments: ['rec-alpha', 'rec-beta'] };
/** The recording followed with pages of 100 runs; RunLens asks 1,000 a page, the same question otherwise. */
const PAGE = 100;
const STATE_A_NEWEST_START = 1796569645556;

describe('following a tracking server (recorded MLflow 2.17.2)', () => {
  let replay: MlflowReplay;
  let api: MlflowRestApi;
  let clock = 1_000_000;
  const now = () => clock;

  before(async () => {
    replay = await MlflowReplay.start(REST, []);
    api = new MlflowRestApi(new MlflowHttp(replay.uri, { timeoutMs: 5000 }));
  });
  after(() => replay.stop());
  afterEach(() => assert.deepEqual(replay.unmatched.splice(0), [], 'every request was one the server answered when recorded'));

  async function firstSync(): Promise<MlflowSnapshot> {
    replay.use(['008', '134']);
    return syncServer(api, FOLLOW, undefined, { pageSize: PAGE, now });
  }

  it('first syncs every run of the followed experiments, deleted ones included, in one search', async () => {
    const snap = await firstSync();
    assert.deepEqual(replay.served.splice(0), ['008-experiments-search-all', '134-follow-state-a']);
    assert.deepEqual(snap.experiments.map((e) => e.name), ['rec-alpha', 'rec-beta']);
    assert.equal(snap.runs.length, 14);
    const w = snap.fingerprint.server!;
    assert.equal(w.maxStart, STATE_A_NEWEST_START);
    assert.deepEqual(w.running.map((id) => snap.runs.find((r) => r.runId === id)!.name), ['still-running']);
    assert.deepEqual(w.deleted.map((id) => snap.runs.find((r) => r.runId === id)!.name), ['to-delete']);
    assert.equal(w.syncedAt, clock);
  });

  it('then asks only for the runs started since the newest start it saw', async () => {
    const first = await firstSync();
    replay.served.splice(0);
    // A poll when no run was running, and neither the deletions nor a full pass are due.
    const previous: StoreFingerprint = { ...first.fingerprint, server: { ...first.fingerprint.server!, running: [], lastFull: clock, lastDeletedCheck: clock } };
    replay.use(['008', '150']);
    const snap = await syncServer(api, FOLLOW, previous, { pageSize: PAGE, now });
    assert.deepEqual(replay.served.splice(0), ['008-experiments-search-all', '150-follow-start-time-gt-last-seen']);
    assert.deepEqual(snap.runs.map((r) => r.name).sort(), ['follow-new-1', 'follow-new-2', 'follow-new-3', 'follow-new-4', 'follow-new-5']);
    assert.deepEqual(snap.removedRunIds, []);
    const running = snap.fingerprint.server!.running.map((id) => snap.runs.find((r) => r.runId === id)?.name).sort();
    assert.deepEqual(running, ['follow-new-2', 'follow-new-3', 'follow-new-4', 'follow-new-5']);
  });

  it('asks again about the runs that were running, by id', async () => {
    const first = await firstSync();
    const [lr001, lr01] = ['sweep-lr-0.001', 'sweep-lr-0.01'].map((n) => first.runs.find((r) => r.name === n)!.runId);
    // As if these two had been running at the last sync: the recording asked about exactly these.
    const previous: StoreFingerprint = { ...first.fingerprint, server: { ...first.fingerprint.server!, running: [lr001, lr01], lastFull: clock, lastDeletedCheck: clock } };
    replay.use(['008', '150', '111']);
    replay.served.splice(0);
    const snap = await syncServer(api, FOLLOW, previous, { pageSize: PAGE, now });
    assert.deepEqual(replay.served.splice(0), ['008-experiments-search-all', '150-follow-start-time-gt-last-seen', '111-runs-search-filter-attributes-run-id-in']);
    assert.ok(!snap.fingerprint.server!.running.includes(lr001) && !snap.fingerprint.server!.running.includes(lr01), 'they ended: no longer asked about');
  });

  it('a full pass finds what no start-time query shows: late edits, deletions, a run with no start time', async () => {
    const first = await firstSync();
    clock += 60 * 60_000;
    replay.use(['008', '149']);
    const snap = await syncServer(api, FOLLOW, first.fingerprint, { pageSize: PAGE, now });
    const changed = snap.runs.map((r) => r.name).sort();
    assert.deepEqual(changed, [
      'follow-new-1', 'follow-new-2', 'follow-new-3', 'follow-new-4', 'follow-new-5', 'follow-no-start-time',
      'renamed-from-tag', 'still-running', 'sweep-lr-0.001', 'sweep-parent',
    ]);
    const byName = new Map(snap.runs.map((r) => [r.name, r]));
    assert.equal(byName.get('renamed-from-tag')!.lifecycle, 'deleted');
    assert.equal(byName.get('still-running')!.status, 'FINISHED');
    assert.equal(byName.get('sweep-lr-0.001')!.latest.loss.step, 7, 'three points logged on a finished run');
    assert.equal(byName.get('sweep-parent')!.tags.reviewed, 'yes', 'a tag set on an old run');
    const w = snap.fingerprint.server!;
    assert.equal(w.lastFull, clock);
    assert.ok(w.running.includes(byName.get('follow-no-start-time')!.runId));
    assert.equal(w.deleted.length, 2);
  });

  describe('in the store', function () {
    this.timeout(30_000);

    async function followed() {
      const ws = tempWorkspace();
      const reporter = new CollectingReporter();
      const uri = replay.uri;
      const store = await WorkspaceStore.open(ws, {
        reporter, followEveryMs: 0, allowedSources: { list: () => [uri] },
        servers: () => ({ where: 'terminal', pageSize: PAGE, timeoutMs: 3000 }),
      });
      replay.use(['008', '134']);
      await store.importSource('mlflow-server', uri, FOLLOW.experiments);
      return { ws, store, reporter, uri };
    }

    it('imports the runs with their source, where lookups count them', async () => {
      const { store, uri } = await followed();
      const runs = listRuns(store.catalog, { limit: 100, includeDeleted: true });
      assert.equal(runs.length, 14);
      const sweep = getRun(store.catalog, runs.find((r) => r.name === 'sweep-lr-0.001')!.id)!;
      assert.equal(sweep.source, `mlflow-server:${uri}#922252d5808e45668e95a9eab9ab7e8b`);
      assert.equal(sweep.experiment, 'rec-alpha');
      const [state] = lookupCombinations(store.catalog, ['lr', 'batch_size'], [{ lr: 1e-3, batch_size: 32 }], { experimentId: store.catalog.experimentIds.get('rec-alpha') });
      assert.equal(state.state, 'finished');
      await store.close();
    });

    it('keeps everything synced when the server goes away, says so once, and says when it is back', async () => {
      const { store, reporter, uri } = await followed();
      const before = store.serverStatuses()[0];
      assert.equal(before.state, 'synced');
      assert.deepEqual(before.experiments, ['rec-alpha', 'rec-beta']);
      await replay.stop();
      try {
        await store.syncSources();
        await store.syncSources();
        const status = store.serverStatuses()[0];
        assert.equal(status.state, 'offline');
        assert.equal(status.lastSync, before.lastSync);
        assert.match(status.message ?? '', new RegExp(`${uri.replace(/[.]/g, '\\.')} cannot be reached`));
        assert.equal(reporter.problems.filter((p) => p.includes('cannot be reached')).length, 1, reporter.problems.join('\n'));
        assert.equal(listRuns(store.catalog, { limit: 100, includeDeleted: true }).length, 14);
      } finally {
        await replay.restart();
      }
      replay.use(['008', '149']);
      await store.syncSources();
      assert.equal(store.serverStatuses()[0].state, 'synced');
      assert.ok(reporter.infos.some((m) => m.includes('answers again')), reporter.infos.join('\n'));
      assert.equal(listRuns(store.catalog, { limit: 100, includeDeleted: true }).length, 20);
      await store.close();
    });

    it('never contacts a server the person has not allowed', async () => {
      const ws = tempWorkspace();
      const reporter = new CollectingReporter();
      const store = await WorkspaceStore.open(ws, { reporter, followEveryMs: 0, servers: () => ({ where: 'terminal', pageSize: PAGE }) });
      replay.served.splice(0);
      await assert.rejects(store.importSource('mlflow-server', replay.uri), /only once you allow it/);
      assert.deepEqual(replay.served, []);
      await store.close();
    });
  });
});
