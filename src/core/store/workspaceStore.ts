import * as fs from 'node:fs';
import * as path from 'node:path';
import { Catalog } from './catalog';
import { Ingester, type IngestStats, type Reporter, RUNS_DIR } from './ingest';
import { Journal, type JournalEvent } from './journal';
import { writeFileAtomic, realFs, type WriteFs } from './atomicFile';
import { WriterLock, LOCK_RENEW_MS } from './writerLock';
import { ImportedSources, type ConfiguredServer, type SourceKind, type SyncResult } from './importedSources';
import type { FileSourceKind } from '../sources/source';
import { ServerFollow, type ServerConnection, type ServerStatus } from './serverFollow';
import { isServerUri, normalizeServerUri } from '../mlflowServer/uri';
import { fileProblem, isDamage, SqliteError, StoreError } from './errors';
import { SourcePolicy, type AllowedSources } from './sourcePolicy';
import { readRunLogHistory, type HistoryPoint } from './history';

export const STORE_DIR = '.runlens';
export const DB_FILE = 'runlens.db';
export const LOCK_FILE = 'runlens.lock';

export interface StoreOptions {
  reporter: Reporter;
  /**
   * `auto`: write when no other process holds the lock, else follow read-only. `read-only`: never
   * write anything, not even `.runlens/` (the command line's reading commands, a read-only checkout).
   */
  role?: 'auto' | 'writer' | 'reader' | 'read-only';
  /** How long changes may wait before a snapshot is written (coalescing). */
  saveDelayMs?: number;
  /** The file calls the store writes through (the snapshot, the lock, the journal); tests inject faults. */
  writeFs?: WriteFs;
  /** How often imported sources (MLflow stores, Optuna storages) are checked for new and changed runs. */
  followEveryMs?: number;
  /** The clock that names a set-aside database (`runlens.db.unreadable-<time>`). */
  now?: () => number;
  /** This user's list of sources outside the folder that its store may follow (see SourcePolicy). */
  allowedSources?: AllowedSources;
  /** How to reach each tracking server (credentials in memory); by default, without credentials. */
  servers?: (uri: string) => ServerConnection;
  /** How often a followed tracking server is asked what changed. */
  serverPollMs?: number;
}


/**
 * One workspace folder's store: the catalog, fed from the run logs and the edits journal, saved as
 * atomic snapshots. Exactly one process writes (see WriterLock); the others reload its snapshots.
 */
export class WorkspaceStore {
  role: 'writer' | 'reader' = 'reader';
  /** Nothing may be written: not the snapshot, not the lock, not the journal. */
  private readOnly = false;
  private ingester!: Ingester;
  private journal: Journal;
  private savedRevision = -1;
  private saving: Promise<void> | undefined;
  private saveTimer: NodeJS.Timeout | undefined;
  private saveFailedAt = 0;
  private saveFailureSaid = false;
  private lockProblemSaid: string | undefined;
  private recovering: Promise<IngestStats> | undefined;
  /** What building the catalog from nothing found, when this store did (no database, or a damaged one). */
  builtFromScratch: IngestStats | undefined;
  private lastRenew = 0;
  private snapshotMtime = 0;
  private listeners = new Set<() => void>();
  private lastRevisionSeen = -1;
  /** Edits of the journal by run uid, kept to apply them again to runs an import brings back. */
  private editsByRun: Map<string, JournalEvent[]> | undefined;
  readonly imported: ImportedSources;
  readonly lock: WriterLock;

  private constructor(readonly folder: string, public catalog: Catalog, private readonly opts: StoreOptions) {
    this.lock = new WriterLock(path.join(this.dir, LOCK_FILE), Date.now, opts.writeFs);
    this.journal = new Journal(path.join(this.dir, 'journal.jsonl'), opts.writeFs);
    const policy = new SourcePolicy(folder, opts.allowedSources);
    const servers = new ServerFollow(opts.servers ?? (() => ({ where: 'terminal' })), opts.serverPollMs);
    this.imported = new ImportedSources(() => this.catalog, opts.reporter, (uids) => this.reapplyEdits(uids), policy, opts.followEveryMs, servers, () => this.notify());
  }

