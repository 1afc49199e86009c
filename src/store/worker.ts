import * as path from 'node:path';
import { parentPort } from 'node:worker_threads';
import { setMlflowReaderWorker } from '../core/mlflow/fileStore';
import { WorkspaceStore } from '../core/store/workspaceStore';
import { setSqlJsWasmPath } from '../core/store/sqljs';
import { countRuns, declaredGoal, getRun, listExperiments, listRuns, lookupCombinations, metricNames } from '../core/store/queries';
import type { FromWorker, ServerConfig, StoreApi, ToWorker } from './protocol';
import type { ServerConnection } from '../core/store/serverFollow';
import { RunTable } from '../core/store/runTable';
import { triedValues } from '../core/store/triedValues';

// The store's own thread: the only place the sql.js database lives in the extension.
const port = parentPort!;
const post = (m: FromWorker) => port.postMessage(m);
let store: WorkspaceStore | undefined;
let timer: NodeJS.Timeout | undefined;
let ticking = false;
let table: RunTable | undefined;
/** The sources outside the folder this user allowed (the extension keeps the list in its global state). */
const allowed = new Set<string>();
/** How to reach each server the editor configured: credentials live here, in memory, and nowhere else. */
const connections = new Map<string, ServerConnection>();
/** Servers allowed by the editor's settings (as opposed to by the person's own list). */
let allowedBySettings = new Set<string>();

function configure(s: WorkspaceStore, servers: ServerConfig[]): void {
  // New credentials, another page size: a server that refused the old ones is asked again at once.
  const before = JSON.stringify([...connections.entries()]);
  const allowedBefore = [...allowedBySettings].sort().join('\n');
  connections.clear();
  allowedBySettings = new Set(servers.filter((c) => c.allowed).map((c) => c.uri));
  for (const c of servers) connections.set(c.uri, { credentials: c.credentials, where: 'editor', pageSize: c.pageSize });
  s.configureServers(servers.filter((c) => c.configured).map((c) => ({ uri: c.uri, experiments: c.experiments })),
    before !== JSON.stringify([...connections.entries()]) || allowedBefore !== [...allowedBySettings].sort().join('\n'));
}

const reporter = {
  problem: (message: string) => post({ kind: 'report', level: 'problem', message }),
  info: (message: string) => post({ kind: 'report', level: 'info', message }),
};

function api(s: WorkspaceStore): StoreApi {
  return {
    experiments: (includeDeleted) => listExperiments(s.catalog, includeDeleted),
    runs: (q) => listRuns(s.catalog, q),
    countRuns: (e, d, f) => countRuns(s.catalog, e, d, f),
    run: (uid) => getRun(s.catalog, uid),
    history: async (uid, keys) => {
      const source = getRun(s.catalog, uid)?.source;
      return source ? s.history(source, keys) : {};
    },
    // A rebuild replaces the catalog, so the table (and its cached orderings) follows it.
    runsTable: (q) => (table?.catalog === s.catalog ? table : (table = new RunTable(s.catalog))).page(q),
    lookup: (keys, combos, opts) => lookupCombinations(s.catalog, keys, combos, opts),
    metricNames: () => metricNames(s.catalog),
    declaredGoal: (metric, experimentId) => declaredGoal(s.catalog, metric, experimentId),
    triedValues: (key, opts) => triedValues(s.catalog, key, opts),
    importSource: (kind, p, experiments) => s.importSource(kind, p, experiments),
    sources: () => Object.fromEntries(Object.entries(s.sources()).map(([p, v]) => [p, { kind: v.kind }])),
    refusedSources: () => s.refusedSources(),
    configureServers: (servers) => configure(s, servers),
    servers: () => s.serverStatuses(),
    syncSources: () => s.syncSources(),
    allowSource: async (p) => {
      allowed.add(p);
      await s.imported.follow(true);
      await s.refresh();
    },
    experimentId: (name) => s.catalog.experimentIds.get(name),
    edit: (ev) => s.edit(ev),
    refresh: () => s.refresh(),
    rebuild: () => s.rebuild(),
    role: () => s.role,
    save: () => s.save(),
  };
}

port.on('message', async (msg: ToWorker) => {
  if (msg.kind === 'open') {
    try {
      setSqlJsWasmPath(msg.wasm);
      setMlflowReaderWorker(path.join(__dirname, 'mlflowReader.js')); // built beside this file
      for (const p of msg.allowed) allowed.add(p);
      store = await WorkspaceStore.open(msg.folder, {
        reporter, allowedSources: { list: () => [...allowed, ...allowedBySettings] }, serverPollMs: msg.serverPollMs,
        servers: (uri) => connections.get(uri) ?? { where: 'editor' },
      });
      store.onChange(() => post({ kind: 'changed' }));
      post({ kind: 'opened', role: store.role });
      timer = setInterval(async () => {
        if (ticking || !store) return;
        ticking = true;
        try { await store.refresh(); } catch (e) { reporter.problem(`Following the run logs failed: ${(e as Error).message}`); } finally { ticking = false; }
      }, msg.pollMs);
    } catch (e) {
      post({ kind: 'open-failed', message: (e as Error).message });
    }
    return;
  }
  if (msg.kind === 'close') {
    if (timer) clearInterval(timer);
    await store?.close().catch(() => undefined);
    post({ kind: 'closed' });
    return;
  }
  if (!store) { post({ kind: 'result', id: msg.id, ok: false, message: 'the store is not open' }); return; }
  try {
    const fn = api(store)[msg.method] as (...a: unknown[]) => unknown;
    // A damaged database met by a query is set aside and rebuilt, and the query answered from that.
    const value = await store.guard(() => fn(...msg.args));
    post({ kind: 'result', id: msg.id, ok: true, value });
  } catch (e) {
    post({ kind: 'result', id: msg.id, ok: false, message: (e as Error).message });
  }
});
