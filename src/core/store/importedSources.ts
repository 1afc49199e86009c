import * as fs from 'node:fs';
import type { Catalog } from './catalog';
import type { Reporter } from './ingest';
import type { ImportProblem, MetricPoint, StoreFingerprint } from '../mlflow/model';
import { normalizeServerUri } from '../mlflowServer/uri';
import { readerFor, sourceOfRun } from '../sources/readers';
import type { SourceKind, SourceRead } from '../sources/source';
import { SqliteError, StoreError } from './errors';
import type { SourcePolicy } from './sourcePolicy';
import { ServerFollow, type ServerStatus } from './serverFollow';

export type { SourceKind };

interface FollowedSource {
  kind: SourceKind;
  /** The watermark of its reader's last read (named so since MLflow's stores were the only sources). */
  fingerprint?: unknown;
  /** The problems last reported, so that the same ones are not reported on every read. */
  problems?: string;
  /** A source that is one file (an mlflow.db, an Optuna storage): its (and its write-ahead log's) size and mtime when last read. */
  stamp?: string;
  /** A server: the names of the experiments followed; none, every experiment. */
  experiments?: string[];
  /** A server named by the person's settings or environment (not by the journal). */
  configured?: boolean;
}

export interface SyncResult { runs: number; removed: number; problems: ImportProblem[] }

/** A server to follow, as the editor's settings or the environment name it. */
export interface ConfiguredServer { uri: string; experiments?: string[] }

/**
 * The sources a workspace's store follows (MLflow stores and tracking servers, Optuna storages, in
 * `meta.mlflow_sources`), each through its reader (src/core/sources/readers.ts). The local ones are
 * read again, for what changed, every few seconds (never more often than five times the last read
 * took, so a large source does not keep the store's thread busy), and not at all while their files
 * are unchanged. Tracking servers are followed on their own schedule (ServerFollow), in the
 * background: a slow or absent server never holds up the run logs.
 */
export class ImportedSources {
  private following: Promise<void> | undefined;
  private nextFollow = 0;
  private serverSyncs = new Map<string, Promise<SyncResult | undefined>>();
  private configured = new Map<string, ConfiguredServer>();
  private cached: { raw: string | undefined; list: Record<string, FollowedSource> } | undefined;

  /** The sources refused and said so, once each. */
  private refusedSaid = new Set<string>();

  constructor(
    private readonly catalog: () => Catalog,
    private readonly reporter: Reporter,
    /** Called with the uids a read brought in, so edits made to them in the editor are applied again. */
    private readonly imported: (uids: string[]) => void,
    /** Which of them may be read at all. */
    readonly policy: SourcePolicy,
    private readonly everyMs = 2000,
    readonly servers: ServerFollow = new ServerFollow(() => ({ where: 'terminal' })),
    /** A server's state changed (offline, synced...) without the catalog changing. */
    private readonly statusChanged: () => void = () => undefined,
  ) {}

  list(): Record<string, FollowedSource> {
    const raw = this.catalog().meta('mlflow_sources');
    if (this.cached === undefined || this.cached.raw !== raw) {
      let list: Record<string, FollowedSource> = {};
      try { list = JSON.parse(raw ?? '{}'); } catch { /* a damaged entry: followed from scratch */ }
      this.cached = { raw, list };
    }
    return { ...this.cached.list };
  }

  /** Records a source named by the journal (a relative path is relative to the folder); read only if the policy allows. */
  register(kind: SourceKind, sourcePath: string, experiments?: string[]): void {
    const all = this.list();
    if (kind !== 'mlflow-server') {
      const abs = this.policy.resolve(sourcePath);
      if (all[abs]) return;
      all[abs] = { kind };
      this.write(all);
      return;
    }
    const uri = normalizeServerUri(sourcePath);
    const wanted = experiments?.length ? experiments : undefined;
    const had = all[uri];
    const same = JSON.stringify(had?.experiments) === JSON.stringify(wanted);
    if (had && had.configured === false && same) return;
    // Another choice of experiments is another following: synced from scratch.
    all[uri] = { ...(same ? had : {}), kind, experiments: wanted, configured: false };
    this.write(all);
  }