  get dir(): string { return path.join(this.folder, STORE_DIR); }
  private now(): number { return (this.opts.now ?? Date.now)(); }
  get dbFile(): string { return path.join(this.dir, DB_FILE); }

  /**
   * Opens the store of `folder`, creating `.runlens/` if needed. A database that will not open, that
   * SQLite's quick check finds damaged, or that fails with any SQLite error while it is caught up
   * with the logs is set aside (renamed, never deleted) and rebuilt from the run logs, the journal
   * and the imported sources; the person is told once. If opening fails, nothing is left held.
   */
  static async open(folder: string, opts: StoreOptions): Promise<WorkspaceStore> {
    const dir = path.join(folder, STORE_DIR);
    let readOnly = opts.role === 'read-only';
    if (!readOnly) {
      try {
        fs.mkdirSync(path.join(dir, RUNS_DIR), { recursive: true });
      } catch (e) {
        if (opts.role === 'writer') throw new StoreError(`cannot write ${dir}: ${fileProblem(e)}`);
        if (!['EACCES', 'EPERM', 'EROFS', 'ENOSPC', 'EDQUOT'].includes((e as NodeJS.ErrnoException).code ?? '')) throw e;
        opts.reporter.info(`${folder} is not writable (${fileProblem(e)}): its runs are shown read-only.`);
        readOnly = true;
      }
    }
    const dbFile = path.join(dir, DB_FILE);
    let catalog: Catalog | undefined;
    let unreadable: Error | undefined;
    let mtime = 0;
    if (fs.existsSync(dbFile)) {
      try {
        mtime = fs.statSync(dbFile).mtimeMs;
        catalog = await Catalog.open(fs.readFileSync(dbFile), { check: true });
      } catch (e) {
        unreadable = e as Error;
      }
    }
    const store = new WorkspaceStore(folder, catalog ?? await Catalog.open(), opts);
    store.snapshotMtime = mtime;
    store.readOnly = readOnly;
    store.ingester = new Ingester(store.catalog, dir, opts.reporter, () => store.renewLock());
    try {
      store.chooseRole();
      if (unreadable) await store.recover(unreadable);
      else if (!catalog) await store.buildFromScratch();
      else await store.catchUpAtOpen();
      store.lastRevisionSeen = store.catalog.revision;
      return store;
    } catch (e) {
      store.abandon();
      throw e;
    }
  }

  /** The first catch-up of a database read from disk: any SQLite error on the way means it is damaged. */
  private async catchUpAtOpen(): Promise<void> {
    try {
      // A follower ingests too, into its own memory only: it sees new runs as soon as the writer does.
      this.catchUp(false);
      if (this.role === 'writer') await this.imported.follow(true);
    } catch (e) {
      if (!(e instanceof SqliteError)) throw e;
      await this.recover(e);
    }
  }

  /**
   * What a damaged database costs: it is set aside (renamed to `runlens.db.unreadable-<time>`; not
   * by a read-only reader, nor when a newer snapshot replaced it meanwhile), and the catalog is built
   * again from the run logs, the journal and the imported sources. Said once.
   */
  private recover(why: Error): Promise<IngestStats> {
    this.recovering ??= (async () => {
      let aside: string | undefined;
      if (!this.readOnly) aside = this.setAside();
      const file = this.dbFile;
      const from = 'the run logs, the edits journal and the imported sources (MLflow stores, Optuna storages)';
      this.opts.reporter.problem(aside
        ? `The RunLens store ${file} could not be read (${why.message}). It was moved to ${path.basename(aside)} and rebuilt from ${from}; no run log was touched.`
        : `The RunLens store ${file} could not be read (${why.message}); RunLens read ${from} instead. Opening the folder in VS Code or 'runlens rebuild' sets it aside and rebuilds it.`);
      return this.buildFromScratch();
    })().finally(() => { this.recovering = undefined; });
    return this.recovering;
  }

