import { Worker } from 'node:worker_threads';
import * as path from 'node:path';
import type { FromWorker, Method, StoreApi, ToWorker } from './protocol';
import type { Reporter } from '../core/store/ingest';

type Async<T> = { [K in keyof T]: T[K] extends (...a: infer A) => infer R ? (...a: A) => Promise<Awaited<R>> : never };

/**
 * The extension host's handle on a workspace folder's store, which runs in a worker thread.
 * Every call is a message; nothing here touches the database, so nothing here can block.
 */
export class StoreClient {
  readonly api: Async<StoreApi>;
  private nextId = 1;
  private pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private changeListeners = new Set<() => void>();
  private exitListeners = new Set<(why: string) => void>();
  /** Why the thread stopped, once it has: every call then fails at once instead of waiting forever. */
  private dead: string | undefined;
  private closing = false;
  role: 'writer' | 'reader' = 'reader';

  private constructor(private readonly worker: Worker, reporter: Reporter) {
    worker.on('message', (m: FromWorker) => {
      if (m.kind === 'result') {
        const p = this.pending.get(m.id);
        this.pending.delete(m.id);
        if (m.ok) p?.resolve(m.value); else p?.reject(new Error(m.message));
      } else if (m.kind === 'changed') {
        for (const l of this.changeListeners) l();
      } else if (m.kind === 'report') {
        if (m.level === 'problem') reporter.problem(m.message); else reporter.info(m.message);
      }
    });
    worker.on('error', (e) => this.died(e.message, reporter));
    worker.on('exit', (code) => { if (!this.closing) this.died(`exit code ${code}`, reporter); });
    this.api = new Proxy({} as Async<StoreApi>, {
      get: (_t, method: string) => (...args: unknown[]) => this.call(method as Method, args),
    });
  }

  /** `allowed`: the sources outside the folder this user allowed its store to follow (see SourcePolicy). */
  static async start(workerFile: string, wasm: string, folder: string, reporter: Reporter, pollMs = 1000, allowed: readonly string[] = [], serverPollMs?: number): Promise<StoreClient> {
    const worker = new Worker(path.resolve(workerFile));
    const client = new StoreClient(worker, reporter);
    const opened = await new Promise<FromWorker>((resolve, reject) => {
      const onMessage = (m: FromWorker) => {
        if (m.kind === 'opened' || m.kind === 'open-failed') { worker.off('message', onMessage); resolve(m); }
      };
      worker.on('message', onMessage);
      worker.once('error', reject);
      worker.postMessage({ kind: 'open', folder, wasm, pollMs, allowed: [...allowed], serverPollMs } satisfies ToWorker);
    });
    if (opened.kind === 'open-failed') {
      await worker.terminate();
      throw new Error(opened.message);
    }
    if (opened.kind === 'opened') client.role = opened.role;
    return client;
  }

  onChange(listener: () => void): { dispose(): void } {
    this.changeListeners.add(listener);
    return { dispose: () => this.changeListeners.delete(listener) };
  }

  /** Called once if the store's thread stops without being asked to. */
  onExit(listener: (why: string) => void): { dispose(): void } {
    this.exitListeners.add(listener);
    return { dispose: () => this.exitListeners.delete(listener) };
  }

  private died(why: string, reporter: Reporter): void {
    if (this.dead) return;
    this.dead = why;
    reporter.problem(`The RunLens store stopped: ${why}`);
    const error = new Error(`the RunLens store stopped (${why})`);
    for (const p of this.pending.values()) p.reject(error);
    this.pending.clear();
    for (const l of this.exitListeners) l(why);
  }

  private call(method: Method, args: unknown[]): Promise<never> {
    if (this.dead) return Promise.reject(new Error(`the RunLens store stopped (${this.dead})`));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.worker.postMessage({ kind: 'call', id, method, args } satisfies ToWorker);
    });
  }

  private disposing: Promise<void> | undefined;

  /** Saves, releases the writer's lock and stops the thread; once, however often it is asked. */
  dispose(): Promise<void> {
    this.disposing ??= (async () => {
      this.closing = true;
      if (this.dead) return;
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, 5000);
        this.worker.on('message', (m: FromWorker) => { if (m.kind === 'closed') { clearTimeout(t); resolve(); } });
        this.worker.postMessage({ kind: 'close' } satisfies ToWorker);
      });
      await this.worker.terminate();
    })();
    return this.disposing;
  }
}