  /**
   * The servers the person's settings and environment name for this folder, already allowed by the
   * policy's rule (src/core/store/sourcePolicy.ts). Replaces the previous list; returns whether it
   * changed.
   */
  configureServers(servers: ConfiguredServer[]): boolean {
    const before = JSON.stringify([...this.configured.values()]);
    this.configured = new Map(servers.map((s) => [normalizeServerUri(s.uri), { ...s, uri: normalizeServerUri(s.uri) }]));
    const all = this.list();
    let dirty = false;
    for (const [uri, s] of this.configured) {
      const had = all[uri];
      const experiments = s.experiments?.length ? s.experiments : undefined;
      if (had && had.configured === false) continue; // the journal's word, which the person confirmed by allowing it
      if (!had || JSON.stringify(had.experiments) !== JSON.stringify(experiments)) {
        // Another choice of experiments is another following: read from scratch.
        all[uri] = { kind: 'mlflow-server', experiments, configured: true };
        dirty = true;
      }
    }
    if (dirty) this.write(all);
    this.statusChanged();
    return dirty || before !== JSON.stringify([...this.configured.values()]);
  }

  /** Whether a listed source is followed now (a server named by settings no longer there is not). */
  private active(p: string, src: FollowedSource): boolean {
    return src.kind !== 'mlflow-server' || !src.configured || this.configured.has(p);
  }

  /** The sources the workspace names that the policy does not let this store read. */
  refused(): { path: string; kind: SourceKind }[] {
    // A server named by settings is governed by trust, not by this question.
    return Object.entries(this.list()).filter(([p, src]) => this.active(p, src) && !(src.kind === 'mlflow-server' && src.configured) && !this.policy.mayFollow(p)).map(([p, src]) => ({ path: p, kind: src.kind }));
  }

  /** Says once that a source is not read, and how to allow it. */
  private refuse(sourcePath: string, kind: SourceKind): void {
    if (this.refusedSaid.has(sourcePath)) return;
    this.refusedSaid.add(sourcePath);
    const { noun, command } = readerFor(kind);
    this.reporter.problem(kind === 'mlflow-server'
      ? `Not contacting the ${noun} ${sourcePath}: the workspace names it, and only you can allow that (in VS Code when asked, in a trusted workspace, or with ${command}; in a terminal with 'runlens import ${sourcePath}').`
      : `Not reading the ${noun} ${sourcePath}: the workspace names it, but it is outside the workspace folder, and only you can allow that (in VS Code when asked, or with ${command}; in a terminal with 'runlens import ${sourcePath} --allow-outside').`);
  }

  /** The followed servers and their state, for the views. */
  serverStatuses(): ServerStatus[] {
    return Object.entries(this.list())
      .filter(([p, src]) => src.kind === 'mlflow-server' && this.active(p, src))
      .map(([p, src]) => this.servers.status(p, src.fingerprint as StoreFingerprint | undefined, !this.policy.mayFollow(p)));
  }

  /** Full metric histories of an imported run, from its source, if the policy lets this store read it. */
  async history(source: string, keys: string[]): Promise<Record<string, MetricPoint[]>> {
    const s = sourceOfRun(source);
    if (!s) return {};
    const kind = s.reader.kinds[0]; // any of the reader's kinds: they share its words, and a server is its only kind
    if (!this.policy.mayFollow(s.path)) { this.refuse(s.path, kind); return {}; }
    return s.reader.history(source, keys, kind === 'mlflow-server' ? this.serverContext(s.path) : undefined);
  }

  /** How the server reader reaches `uri`: the connection and histories of ServerFollow. */
  private serverContext(uri: string, onProblem?: (m: string) => void) {
    return { server: { api: this.servers.api(uri, onProblem), pageSize: this.servers.pageSize(uri), histories: this.servers.histories } };
  }