  /** Renames the database file aside if it is the one this store read; returns the new name. */
  private setAside(): string | undefined {
    const file = this.dbFile;
    try {
      if (this.snapshotMtime && fs.statSync(file).mtimeMs !== this.snapshotMtime) return undefined;
      const stamp = new Date(this.now()).toISOString().replace(/[:.]/g, '-');
      const aside = `${file}.unreadable-${stamp}`;
      fs.renameSync(file, aside);
      return aside;
    } catch {
      return undefined;
    }
  }

  /**
   * Builds the catalog from nothing: every run log, the journal, the imported sources; the writer
   * saves it soon after (or at once: `save()`).
   */
  private async buildFromScratch(): Promise<IngestStats> {
    // A read under way belongs to the old catalog: let it finish before the swap.
    await this.imported.settle();
    // What this session synced from servers went into the old catalog: the new one syncs afresh.
    this.imported.servers.reset();
    const fresh = await Catalog.open();
    const old = this.catalog;
    this.catalog = fresh;
    this.savedRevision = -1;
    this.editsByRun = undefined;
    this.ingester = new Ingester(fresh, this.dir, this.opts.reporter, () => this.renewLock());
    try { old.close(); } catch { /* a damaged database may not even close */ }
    const stats = this.catchUp(true);
    // Nobody else brings the imported runs to a reader that built its own catalog.
    await this.imported.follow(true);
    this.scheduleSave();
    this.builtFromScratch = stats;
    this.lastRevisionSeen = -1;
    this.emitIfChanged();
    return stats;
  }

  /**
   * Runs a query on the catalog. A damaged database found on the way (a page the quick check at
   * open did not read as damaged, or one that went bad since) is set aside and rebuilt, and the query
   * runs again on the rebuilt catalog: the caller gets its answer, not SQLite's error.
   */
  async guard<T>(query: () => T | Promise<T>): Promise<T> {
    try {
      return await query();
    } catch (e) {
      if (!isDamage(e)) throw e;
      await this.recover(e);
      return await query();
    }
  }

  /** Releases what a store that failed to open holds. */
  private abandon(): void {
    if (this.saveTimer) clearTimeout(this.saveTimer);
    if (!this.readOnly) this.lock.release();
    try { this.catalog.close(); } catch { /* closing what failed */ }
  }

  private chooseRole(): void {
    const want = this.opts.role ?? 'auto';
    if (want === 'reader' || this.readOnly) { this.role = 'reader'; return; }
    let got: boolean;
    try {
      got = this.lock.tryAcquire();
    } catch (e) {
      if (want === 'writer') throw new StoreError(`cannot take the writer's lock ${path.join(this.dir, LOCK_FILE)}: ${fileProblem(e)}`);
      this.lockProblem(e);
      got = false;
    }
    if (!got && want === 'writer') {
      const h = this.lock.holder();
      throw new StoreError(`another process (pid ${h?.pid} on ${h?.host}) is writing this store; try again when it has finished`);
    }
    this.role = got ? 'writer' : 'reader';
    if (got) this.lastRenew = Date.now();
  }

  /** A lock that cannot be written (a full disk): this process follows read-only, and says so once. */
  private lockProblem(e: unknown): void {
    const why = fileProblem(e);
    if (this.lockProblemSaid === why) return;
    this.lockProblemSaid = why;
    this.opts.reporter.problem(`This window cannot take the writer's lock of the RunLens store (${why}); it shows the runs read-only until it can.`);
  }

  /** Keeps the writer's lock fresh, also in the middle of a long rebuild. */
  private renewLock(): void {
    if (this.role !== 'writer' || Date.now() - this.lastRenew < LOCK_RENEW_MS) return;
    this.lastRenew = Date.now();
    if (!this.lock.renew()) {
      this.opts.reporter.problem('Another window took over writing this store; this one now follows it read-only.');
      this.role = 'reader';
    }
  }

  /** Ingests what the logs and the journal added since the last call, and marks crashed runs. */
  private catchUp(full: boolean): IngestStats {
    const stats = this.ingester.ingest(this.ingester.candidates(full));
    this.applyJournal();
    this.ingester.markCrashed();
    return stats;
  }

