import * as assert from 'node:assert/strict';
import { WorkspaceStore } from '../../src/core/store/workspaceStore';
import { RunTable, tableColumns, type TableQuery } from '../../src/core/store/runTable';
import { CollectingReporter, T0, tempWorkspace, writeRun } from './support/workspace';

async function storeWith(runs: Parameters<typeof writeRun>[1][]) {
  const ws = tempWorkspace();
  for (const r of runs) writeRun(ws, r);
  return WorkspaceStore.open(ws, { reporter: new CollectingReporter() });
}

const uids = (t: RunTable, q: Partial<TableQuery>) => t.page({ offset: 0, limit: 100, ...q }).rows.map((r) => r.uid);

describe('the runs table: pages in any column order', () => {
  it('sorts parameters by value when they are numbers (1e-3 < 0.01 < 0.1), text after, missing last', async () => {
    const store = await storeWith([
      { id: 'a', params: { lr: '0.1' } }, { id: 'b', params: { lr: '1e-3' } }, { id: 'c', params: { lr: '0.01' } },
      { id: 'd', params: { lr: 'auto' } }, { id: 'e', params: { bs: '32' } },
    ]);
    const t = new RunTable(store.catalog);
    assert.deepEqual(uids(t, { sort: { kind: 'param', key: 'lr', descending: false } }), ['b', 'c', 'a', 'd', 'e']);
    assert.deepEqual(uids(t, { sort: { kind: 'param', key: 'lr', descending: true } }), ['a', 'c', 'b', 'd', 'e']);
    await store.close();
  });

  it('sorts by a metric with runs that lack it last either way, and filters with the runs filter language', async () => {
    const store = await storeWith([
      { id: 'a', params: { opt: 'adam' }, metrics: [['acc', 0.5, 0]] },
      { id: 'b', params: { opt: 'sgd' }, metrics: [['acc', 0.9, 0]] },
      { id: 'c', params: { opt: 'adam' } },
      { id: 'd', params: { opt: 'adam' }, metrics: [['acc', 0.7, 0]], status: 'failed' },
    ]);
    const t = new RunTable(store.catalog);
    assert.deepEqual(uids(t, { sort: { kind: 'metric', key: 'acc', descending: true } }), ['b', 'd', 'a', 'c']);
    assert.deepEqual(uids(t, { sort: { kind: 'metric', key: 'acc', descending: false } }), ['a', 'd', 'b', 'c']);
    const page = t.page({ offset: 0, limit: 100, filter: "params.opt = 'adam' and status != failed", sort: { kind: 'field', key: 'name', descending: false } });
    assert.deepEqual(page.rows.map((r) => r.uid), ['a', 'c']);
    assert.equal(page.total, 2);
    await store.close();
  });

  it('serves deep pages from one sort, in the same order as one big page, and sorts again once the store changes', async () => {
    const runs = Array.from({ length: 250 }, (_, i) => ({ id: `r${String(i).padStart(3, '0')}`, params: { seed: String((i * 37) % 101) }, t: T0 + i }));
    const store = await storeWith(runs);
    const t = new RunTable(store.catalog);
    const sort = { kind: 'param' as const, key: 'seed', descending: false };
    const whole = t.page({ offset: 0, limit: 250, sort }).rows.map((r) => r.uid);
    const paged = [0, 100, 200].flatMap((offset) => t.page({ offset, limit: 100, sort }).rows.map((r) => r.uid));
    assert.deepEqual(paged, whole);
    assert.equal(t.page({ offset: 100, limit: 100, sort }).total, 250);
    await store.edit({ e: 'delete', run: whole[150] });
    const after = t.page({ offset: 100, limit: 100, sort });
    assert.equal(after.total, 249, 'the cached order is dropped when the catalog changes');
    assert.ok(!after.rows.some((r) => r.uid === whole[150]));
    await store.close();
  });

  it('ranks by a metric the same way on the first page (read off the index) as on later pages (one full sort)', async () => {
    // Ties, NaN (stored as no value) and runs without the metric: the cases where two orderings could disagree.
    const runs = Array.from({ length: 60 }, (_, i) => ({ id: `m${String(i).padStart(2, '0')}`, metrics: i % 7 === 0 ? [] : [['score', i % 5 === 0 ? 'NaN' : (i % 4) / 4, 0]] as [string, number | string, number][] }));
    const store = await storeWith(runs);
    for (const descending of [true, false]) {
      const sort = { kind: 'metric' as const, key: 'score', descending };
      const first = new RunTable(store.catalog).page({ offset: 0, limit: 60, sort }).rows.map((r) => r.uid);
      const t = new RunTable(store.catalog);
      const paged = [t.page({ offset: 0, limit: 1, sort }), ...[1, 21, 41].map((offset) => t.page({ offset, limit: 20, sort }))].flatMap((p) => p.rows.map((r) => r.uid));
      assert.deepEqual(paged, first, descending ? 'descending' : 'ascending');
      assert.equal(first.length, 60);
    }
    await store.close();
  });

  it('finds the columns of one experiment: every param and metric key its runs logged, and no other', async () => {
    const store = await storeWith([
      { id: 'a', experiment: 'one', params: { lr: '0.1', bs: '32' }, metrics: [['loss', 1, 0]] },
      { id: 'b', experiment: 'one', params: { lr: '0.2', depth: '3' }, metrics: [['acc', 1, 0]] },
      { id: 'c', experiment: 'two', params: { width: '8' }, metrics: [['f1', 1, 0]] },
    ]);
    const one = store.catalog.experimentIds.get('one')!;
    assert.deepEqual(tableColumns(store.catalog, one), { params: ['bs', 'depth', 'lr'], metrics: ['acc', 'loss'] });
    assert.deepEqual(tableColumns(store.catalog), { params: ['bs', 'depth', 'lr', 'width'], metrics: ['acc', 'f1', 'loss'] });
    const page = new RunTable(store.catalog).page({ experimentId: one, offset: 0, limit: 10, withColumns: true });
    assert.deepEqual(page.columns?.params, ['bs', 'depth', 'lr']);
    assert.equal(page.total, 2);
    await store.close();
  });
});