  /**
   * Reads what changed in each local source since the last read (all of it, the first time), and
   * starts the syncs of the servers that are due, without waiting for them.
   */
  follow(force: boolean): Promise<void> {
    void this.followServers(false);
    if (this.following) return this.following;
    if (!force && Date.now() < this.nextFollow) return Promise.resolve();
    const sources = Object.entries(this.list())
      .filter(([p, src]) => src.kind !== 'mlflow-server' && (this.policy.mayFollow(p) || (this.refuse(p, src.kind), false)));
    if (!sources.length) return Promise.resolve();
    const started = Date.now();
    this.following = (async () => {
      for (const [p, src] of sources) {
        await this.sync(p, src, false).catch((e: Error) => {
          // The catalog's own errors are not the source's: a damaged catalog is rebuilt (WorkspaceStore.recover).
          if (e instanceof SqliteError) throw e;
          this.reporter.problem(`Following ${p} failed: ${e.message}`);
        });
      }
    })().finally(() => {
      this.following = undefined;
      this.nextFollow = Date.now() + Math.max(this.everyMs, 5 * (Date.now() - started));
    });
    return this.following;
  }

  /**
   * Starts the syncs of the servers that are due (all of them with `force`; `full`: each a full
   * pass, which also finds late edits); resolves when those end.
   */
  followServers(force: boolean, full = false): Promise<void> {
    const jobs: Promise<unknown>[] = [];
    for (const [uri, src] of Object.entries(this.list())) {
      if (src.kind !== 'mlflow-server' || !this.active(uri, src)) continue;
      if (!this.policy.mayFollow(uri)) { this.refuse(uri, src.kind); continue; }
      const running = this.serverSyncs.get(uri);
      if (running && !force) { jobs.push(running); continue; }
      if (!running && !this.servers.due(uri, force)) continue;
      // Asked for now (a person's Refresh, `runlens sync`): after the sync under way, one more.
      const job: Promise<SyncResult | undefined> = (async () => {
        if (running) await running;
        return this.syncServer(uri, this.list()[uri] ?? src, { force, full });
      })().finally(() => { if (this.serverSyncs.get(uri) === job) this.serverSyncs.delete(uri); });
      this.serverSyncs.set(uri, job);
      jobs.push(job);
    }
    return Promise.all(jobs).then(() => undefined);
  }

  /** Waits for reads under way (before the catalog is swapped, say). */
  async settle(): Promise<void> {
    while (this.following || this.serverSyncs.size) {
      await this.following;
      await Promise.all(this.serverSyncs.values());
    }
  }

  /** Reads one source now; `reportAll` repeats problems already reported. */
  async sync(sourcePath: string, src: FollowedSource | undefined = this.list()[sourcePath], reportAll = true): Promise<SyncResult> {
    if (!src) throw new Error(`${sourcePath} is not an imported source`);
    if (src.kind === 'mlflow-server') {
      if (!this.policy.mayFollow(sourcePath)) throw new StoreError(`RunLens contacts the MLflow server ${sourcePath} only once you allow it`);
      while (this.serverSyncs.has(sourcePath)) await this.serverSyncs.get(sourcePath);
      const p = this.syncServer(sourcePath, src, { force: true, full: true, reportAll }).finally(() => this.serverSyncs.delete(sourcePath));
      this.serverSyncs.set(sourcePath, p);
      const result = await p;
      if (!result) throw new StoreError(this.servers.status(sourcePath, src.fingerprint as StoreFingerprint | undefined).message ?? `the MLflow server ${sourcePath} could not be synced`);
      return result;
    }
    if (!this.policy.mayFollow(sourcePath)) throw new StoreError(`${sourcePath} is outside the workspace folder: RunLens reads it only once you allow it`);
    const reader = readerFor(src.kind);
    if (!fs.existsSync(sourcePath)) {
      if (src.problems !== 'missing') {
        this.reporter.problem(`The ${reader.noun} ${sourcePath} is gone; its runs stay in RunLens.`);
        this.update(sourcePath, { ...src, problems: 'missing' });
      }
      return { runs: 0, removed: 0, problems: [] };
    }
    // A source that is one file is not read while it is unchanged (an mlruns/ folder's reader looks for itself).
    const stamp = src.kind === 'mlflow-file' ? undefined : fileStamp(sourcePath);
    if (stamp && src.fingerprint && stamp === src.stamp) return { runs: 0, removed: 0, problems: [] };
    const read = await reader.read(src.kind, sourcePath, src.fingerprint);
    const stats = this.apply(read);
    const problemText = this.report(read.problems, reportAll, src.problems);
    this.update(sourcePath, { kind: src.kind, fingerprint: read.watermark, problems: problemText, stamp });
    return { ...stats, problems: read.problems };
  }

