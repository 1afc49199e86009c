/**
 * The life of each tracking server a store follows: when it is next asked (every `pollMs`; after a
 * failure less and less often, up to `maxBackoffMs`), what state it is in for the views (synced,
 * offline since a time, refusing credentials...), its connection (credentials in memory only) and
 * its cached metric histories. The reading itself is the server's SourceReader
 * (src/core/sources/readers.ts, over src/core/mlflowServer/sync.ts), given this connection; its
 * read is applied by ImportedSources as every other source's is.
 */
import type { Credentials } from '../mlflowServer/credentials';
import { MlflowHttp, ServerError } from '../mlflowServer/http';
import { MlflowRestApi } from '../mlflowServer/api';
import { ServerHistoryCache } from '../mlflowServer/history';
import type { StoreFingerprint } from '../mlflow/model';

/** How RunLens reaches a server, as the editor or the command line knows it (never persisted). */
export interface ServerConnection {
  credentials?: Credentials;
  /** Where a person gives credentials, for the 401/403 message. */
  where: 'editor' | 'terminal';
  pageSize?: number;
  timeoutMs?: number;
}

export type ServerState = 'never' | 'syncing' | 'synced' | 'offline' | 'auth' | 'error';

/** What the views show of a followed server. */
export interface ServerStatus {
  uri: string;
  state: ServerState;
  /** When its runs were last brought up to date (this machine's clock, ms). */
  lastSync?: number;
  /** The names of the experiments followed, as last seen. */
  experiments: string[];
  /** What went wrong, in a sentence, when state is offline, auth or error. */
  message?: string;
  /** Not followed: the workspace names it but the person has not allowed it. */
  refused?: boolean;
}

interface Live {
  state: ServerState;
  failures: number;
  nextAttempt: number;
  message?: string;
  /** The newest watermark, which may be newer than the one persisted. */
  fingerprint?: StoreFingerprint;
  /** When the persisted watermark was written. */
  persistedAt?: number;
  /** The state of the last failure, to say each kind of failure once. */
  lastProblem?: ServerState;
}

export class ServerFollow {
  private readonly live = new Map<string, Live>();
  readonly histories = new ServerHistoryCache();

  constructor(
    private readonly connection: (uri: string) => ServerConnection,
    readonly pollMs = 15_000,
    private readonly maxBackoffMs = 5 * 60_000,
    private readonly now: () => number = Date.now,
  ) {}

  api(uri: string, onProblem?: (m: string) => void): MlflowRestApi {
    const c = this.connection(uri);
    return new MlflowRestApi(new MlflowHttp(uri, { credentials: c.credentials, where: c.where, timeoutMs: c.timeoutMs, onProblem }));
  }

  pageSize(uri: string): number | undefined {
    return this.connection(uri).pageSize;
  }

  private get(uri: string): Live {
    let l = this.live.get(uri);
    if (!l) { l = { state: 'never', failures: 0, nextAttempt: 0 }; this.live.set(uri, l); }
    return l;
  }

  due(uri: string, force: boolean): boolean {
    const l = this.get(uri);
    return l.state !== 'syncing' && (force || this.now() >= l.nextAttempt);
  }

  /** The watermark to sync from: this session's newest, else the persisted one. */
  fingerprint(uri: string, persisted: StoreFingerprint | undefined): StoreFingerprint | undefined {
    return this.live.get(uri)?.fingerprint ?? persisted;
  }

  started(uri: string): void {
    this.get(uri).state = 'syncing';
  }

  /**
   * A sync reached the server. Returns whether the watermark should be written now: when data
   * changed, or when the written one is ten minutes old (so the time of the last sync outlives a
   * restart without a snapshot being saved on every poll).
   */
  succeeded(uri: string, fingerprint: StoreFingerprint, changedData: boolean): { persist: boolean; wasOffline: boolean } {
    const l = this.get(uri);
    const wasOffline = l.failures > 0;
    Object.assign(l, { state: 'synced', failures: 0, message: undefined, lastProblem: undefined, fingerprint, nextAttempt: this.now() + this.pollMs });
    const persist = changedData || l.persistedAt === undefined || this.now() - l.persistedAt >= 10 * 60_000;
    if (persist) l.persistedAt = this.now();
    return { persist, wasOffline };
  }

  /** A sync failed; returns whether the state changed (to be said once, not on every retry). */
  failed(uri: string, e: Error): { said: boolean; retryInMs: number } {
    const l = this.get(uri);
    const state: ServerState = e instanceof ServerError ? (e.offline ? 'offline' : e.problem === 'auth' ? 'auth' : 'error') : 'error';
    // Said when it starts failing, or fails differently (offline, then refusing credentials): not on every retry.
    const said = l.failures === 0 || (l.state !== state && l.state !== 'syncing') || l.lastProblem !== state;
    l.lastProblem = state;
    l.failures++;
    const retryInMs = Math.min(this.maxBackoffMs, this.pollMs * 2 ** Math.min(l.failures - 1, 10));
    Object.assign(l, { state, message: e.message, nextAttempt: this.now() + retryInMs });
    return { said, retryInMs };
  }

  status(uri: string, persisted: StoreFingerprint | undefined, refused = false): ServerStatus {
    const l = this.live.get(uri);
    const fp = l?.fingerprint ?? persisted;
    const experiments = Object.values(fp?.server?.experiments ?? {}).map((e) => e.name).sort();
    return {
      uri,
      state: refused ? 'never' : l?.state ?? (fp?.server ? 'synced' : 'never'),
      lastSync: fp?.server?.syncedAt,
      experiments,
      ...(l?.message ? { message: l.message } : {}),
      ...(refused ? { refused } : {}),
    };
  }

  /** Forgets the session's state (the catalog was rebuilt: everything is synced again). */
  reset(): void {
    this.live.clear();
  }
}
