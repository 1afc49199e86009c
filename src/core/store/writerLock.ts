import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import { pidAlive } from './ingest';
import { realFs, writeNewFileSync, type WriteFs } from './atomicFile';

/** A writer that has not renewed its lock for this long is taken as gone. */
export const LOCK_STALE_MS = 30_000;
export const LOCK_RENEW_MS = 5_000;

interface LockBody { token: string; pid: number; host: string; since: number; beat: number }

/** What is at a lock's path: who holds it (an id that names this very lock), and whether it is stale. */
interface Seen { id: string; body?: LockBody; stale: boolean }

const errno = (e: unknown) => (e as NodeJS.ErrnoException).code;

/**
 * Decides which process writes a workspace's store: one VS Code window (or CLI) holds
 * `.runlens/runlens.lock` and renews it; every other one follows the snapshots read-only and takes
 * over when the holder stops renewing (or, on the same host, when its process is gone).
 *
 * The lock file only ever appears whole, and only by an exclusive create: it is written to a file of
 * its own, then hard-linked into place, which fails if a lock is there. So two processes can never
 * both create it; what needs care is removing a stale one. Of the processes that find the same stale
 * lock, only the one that creates its claim (`runlens.lock.<id>.claim`, exclusively) may remove it,
 * and only after checking again, under the claim, that the lock there is still that one and still
 * stale. It moves the lock to a name of its own, checks what it moved, and then creates its own lock
 * exclusively like anyone else. A claim whose taker died in those few milliseconds goes stale like a
 * lock. (Left open: a holder that is alive but stopped renewing for LOCK_STALE_MS and renews just as
 * it is taken over writes until its next renewal, when it learns that it lost the lock.)
 */
export class WriterLock {
  readonly token = crypto.randomUUID();
  private held = false;

  constructor(private readonly file: string, private readonly now: () => number = Date.now, private readonly wfs: WriteFs = realFs) {}

  get isHeld(): boolean { return this.held; }

  /**
   * Takes the lock if it is free or stale. Returns whether this process now holds it. Throws when the
   * lock cannot be written (a full disk, a read-only folder); nothing is left behind then.
   */
  tryAcquire(): boolean {
    if (this.held) return this.renew();
    // A lock removed by its holder between two steps below is created on the next round.
    for (let round = 0; round < 3; round++) {
      if (this.create(this.file)) return (this.held = true);
      const seen = this.inspect(this.file);
      if (!seen) continue;
      if (!seen.stale) return false;
      if (this.takeOver(seen.id)) return (this.held = true);
    }
    return false;
  }

  /**
   * Renews a held lock; false when another process took it meanwhile. A renewal that cannot be
   * written (a full disk) keeps the lock as it was: still this process's, until it goes stale.
   */
  renew(): boolean {
    const current = this.read(this.file);
    if (!current || current.token !== this.token) { this.held = false; return false; }
    const tmp = `${this.file}.${this.token}.tmp`;
    try {
      writeNewFileSync(tmp, this.body(current.since), this.wfs);
      this.wfs.rename(tmp, this.file);
    } catch {
      try { this.wfs.unlink(tmp); } catch { /* not there */ }
    }
    return true;
  }

  release(): void {
    if (!this.held) return;
    this.held = false;
    if (this.read(this.file)?.token !== this.token) return;
    try { this.wfs.unlink(this.file); } catch { /* gone already */ }
  }

  holder(): LockBody | undefined { return this.read(this.file); }

  /** The process that writes the store now, if one does (a lock that is not stale). */
  activeHolder(): LockBody | undefined {
    const b = this.read(this.file);
    return b && !this.isStale(b) ? b : undefined;
  }

  /** Removes the stale lock `id` names and creates this one, if this process is the one that claims it. */
  private takeOver(id: string): boolean {
    const claim = `${this.file}.${crypto.createHash('sha256').update(id).digest('hex').slice(0, 16)}.claim`;
    if (!this.create(claim)) {
      const other = this.inspect(claim);
      // Another process is taking this lock over right now, or died doing it (then its claim is stale).
      if (!other?.stale || !this.removeIfStill(claim, other.id) || !this.create(claim)) return false;
    }
    try {
      const still = this.inspect(this.file);
      if (still?.id !== id || !still.stale) return false;
      if (!this.removeIfStill(this.file, id)) return false;
      return this.create(this.file);
    } finally {
      try { this.wfs.unlink(claim); } catch { /* removed as stale by another process */ }
    }
  }

  /**
   * Removes the file at `file` if it is still the one `id` names: moves it to a name only this
   * process uses, checks what it moved, and puts back what it should not have moved.
   */
  private removeIfStill(file: string, id: string): boolean {
    const moved = `${file}.${this.token}.old`;
    try {
      this.wfs.rename(file, moved);
    } catch (e) {
      if (errno(e) === 'ENOENT') return false;
      throw e;
    }
    const what = this.inspect(moved);
    if (what?.id !== id) {
      try { this.wfs.link(moved, file); } catch { /* a new one is there already */ }
    }
    try { this.wfs.unlink(moved); } catch { /* gone */ }
    return what?.id === id;
  }

  /** Creates `file` holding this process's lock body, exclusively. False if it exists. */
  private create(file: string): boolean {
    const tmp = `${this.file}.${this.token}.tmp`;
    writeNewFileSync(tmp, this.body(), this.wfs);
    try {
      this.wfs.link(tmp, file);
      return true;
    } catch (e) {
      if (errno(e) !== 'EEXIST') throw e;
      return false;
    } finally {
      try { this.wfs.unlink(tmp); } catch { /* gone */ }
    }
  }

  private body(since = this.now()): string {
    const body: LockBody = { token: this.token, pid: process.pid, host: os.hostname(), since, beat: this.now() };
    return JSON.stringify(body);
  }

  /** What is at `file`: undefined if nothing is. A file that cannot be read is named by its inode and time. */
  private inspect(file: string): Seen | undefined {
    let st: fs.Stats;
    try { st = fs.statSync(file); } catch { return undefined; }
    const body = this.read(file);
    if (body && typeof body.token === 'string') return { id: `token:${body.token}`, body, stale: this.isStale(body) };
    // Unreadable: being written right now (never, as it appears whole), or damaged; stale once old.
    return { id: `file:${st.ino}:${st.size}:${st.mtimeMs}`, stale: this.now() - st.mtimeMs > LOCK_STALE_MS };
  }

  private read(file: string): LockBody | undefined {
    try {
      const b = JSON.parse(fs.readFileSync(file, 'utf8')) as LockBody;
      return b && typeof b === 'object' ? b : undefined;
    } catch {
      return undefined;
    }
  }

  private isStale(b: LockBody): boolean {
    if (typeof b.beat !== 'number' || this.now() - b.beat > LOCK_STALE_MS) return true;
    return b.host === os.hostname() && typeof b.pid === 'number' && b.pid !== process.pid && !pidAlive(b.pid);
  }
}
