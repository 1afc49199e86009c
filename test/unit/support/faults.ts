import { realFs, type WriteFs } from '../../../src/core/store/atomicFile';

export type Fault = 'full' | 'short';

/**
 * The store's file calls (see atomicFile.ts), done for real, with each call recorded; the chosen
 * one fails as on a full disk. `full`: the call fails with ENOSPC. `short` (for a write): it writes
 * half of what it was asked, for real, and says so; the next write fails with ENOSPC.
 * Removing a file is never failed: it needs no space.
 */
export class FaultyFs implements WriteFs {
  calls: string[] = [];
  private failAt = -1;
  private fault: Fault = 'full';
  private failNextWrite = false;

  /** Only calls whose path passes `where` are counted and failed (say, the lock's files only). */
  constructor(private readonly where: (file: string) => boolean = () => true) {}

  /**
   * Fails the `index`-th counted call from now (0-based); -1: none. `staysFull`: every call after
   * it fails too, as on a disk that stays full.
   */
  failCall(index: number, fault: Fault = 'full', { staysFull = false } = {}): void {
    this.calls = [];
    this.failAt = index;
    this.fault = fault;
    this.failNextWrite = false;
    this.staysFull = staysFull;
  }

  private staysFull = false;

  private paths = new Map<number, string>();

  private step(name: string, file: string, isWrite = false): 'ok' | 'short' {
    if (!this.where(file)) return 'ok';
    const index = this.calls.push(`${name} ${file}`) - 1;
    if (isWrite && this.failNextWrite) { this.failNextWrite = this.staysFull; throw enospc(name, file); }
    if (this.staysFull && this.failAt >= 0 && index > this.failAt) throw enospc(name, file);
    if (index !== this.failAt) return 'ok';
    if (this.fault === 'short' && isWrite) { this.failNextWrite = true; return 'short'; }
    throw enospc(name, file);
  }

  open(file: string, flags: 'w' | 'wx' | 'a+'): number {
    this.step('open', file);
    const fd = realFs.open(file, flags);
    this.paths.set(fd, file);
    return fd;
  }

  write(fd: number, data: Uint8Array, offset: number, length: number): number {
    const how = this.step('write', this.paths.get(fd) ?? '?', true);
    return realFs.write(fd, data, offset, how === 'short' ? Math.max(1, Math.floor(length / 2)) : length);
  }

  fsync(fd: number): void { this.step('fsync', this.paths.get(fd) ?? '?'); realFs.fsync(fd); }
  truncate(fd: number, length: number): void { this.step('truncate', this.paths.get(fd) ?? '?'); realFs.truncate(fd, length); }
  close(fd: number): void {
    const file = this.paths.get(fd) ?? '?';
    this.paths.delete(fd);
    try { this.step('close', file); } finally { realFs.close(fd); }
  }
  rename(from: string, to: string): void { this.step('rename', to); realFs.rename(from, to); }
  link(from: string, to: string): void { this.step('link', to); realFs.link(from, to); }
  unlink(file: string): void { realFs.unlink(file); }
}

function enospc(call: string, file: string): NodeJS.ErrnoException {
  const e = new Error(`ENOSPC: no space left on device, ${call} '${file}'`) as NodeJS.ErrnoException;
  e.code = 'ENOSPC';
  return e;
}

/** Every (call, fault) to try for an operation whose calls were recorded: each call full, each write short too. */
export function faultPlan(calls: string[]): { index: number; fault: Fault; call: string }[] {
  return calls.flatMap((call, index) => [
    { index, fault: 'full' as const, call },
    ...(call.startsWith('write ') ? [{ index, fault: 'short' as const, call }] : []),
  ]);
}