  /**
   * One tick of following the workspace: the writer ingests and schedules a save; a reader reloads
   * the writer's newest snapshot, and takes over if the writer is gone. Emits a change when data moved.
   * A damaged database found on the way is set aside and rebuilt (see recover).
   */
  async refresh(): Promise<IngestStats | undefined> {
    let stats: IngestStats | undefined;
    try {
      this.renewLock();
      if (this.role === 'writer') {
        stats = this.catchUp(false);
        await this.imported.follow(false);
        this.scheduleSave();
      } else {
        await this.reloadSnapshot();
        stats = this.catchUp(false);
        const couldNot = this.lockProblemSaid !== undefined;
        if (!this.readOnly && this.opts.role !== 'reader' && this.tryTakeLock()) {
          this.role = 'writer';
          this.lastRenew = Date.now();
          this.opts.reporter.info(couldNot ? 'This window can take the writer\'s lock again, and writes the store now.' : 'The window that wrote this store has gone; this one writes it now.');
          stats = this.catchUp(false);
          this.scheduleSave();
        }
      }
    } catch (e) {
      if (!isDamage(e)) throw e;
      stats = await this.recover(e);
    }
    this.emitIfChanged();
    return stats;
  }

  private tryTakeLock(): boolean {
    try {
      const got = this.lock.tryAcquire();
      this.lockProblemSaid = undefined;
      return got;
    } catch (e) {
      this.lockProblem(e);
      return false;
    }
  }

  private emitIfChanged(): void {
    if (this.catalog.revision === this.lastRevisionSeen) return;
    this.lastRevisionSeen = this.catalog.revision;
    for (const l of this.listeners) l();
  }

  /** Tells the listeners that something they show changed outside the catalog (a server went offline). */
  private notify(): void {
    for (const l of this.listeners) l();
  }

  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private async reloadSnapshot(): Promise<void> {
    let mtime: number;
    try { mtime = fs.statSync(this.dbFile).mtimeMs; } catch { return; }
    if (mtime === this.snapshotMtime) return;
    try {
      const next = await Catalog.open(fs.readFileSync(this.dbFile));
      this.catalog.close();
      this.catalog = next;
      this.catalog.revision = this.lastRevisionSeen + 1;
      this.ingester = new Ingester(this.catalog, this.dir, this.opts.reporter, () => this.renewLock());
      this.snapshotMtime = mtime;
    } catch (e) {
      // A snapshot is replaced atomically, so this is a real fault, not a half-written file.
      this.opts.reporter.problem(`Could not read the store's latest snapshot (${(e as Error).message}); still showing the previous one.`);
      this.snapshotMtime = mtime;
    }
  }

  private applyJournal(): void {
    const offset = Number(this.catalog.meta('journal_offset') ?? 0);
    const lines = Number(this.catalog.meta('journal_lines') ?? 0);
    const read = this.journal.read(offset, lines, this.opts.reporter);
    if (read.offset === offset && !read.restarted) return;
    this.catalog.transaction(() => {
      for (const ev of read.events) {
        this.applyEdit(ev, true);
        if (ev.e !== 'source' && this.editsByRun) addEdit(this.editsByRun, ev);
      }
      this.catalog.setMeta('journal_offset', String(read.offset));
      this.catalog.setMeta('journal_lines', String(read.line));
    });
  }

  private applyEdit(ev: JournalEvent, report: boolean): void {
    if (ev.e === 'source') {
      try {
        this.imported.register(ev.kind, ev.path, ev.kind === 'mlflow-server' ? ev.experiments : undefined);
      } catch (e) {
        if (report) this.opts.reporter.problem(`journal: the source ${ev.path} cannot be followed (${(e as Error).message}); skipped`);
      }
      return;
    }
    const id = this.catalog.runId(ev.run);
    if (id === undefined) {
      // An imported run comes back when its source is read; the edit is applied then.
      if (report && !/^(mlflow|optuna)-/.test(ev.run)) this.opts.reporter.problem(`journal: run ${ev.run} is not in the store; the edit '${ev.e}' was skipped`);
      return;
    }
    switch (ev.e) {
      case 'tag': this.catalog.setTags(id, { [ev.key]: ev.value }); break;
      case 'untag': this.catalog.removeTag(id, ev.key); break;
      case 'note': this.catalog.setTags(id, { 'mlflow.note.content': ev.text }); break;
      case 'delete': this.catalog.setDeleted(id, true); break;
      case 'restore': this.catalog.setDeleted(id, false); break;
    }
  }