  /**
   * One sync of a server. Its failures are not thrown: the server's state says them (once), what
   * was synced stays, and the next attempt comes later and later (ServerFollow).
   */
  private async syncServer(uri: string, src: FollowedSource, how: { force: boolean; full?: boolean; reportAll?: boolean }): Promise<SyncResult | undefined> {
    const { force, full = false, reportAll = false } = how;
    if (!this.servers.due(uri, force)) return undefined;
    this.servers.started(uri);
    this.statusChanged();
    const persisted = src.fingerprint as StoreFingerprint | undefined;
    try {
      const flaws: ImportProblem[] = [];
      const read = await readerFor('mlflow-server').read('mlflow-server', uri, this.servers.fingerprint(uri, persisted),
        { experiments: src.experiments, full, ...this.serverContext(uri, (message) => flaws.push({ path: uri, message })) });
      read.problems.push(...flaws);
      const watermark = read.watermark as StoreFingerprint;
      const stats = this.apply(read);
      const experimentsChanged = JSON.stringify(watermark.server?.experiments) !== JSON.stringify(persisted?.server?.experiments);
      const { persist, wasOffline } = this.servers.succeeded(uri, watermark, stats.runs > 0 || stats.removed > 0 || experimentsChanged);
      const problemText = this.report(read.problems, reportAll, src.problems);
      const current = this.list()[uri] ?? src;
      if (persist || problemText !== src.problems) this.update(uri, { ...current, fingerprint: watermark, problems: problemText });
      if (wasOffline) this.reporter.info(`The MLflow server ${uri} answers again; RunLens caught up (${stats.runs} runs new or changed).`);
      return { ...stats, problems: read.problems };
    } catch (e) {
      if (e instanceof SqliteError) throw e;
      const { said, retryInMs } = this.servers.failed(uri, e as Error);
      const last = this.servers.status(uri, persisted).lastSync;
      if (said) {
        this.reporter.problem(`${(e as Error).message}. ${last ? `The runs synced from it (last at ${new Date(last).toISOString()}) stay in RunLens` : 'Nothing was synced from it yet'}; trying again in ${Math.round(retryInMs / 1000)} s, then less often.`);
      }
      return undefined;
    } finally {
      this.statusChanged();
    }
  }

  /** Writes a read into the catalog; the edits made to the runs it brought are applied again. */
  private apply(read: SourceRead): { runs: number; removed: number } {
    const { runs, removed, uids } = read.apply(this.catalog());
    if (uids.length) this.imported(uids);
    return { runs, removed };
  }

  /** Reports a read's problems, unless they are the ones reported last time; returns them as text. */
  private report(problems: ImportProblem[], reportAll: boolean, before: string | undefined): string {
    const problemText = problems.map((p) => `${p.path}: ${p.message}`).join('\n');
    if (problemText && (reportAll || problemText !== before)) {
      for (const p of problems) this.reporter.problem(`${p.path}: ${p.message}`);
    }
    return problemText;
  }

  private update(sourcePath: string, src: FollowedSource): void {
    const all = this.list();
    all[sourcePath] = src;
    this.write(all);
  }

  private write(all: Record<string, FollowedSource>): void {
    const raw = JSON.stringify(all);
    this.catalog().setMeta('mlflow_sources', raw);
    this.cached = { raw, list: all };
  }
}

/** Size and mtime of a file and its write-ahead log: what changes when MLflow or Optuna writes. */
function fileStamp(file: string): string {
  const part = (f: string) => { try { const s = fs.statSync(f); return `${s.size}:${s.mtimeMs}`; } catch { return '-'; } };
  return `${part(file)}|${part(file + '-wal')}`;
}
