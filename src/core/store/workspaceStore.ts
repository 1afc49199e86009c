import * as fs from 'node:fs';
import * as path from 'node:path';
import { Catalog } from './catalog';
import { Ingester, type IngestStats, type Reporter, RUNS_DIR } from './ingest';
import { Journal, type JournalEvent } from './journal';
import { writeFileAtomic, realFs, type WriteFs } from './atomicFile';
import { WriterLock, LOCK_RENEW_MS } from './writerLock';
import { ImportedSources, type SourceKind, type SyncResult } from './importedSources';

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
  /** How often imported MLflow stores are checked for new and changed runs. */
  followEveryMs?: number;
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
    this.imported = new ImportedSources(() => this.catalog, opts.reporter, (uids) => this.reapplyEdits(uids), opts.followEveryMs);
  }

  get dir(): string { return path.join(this.folder, STORE_DIR); }
  get dbFile(): string { return path.join(this.dir, DB_FILE); }

  /**
   * Opens the store of `folder`, creating `.runlens/` if needed. A database that will not open is
   * set aside (renamed, never deleted) and rebuilt from the run logs.
   */
  static async open(folder: string, opts: StoreOptions): Promise<WorkspaceStore> {
    const dir = path.join(folder, STORE_DIR);
    let readOnly = opts.role === 'read-only';
    if (!readOnly) {
      try {
        fs.mkdirSync(path.join(dir, RUNS_DIR), { recursive: true });
      } catch (e) {
        if (!['EACCES', 'EPERM', 'EROFS'].includes((e as NodeJS.ErrnoException).code ?? '')) throw e;
        opts.reporter.info(`${folder} is not writable: its runs are shown read-only.`);
        readOnly = true;
      }
    }
    const dbFile = path.join(dir, DB_FILE);
    let catalog: Catalog | undefined;
    let rebuilt = false;
    let mtime = 0;
    if (fs.existsSync(dbFile)) {
      try {
        mtime = fs.statSync(dbFile).mtimeMs;
        catalog = await Catalog.open(fs.readFileSync(dbFile));
      } catch (e) {
        if (readOnly) {
          opts.reporter.problem(`The RunLens store ${dbFile} could not be opened (${(e as Error).message}); reading the run logs instead.`);
        } else {
          const aside = `${dbFile}.unreadable-${new Date().toISOString().replace(/[:.]/g, '-')}`;
          fs.renameSync(dbFile, aside);
          opts.reporter.problem(`The RunLens store ${dbFile} could not be opened (${(e as Error).message}). It was moved to ${path.basename(aside)} and is being rebuilt from the run logs; no run log was touched.`);
        }
        rebuilt = true;
      }
    }
    const store = new WorkspaceStore(folder, catalog ?? await Catalog.open(), opts);
    store.snapshotMtime = mtime;
    store.readOnly = readOnly;
    store.ingester = new Ingester(store.catalog, dir, opts.reporter, () => store.renewLock());
    store.chooseRole();
    // A follower ingests too, into its own memory only: it sees new runs as soon as the writer does.
    store.catchUp(rebuilt || !catalog);
    if (store.role === 'writer') await store.imported.follow(true);
    if (store.role === 'writer' && (rebuilt || !catalog)) await store.save();
    store.lastRevisionSeen = store.catalog.revision;
    return store;
  }

  private chooseRole(): void {
    const want = this.opts.role ?? 'auto';
    if (want === 'reader' || this.readOnly) { this.role = 'reader'; return; }
    const got = this.lock.tryAcquire();
    if (!got && want === 'writer') {
      const h = this.lock.holder();
      throw new Error(`another process (pid ${h?.pid} on ${h?.host}) is writing this store; stop it first`);
    }
    this.role = got ? 'writer' : 'reader';
    if (got) this.lastRenew = Date.now();
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
   */
  async refresh(): Promise<IngestStats | undefined> {
    let stats: IngestStats | undefined;
    this.renewLock();
    if (this.role === 'writer') {
      stats = this.catchUp(false);
      await this.imported.follow(false);
      this.scheduleSave();
    } else {
      await this.reloadSnapshot();
      stats = this.catchUp(false);
      if (!this.readOnly && this.opts.role !== 'reader' && this.lock.tryAcquire()) {
        this.role = 'writer';
        this.lastRenew = Date.now();
        this.opts.reporter.info('The window that wrote this store has gone; this one writes it now.');
        stats = this.catchUp(false);
        this.scheduleSave();
      }
    }
    if (this.catalog.revision !== this.lastRevisionSeen) {
      this.lastRevisionSeen = this.catalog.revision;
      for (const l of this.listeners) l();
    }
    return stats;
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
    if (ev.e === 'source') { this.imported.register(ev.kind, ev.path); return; }
    const id = this.catalog.runId(ev.run);
    if (id === undefined) {
      // An imported run comes back when its source is read; the edit is applied then.
      if (report && !ev.run.startsWith('mlflow-')) this.opts.reporter.problem(`journal: run ${ev.run} is not in the store; the edit '${ev.e}' was skipped`);
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

  /** The MLflow stores this store follows. */
  sources(): ReturnType<ImportedSources['list']> {
    return this.imported.list();
  }

  /**
   * Imports an MLflow store (`mlruns/` or `mlflow.db`) and follows it from then on. Recorded in the
   * journal, so a rebuild imports it again. Importing the same store twice creates nothing twice.
   */
  async importSource(kind: SourceKind, sourcePath: string): Promise<SyncResult> {
    const abs = path.resolve(sourcePath);
    if (!this.imported.list()[abs]) this.journal.append({ e: 'source', kind, path: abs });
    this.applyJournal();
    await this.imported.settle();
    const result = await this.imported.sync(abs);
    this.scheduleSave();
    await this.refresh();
    return result;
  }

  /** Records an edit made in the editor: appended to the journal (the record), then applied. */
  async edit(ev: JournalEvent): Promise<void> {
    if (this.readOnly) throw new Error('this folder is read-only: the edit cannot be recorded');
    this.journal.append(ev);
    await this.refresh();
  }

  scheduleSave(): void {
    if (this.role !== 'writer' || this.catalog.revision === this.savedRevision || this.saveTimer) return;
    const failedRecently = Date.now() - this.saveFailedAt < 10_000;
    this.saveTimer = setTimeout(() => {
      this.saveTimer = undefined;
      void this.save().catch(() => undefined);
    }, failedRecently ? 10_000 : this.opts.saveDelayMs ?? 1000);
  }

  /** Writes a snapshot now if anything changed. A failed write keeps the old file and the data in memory. */
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
        if (this.saveFailedAt) this.opts.reporter.info('The store is saved again.');
        this.saveFailedAt = 0;
      })
      .catch((e: NodeJS.ErrnoException) => {
        if (!this.saveFailedAt) {
          const why = e.code === 'ENOSPC' ? 'the disk is full' : e.message;
          this.opts.reporter.problem(`Could not save the RunLens store (${why}). Nothing is lost: the run logs hold every run and the previous snapshot is intact. Retrying every 10 s.`);
        }
        this.saveFailedAt = Date.now();
        throw e;
      })
      .finally(() => { this.saving = undefined; });
    return this.saving;
  }

  /**
   * Rebuilds the catalog from the run logs, the journal and the imported MLflow stores (read again
   * from scratch). Used when the store is lost, damaged, or on request.
   */
  async rebuild(): Promise<IngestStats> {
    if (this.role !== 'writer') throw new Error('only the window that writes the store can rebuild it');
    // A read under way belongs to the old catalog: let it finish before the swap.
    await this.imported.settle();
    const fresh = await Catalog.open();
    this.savedRevision = -1;
    const old = this.catalog;
    this.catalog = fresh;
    this.ingester = new Ingester(fresh, this.dir, this.opts.reporter, () => this.renewLock());
    old.close();
    const stats = this.catchUp(true);
    await this.imported.follow(true);
    await this.save();
    this.lastRevisionSeen = -1;
    await this.refresh();
    return stats;
  }

  async close(): Promise<void> {
    if (this.saveTimer) { clearTimeout(this.saveTimer); this.saveTimer = undefined; }
    if (this.role === 'writer') await this.save().catch(() => undefined);
    if (!this.readOnly) this.lock.release();
    this.catalog.close();
  }
}

function addEdit(byRun: Map<string, JournalEvent[]>, ev: Exclude<JournalEvent, { e: 'source' }>): void {
  const list = byRun.get(ev.run);
  if (list) list.push(ev); else byRun.set(ev.run, [ev]);
}