  /**
   * Applies again, in order, the editor's edits of runs an import just wrote: what the user tagged,
   * noted or deleted stays so when MLflow changes the run, and after a rebuild.
   */
  private reapplyEdits(uids: string[]): void {
    if (!this.editsByRun) {
      this.editsByRun = new Map();
      for (const ev of this.journal.read(0, 0, { problem: () => undefined, info: () => undefined }).events) {
        if (ev.e !== 'source') addEdit(this.editsByRun, ev);
      }
    }
    for (const uid of uids) for (const ev of this.editsByRun.get(uid) ?? []) this.applyEdit(ev, false);
  }

  /** The MLflow stores this store follows (or would, once allowed: see refusedSources). */
  sources(): ReturnType<ImportedSources['list']> {
    return this.imported.list();
  }

  /** The sources the workspace's files name that this store does not read until the user allows them. */
  refusedSources(): { path: string; kind: SourceKind }[] {
    return this.imported.refused();
  }

  /**
   * Full metric histories of a run: from its log, or from the MLflow store it was imported from (a
   * tracking server's: sampled to what a chart shows, see src/core/mlflowServer/history.ts).
   */
  async history(source: string, keys?: string[]): Promise<Record<string, HistoryPoint[]>> {
    if (source.startsWith(`${RUNS_DIR}/`)) return readRunLogHistory(this.dir, source, keys);
    const wanted = keys ?? this.catalog.all('SELECT m.key FROM metrics m JOIN runs r ON r.id = m.run_id WHERE r.source = ? ORDER BY m.key', [source]).map((r) => String(r[0]));
    const all = await this.imported.history(source, wanted);
    return keys ? Object.fromEntries(keys.filter((k) => all[k]).map((k) => [k, all[k]])) : all;
  }

  /**
   * The tracking servers the person's settings and environment name for this folder (see
   * ImportedSources); they are synced at once when the list changed, or when `reconnect` (new
   * credentials, say).
   */
  configureServers(servers: ConfiguredServer[], reconnect = false): void {
    const changed = this.imported.configureServers(servers);
    if ((changed || reconnect) && this.role === 'writer') void this.imported.followServers(true);
  }

  /** The followed tracking servers and their state: synced, offline since when, refusing credentials. */
  serverStatuses(): ServerStatus[] {
    return this.imported.serverStatuses();
  }

  /**
   * Catches up every followed source now, and waits for them: each tracking server with a full
   * pass, which finds late edits too (asked for by a person: `runlens sync`, Refresh).
   */
  async syncSources(): Promise<void> {
    if (this.role !== 'writer') return; // the window that writes the store follows its sources
    await this.imported.followServers(true, true);
    await this.imported.follow(true);
    this.scheduleSave();
    this.emitIfChanged();
  }

  /**
   * Imports an MLflow store (`mlruns/` or `mlflow.db`), a tracking server (`http://host:port`,
   * `experiments`: the names to follow, none for all) or an Optuna storage (an SQLite file, a
   * journal file) and follows it from then on. Recorded in the
   * journal, so a rebuild imports it again. Importing the same store twice creates nothing twice.
   */
  async importSource(kind: SourceKind, sourcePath: string, experiments?: string[]): Promise<SyncResult> {
    if (kind === 'mlflow-server' || isServerUri(sourcePath)) {
      const uri = normalizeServerUri(sourcePath);
      if (!this.imported.policy.mayFollow(uri)) throw new StoreError(`RunLens contacts the MLflow server ${uri} only once you allow it`);
      const known = this.imported.list()[uri];
      if (!known || known.configured !== false || JSON.stringify(known.experiments ?? []) !== JSON.stringify(experiments ?? [])) {
        this.record({ e: 'source', kind: 'mlflow-server', path: uri, ...(experiments?.length ? { experiments } : {}) });
      }
      this.applyJournal();
      const result = await this.imported.sync(uri);
      this.scheduleSave();
      await this.refresh();
      return result;
    }
    const abs = path.resolve(sourcePath);
    if (!this.imported.policy.mayFollow(abs)) {
      throw new StoreError(`${abs} is outside the workspace folder ${this.folder}: RunLens imports it only once you allow it`);
    }
    if (!this.imported.list()[abs]) this.record({ e: 'source', kind: kind as FileSourceKind, path: this.imported.policy.journalName(abs) });
    this.applyJournal();
    await this.imported.settle();
    const result = await this.imported.sync(abs);
    this.scheduleSave();
    await this.refresh();
    return result;
  }

