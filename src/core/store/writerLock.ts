import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import { pidAlive } from './ingest';
import { writeFileAtomicSync } from './atomicFile';

/** A writer that has not renewed its lock for this long is taken as gone. */
export const LOCK_STALE_MS = 15_000;
export const LOCK_RENEW_MS = 5_000;

interface LockBody { token: string; pid: number; host: string; since: number; beat: number }

/**
 * Decides which process writes a workspace's store: one VS Code window (or CLI) holds
 * `.runlens/runlens.lock` and renews it; every other one follows the snapshots read-only and takes
 * over when the holder stops renewing (or, on the same host, when its process is gone).
 */
export class WriterLock {
  readonly token = crypto.randomUUID();
  private held = false;

  constructor(private readonly file: string, private readonly now: () => number = Date.now) {}

  get isHeld(): boolean { return this.held; }

  /** Takes the lock if it is free or stale. Returns whether this process now holds it. */
  tryAcquire(): boolean {
    if (this.held) return this.renew();
    const body = (): string => JSON.stringify({ token: this.token, pid: process.pid, host: os.hostname(), since: this.now(), beat: this.now() } satisfies LockBody);
    try {
      fs.writeFileSync(this.file, body(), { flag: 'wx' });
      this.held = true;
      return true;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    const current = this.read();
    if (current && !this.isStale(current)) return false;
    // Stale: move it aside first, so of two processes taking over only one succeeds.
    const aside = `${this.file}.${this.token}.stale`;
    try { fs.renameSync(this.file, aside); } catch { return false; }
    fs.rmSync(aside, { force: true });
    try {
      fs.writeFileSync(this.file, body(), { flag: 'wx' });
      this.held = true;
      return true;
    } catch {
      return false;
    }
  }

  /** Renews a held lock; false when another process took it meanwhile. */
  renew(): boolean {
    const current = this.read();
    if (!current || current.token !== this.token) { this.held = false; return false; }
    writeFileAtomicSync(this.file, JSON.stringify({ ...current, beat: this.now() }));
    return true;
  }

  release(): void {
    if (!this.held) return;
    const current = this.read();
    if (current?.token === this.token) fs.rmSync(this.file, { force: true });
    this.held = false;
  }

  holder(): LockBody | undefined { return this.read(); }

  private read(): LockBody | undefined {
    try { return JSON.parse(fs.readFileSync(this.file, 'utf8')) as LockBody; } catch { return undefined; }
  }

  private isStale(b: LockBody): boolean {
    if (typeof b.beat !== 'number' || this.now() - b.beat > LOCK_STALE_MS) return true;
    return b.host === os.hostname() && typeof b.pid === 'number' && b.pid !== process.pid && !pidAlive(b.pid);
  }
}
