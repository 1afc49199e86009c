import * as fs from 'node:fs';
import type { Catalog } from './catalog';
import type { Reporter } from './ingest';
import type { ImportProblem, MetricPoint } from '../mlflow/model';
import { readerFor, sourceOfRun } from '../sources/readers';
import type { SourceKind, SourceReader } from '../sources/source';
import { SqliteError, StoreError } from './errors';
import type { SourcePolicy } from './sourcePolicy';

export type { SourceKind };

interface FollowedSource {
  kind: SourceKind;
  /** The watermark of its reader's last read (named so since MLflow's stores were the only sources). */
  fingerprint?: unknown;
  /** The problems last reported, so that the same ones are not reported on every read. */
  problems?: string;
  /** A source that is one file (an mlflow.db, an Optuna storage): its (and its write-ahead log's) size and mtime when last read. */
  stamp?: string;
}

export interface SyncResult { runs: number; removed: number; problems: ImportProblem[] }

/**
 * The sources a workspace's store follows (MLflow stores, Optuna storages, in `meta.mlflow_sources`):
 * each is read again, through its reader, for what changed, every few seconds (never more often than
 * five times the last read took, so a large source does not keep the store's thread busy), and not
 * at all while its file is unchanged.
 */
export class ImportedSources {
  private following: Promise<void> | undefined;
  private nextFollow = 0;

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
  ) {}

  list(): Record<string, FollowedSource> {
    try { return JSON.parse(this.catalog().meta('mlflow_sources') ?? '{}'); } catch { return {}; }
  }

  /** Records a source named by the journal (a relative path is relative to the folder); read only if the policy allows. */
  register(kind: SourceKind, sourcePath: string): void {
    const abs = this.policy.resolve(sourcePath);
    const all = this.list();
    if (all[abs]) return;
    all[abs] = { kind };
    this.catalog().setMeta('mlflow_sources', JSON.stringify(all));
  }

  /** The sources the workspace names that the policy does not let this store read. */
  refused(): { path: string; kind: SourceKind }[] {
    return Object.entries(this.list()).filter(([p]) => !this.policy.mayFollow(p)).map(([p, src]) => ({ path: p, kind: src.kind }));
  }

  /** Says once that a source is not read, and how to allow it. */
  private refuse(sourcePath: string, { noun, command }: SourceReader): void {
    if (this.refusedSaid.has(sourcePath)) return;
    this.refusedSaid.add(sourcePath);
    this.reporter.problem(`Not reading the ${noun} ${sourcePath}: the workspace names it, but it is outside the workspace folder, and only you can allow that (in VS Code when asked, or with ${command}; in a terminal with 'runlens import ${sourcePath} --allow-outside').`);
  }

  /** Full metric histories of an imported run, from its source, if the policy lets this store read it. */
  async history(source: string): Promise<Record<string, MetricPoint[]>> {
    const s = sourceOfRun(source);
    if (!s) return {};
    if (!this.policy.mayFollow(s.path)) { this.refuse(s.path, s.reader); return {}; }
    return s.reader.history(source);
  }

  /** Reads what changed in each source since the last read (all of it, the first time). */
  follow(force: boolean): Promise<void> {
    if (this.following) return this.following;
    if (!force && Date.now() < this.nextFollow) return Promise.resolve();
    const sources = Object.entries(this.list()).filter(([p, src]) => this.policy.mayFollow(p) || (this.refuse(p, readerFor(src.kind)), false));
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

  /** Waits for a read under way (before the catalog is swapped, say). */
  async settle(): Promise<void> {
    while (this.following) await this.following;
  }

  /** Reads one source now; `reportAll` repeats problems already reported. */
  async sync(sourcePath: string, src: FollowedSource | undefined = this.list()[sourcePath], reportAll = true): Promise<SyncResult> {
    if (!src) throw new Error(`${sourcePath} is not an imported source`);
    const reader = readerFor(src.kind);
    if (!this.policy.mayFollow(sourcePath)) throw new StoreError(`${sourcePath} is outside the workspace folder: RunLens reads it only once you allow it`);
    if (!fs.existsSync(sourcePath)) {
      if (src.problems !== 'missing') {
        this.reporter.problem(`The ${reader.noun} ${sourcePath} is gone; its runs stay in RunLens.`);
        this.update(sourcePath, { ...src, problems: 'missing' });
      }
      return { runs: 0, removed: 0, problems: [] };
    }
    const stamp = src.kind === 'mlflow-file' ? undefined : fileStamp(sourcePath);
    if (stamp && src.fingerprint && stamp === src.stamp) return { runs: 0, removed: 0, problems: [] };
    const read = await reader.read(src.kind, sourcePath, src.fingerprint);
    const stats = read.apply(this.catalog());
    if (stats.uids.length) this.imported(stats.uids);
    const problemText = read.problems.map((p) => `${p.path}: ${p.message}`).join('\n');
    if (problemText && (reportAll || problemText !== src.problems)) {
      for (const p of read.problems) this.reporter.problem(`${p.path}: ${p.message}`);
    }
    this.update(sourcePath, { kind: src.kind, fingerprint: read.watermark, problems: problemText, stamp });
    return { runs: stats.runs, removed: stats.removed, problems: read.problems };
  }

  private update(sourcePath: string, src: FollowedSource): void {
    const all = this.list();
    all[sourcePath] = src;
    this.catalog().setMeta('mlflow_sources', JSON.stringify(all));
  }
}

/** Size and mtime of a file and its write-ahead log: what changes when MLflow or Optuna writes. */
function fileStamp(file: string): string {
  const part = (f: string) => { try { const s = fs.statSync(f); return `${s.size}:${s.mtimeMs}`; } catch { return '-'; } };
  return `${part(file)}|${part(file + '-wal')}`;
}