  /** Records an edit made in the editor: appended to the journal (the record), then applied. */
  async edit(ev: JournalEvent): Promise<void> {
    if (this.readOnly) throw new StoreError('this folder is read-only: the edit cannot be recorded');
    this.record(ev);
    await this.refresh();
  }

  /** Appends an edit to the journal whole, or not at all. */
  private record(ev: JournalEvent): void {
    try {
      this.journal.append(ev);
    } catch (e) {
      throw new StoreError(`Could not record the edit in ${this.journal.file} (${fileProblem(e)}); nothing was changed.`, { cause: e });
    }
  }

  scheduleSave(): void {
    if (this.role !== 'writer' || this.catalog.revision === this.savedRevision || this.saveTimer) return;
    const failedRecently = Date.now() - this.saveFailedAt < 10_000;
    this.saveTimer = setTimeout(() => {
      this.saveTimer = undefined;
      void this.save().catch((e: Error) => this.saveFailed(e));
    }, failedRecently ? 10_000 : this.opts.saveDelayMs ?? 1000);
  }

  /** A save in the background failed: said once until a save succeeds again, and retried. */
  private saveFailed(e: Error): void {
    if (this.saveFailureSaid) return;
    this.saveFailureSaid = true;
    this.opts.reporter.problem(`${e.message} Retrying every 10 s.`);
    this.scheduleSave();
  }

  /**
   * Writes a snapshot now if anything changed. A failed write keeps the old file and the data in
   * memory, and rejects with a StoreError that says so.
   */
  async save(): Promise<void> {
    if (this.role !== 'writer') return;
    while (this.saving) await this.saving;
    if (this.catalog.revision === this.savedRevision) return;
    const revision = this.catalog.revision;
    const bytes = this.catalog.export();
    this.saving = writeFileAtomic(this.dbFile, bytes, this.opts.writeFs ?? realFs)
      .then(() => {
        this.savedRevision = revision;
        this.snapshotMtime = fs.statSync(this.dbFile).mtimeMs;
        if (this.saveFailureSaid) this.opts.reporter.info('The store is saved again.');
        this.saveFailedAt = 0;
        this.saveFailureSaid = false;
      })
      .catch((e: NodeJS.ErrnoException) => {
        this.saveFailedAt = Date.now();
        const previous = fs.existsSync(this.dbFile) ? ' and the previous snapshot is intact' : '';
        throw new StoreError(`Could not save the RunLens store (${fileProblem(e)}). Nothing is lost: the run logs hold every run${previous}.`, { cause: e });
      })
      .finally(() => { this.saving = undefined; });
    return this.saving;
  }

  /**
   * Rebuilds the catalog from the run logs, the journal and the imported sources (read again
   * from scratch). Used when the store is lost, damaged, or on request.
   */
  async rebuild(): Promise<IngestStats> {
    if (this.role !== 'writer') throw new StoreError('only the window that writes the store can rebuild it');
    const stats = await this.buildFromScratch();
    await this.save();
    return stats;
  }

  async close(): Promise<void> {
    if (this.saveTimer) { clearTimeout(this.saveTimer); this.saveTimer = undefined; }
    // A server's sync under way ends (or times out) before the catalog it writes to goes.
    await this.imported.settle();
    if (this.role === 'writer') await this.save().catch(() => undefined);
    this.abandon();
  }
}

function addEdit(byRun: Map<string, JournalEvent[]>, ev: Exclude<JournalEvent, { e: 'source' }>): void {
  const list = byRun.get(ev.run);
  if (list) list.push(ev); else byRun.set(ev.run, [ev]);
}
