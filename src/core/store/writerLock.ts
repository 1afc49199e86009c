import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import { pidAlive } from './ingest';

/** A writer that has not renewed its lock for this long is taken as gone. */
export const LOCK_STALE_MS = 30_000;
export const LOCK_RENEW_MS = 5_000;

interface LockBody { token: string; pid: number; host: string; since: number; beat: number }

/**
 * Decides which process writes a workspace's store: one VS Code window (or CLI) holds
 * `.runlens/runlens.lock` and renews it; every other one follows the snapshots read-only and takes
 * over when the holder stops renewing (or, on the same host, when its process is gone).
 *
 * The lock file only ever appears whole: it is written to a file of its own, then hard-linked into
 * place, which fails if a lock is there. A stale lock is replaced by rename, and the taker reads the
 * lock back: of two processes taking over at once, the one whose token is not there steps back.
 */
export class WriterLock {
  readonly token = crypto.randomUUID();
  private held = false;

  constructor(private readonly file: string, private readonly now: () => number = Date.now) {}

  get isHeld(): boolean { return this.held; }

  /** Takes the lock if it is free or stale. Returns whether this process now holds it. */
  tryAcquire(): boolean {
    if (this.held) return this.renew();
    if (this.create()) return (this.held = true);
    const current = this.read();
    if (current && !this.isStale(current)) return false;
    if (!current && !this.unreadableAndOld()) return false; // being written right now, or just unreadable
    try {
      const tmp = this.writeTemp();
      fs.renameSync(tmp, this.file);
    } catch {
      return false;
    }
    return (this.held = this.read()?.token === this.token);
  }

  /** Renews a held lock; false when another process took it meanwhile. */
  renew(): boolean {
    const current = this.read();
    if (!current || current.token !== this.token) { this.held = false; return false; }
    try {
      fs.renameSync(this.writeTemp(current.since), this.file);
    } catch {
      return false;
    }
    return true;
  }

  release(): void {
    if (!this.held) return;
    if (this.read()?.token === this.token) fs.rmSync(this.file, { force: true });
    this.held = false;
  }

  holder(): LockBody | undefined { return this.read(); }

  /** The process that writes the store now, if one does (a lock that is not stale). */
  activeHolder(): LockBody | undefined {
    const b = this.read();
    return b && !this.isStale(b) ? b : undefined;
  }

  private create(): boolean {
    const tmp = this.writeTemp();
    try {
      fs.linkSync(tmp, this.file);
      return true;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      return false;
    } finally {
      fs.rmSync(tmp, { force: true });
    }
  }

  private writeTemp(since = this.now()): string {
    const tmp = `${this.file}.${this.token}.tmp`;
    const body: LockBody = { token: this.token, pid: process.pid, host: os.hostname(), since, beat: this.now() };
    fs.writeFileSync(tmp, JSON.stringify(body));
    return tmp;
  }

  private read(): LockBody | undefined {
    try { return JSON.parse(fs.readFileSync(this.file, 'utf8')) as LockBody; } catch { return undefined; }
  }

  private unreadableAndOld(): boolean {
    try { return this.now() - fs.statSync(this.file).mtimeMs > LOCK_STALE_MS; } catch { return true; }
  }

  private isStale(b: LockBody): boolean {
    if (typeof b.beat !== 'number' || this.now() - b.beat > LOCK_STALE_MS) return true;
    return b.host === os.hostname() && typeof b.pid === 'number' && b.pid !== process.pid && !pidAlive(b.pid);
  }
}
