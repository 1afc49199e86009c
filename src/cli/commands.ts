import { LOCK_FILE, STORE_DIR, WorkspaceStore } from '../core/store/workspaceStore';
import { WriterLock } from '../core/store/writerLock';
import { Journal } from '../core/store/journal';
import type { Reporter } from '../core/store/ingest';
import { declaredGoal, getRun, listRuns, lookupCombinations, metricNames } from '../core/store/queries';
import { jsonNumber } from '../core/store/history';
import { AllowedSourcesFile, SourcePolicy } from '../core/store/sourcePolicy';
import type { RunDetail } from '../core/store/types';
import { type CliContext, CliError, type OptionSpec } from './args';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { artifactFolder } from '../core/artifacts/files';
import { analyzeNotebook, analyzePython, type ExperimentLoop } from '../core/analysis';
import { formatCombination } from '../core/loops/summary';
import { describeLoop, type Goal } from '../core/loops/describe';
import { formatMetric, shortId } from '../core/runs/format';
import { FilterError } from '../core/runs/filter';
import { fileProblem } from '../core/store/errors';
import { sourceKindOf } from '../core/sources/detect';
import { sqliteUrlPath } from '../core/optuna/detect';
import type { FileSourceKind } from '../core/sources/source';
import { envCredentialsFor } from '../core/mlflowServer/credentials';
import { isServerUri, normalizeServerUri, ServerUriError } from '../core/mlflowServer/uri';
import { serverNotice } from '../core/runs/format';

export interface Command {
  args: string;
  summary: string;
  /** The options it takes besides the global ones; any other is refused by name. */
  options?: Record<string, OptionSpec>;
  run(ctx: CliContext): Promise<number>;
}

/** This user's own list of sources outside a workspace folder that its store may follow. */
const allowedSources = () => new AllowedSourcesFile();

function reporterFor(ctx: CliContext): Reporter & { problems: number } {
  return {
    problems: 0,
    problem(m) { this.problems++; ctx.err(`problem: ${m}\n`); },
    info(m) { ctx.err(`note: ${m}\n`); },
  };
}

/** Opens the store; a CLI follows a running VS Code window read-only rather than fight it for writing. */
/** Reading commands never write, not even a `.runlens/`; `import` and `rebuild` need to be the writer. */
async function withStore<T>(ctx: CliContext, fn: (s: WorkspaceStore) => Promise<T>, role: 'read-only' | 'writer' = 'read-only'): Promise<T> {
  const store = await WorkspaceStore.open(ctx.workspace, {
    reporter: reporterFor(ctx), role, writeFs: ctx.writeFs, allowedSources: allowedSources(),
    // The servers this person follows from here, with the credentials their environment gives.
    servers: (uri) => ({ credentials: envCredentialsFor(uri, process.env, true), where: 'terminal', pageSize: Number(process.env.RUNLENS_MLFLOW_PAGE_SIZE) || undefined }),
  });
  try {
    // A damaged database found by a query is set aside and rebuilt, and the command runs again.
    return await store.guard(() => fn(store));
  } finally {
    await store.close();
  }
}

async function runJson(store: WorkspaceStore, r: RunDetail, history: boolean): Promise<Record<string, unknown>> {
  const hist = history ? await store.history(r.source).catch((e: Error) => { throw new CliError(`the metric histories of run ${r.uid} could not be read: ${e.message}`); }) : {};
  const metrics: Record<string, unknown> = {};
  for (const [k, m] of Object.entries(r.metrics)) {
    // The catalog's REAL column drops the sign of -0.0; the history keeps it.
    const lastPoint = hist[k]?.find((p) => p.step === m.lastStep && p.timestamp === m.lastTime && (p.value === m.last || (Number.isNaN(p.value) && Number.isNaN(m.last))));
    metrics[k] = {
      final: jsonNumber(lastPoint ? lastPoint.value : m.last), step: m.lastStep, min: m.min === null ? null : jsonNumber(m.min), max: m.max === null ? null : jsonNumber(m.max), count: m.count,
      ...(history ? { history: (hist[k] ?? []).map((p) => ({ step: p.step, value: jsonNumber(p.value), timestamp: p.timestamp })) } : {}),
    };
  }
  return {
    run_id: r.uid, experiment: r.experiment, name: r.name, status: r.status, lifecycle_stage: r.deleted ? 'deleted' : 'active',
    start_time: r.startTime, end_time: r.endTime, parent_run_id: r.parentUid, params: r.params, tags: r.tags, metrics,
    code: { script: r.scriptPath, sha256: r.scriptSha256, git_commit: r.git.commit, git_branch: r.git.branch, git_dirty: r.git.dirty },
    error: r.error, source: r.source,
    artifact_uri: artifactUri(store.dir, r),
    artifacts: r.artifacts.map((a) => ({ path: a.path, size: a.size, sha256: a.sha256, media_type: a.mediaType })),
  };
}

/** Where the run's artifacts are: a file: URI of the local folder, else MLflow's own URI (s3:, mlflow-artifacts:, …). */
function artifactUri(storeDir: string, r: RunDetail): string | null {
  const folder = artifactFolder(storeDir, r);
  return folder.dir ? pathToFileURL(folder.dir).href : r.artifactUri;
}

function parseCombination(text: string): Record<string, unknown> {
  // `lr=0.001 bs=32` or a JSON object: values keep their written form, compared by meaning later.
  const trimmed = text.trim();
  if (trimmed.startsWith('{')) {
    try { return JSON.parse(trimmed); } catch (e) { throw new CliError(`not a JSON object: ${(e as Error).message}`); }
  }
  const out: Record<string, unknown> = {};
  for (const part of trimmed.split(/\s+/).filter(Boolean)) {
    const eq = part.indexOf('=');
    if (eq <= 0) throw new CliError(`'${part}' is not key=value`);
    out[part.slice(0, eq)] = part.slice(eq + 1);
  }
  return out;
}

/** The loops of a .py or .ipynb file, with the cell each is in (null for a .py file). */
function fileLoops(file: string): { cell: number | null; loop: ExperimentLoop }[] {
  let text: string;
  try { text = fs.readFileSync(file, 'utf8'); } catch (e) { throw new CliError(`cannot read ${file}: ${(e as Error).message}`); }
  if (!file.endsWith('.ipynb')) return analyzePython(text).map((loop) => ({ cell: null, loop }));
  let nb: { cells?: { cell_type?: string; source?: string | string[] }[] };
  try { nb = JSON.parse(text); } catch (e) { throw new CliError(`${file} is not a notebook (not JSON: ${(e as Error).message})`); }
  const cells = (nb.cells ?? []).map((c, index) => ({ index, c })).filter(({ c }) => c.cell_type === 'code');
  const sources = cells.map(({ c }) => (Array.isArray(c.source) ? c.source.join('') : c.source ?? ''));
  return analyzeNotebook(sources).flatMap((r) => r.loops.map((loop) => ({ cell: cells[r.cell].index, loop })));
}

export const COMMANDS: Record<string, Command> = {
  analyze: {
    args: 'FILE [--all-experiments] [--metric NAME]',
    summary: 'the experiment loops of a .py or .ipynb file and the state of each combination',
    options: {
      'all-experiments': { type: 'boolean', help: 'match every loop against every run, also a loop whose code names its experiment' },
      metric: { type: 'string', value: 'NAME', help: 'the metric that ranks the combinations (default: a score such as accuracy if logged, else a loss)' },
    },
    run: (ctx) => withStore(ctx, async (store) => {
      const file = ctx.positional[0];
      if (!file) throw new CliError('give a .py or .ipynb file');
      // As in the editor (core's describeLoop): a loop that names its experiment is matched against that experiment only.
      const everywhere = ctx.flags.has('all-experiments');
      const port = {
        lookup: (keys: string[], combinations: Record<string, unknown>[], o: { metric?: string; experimentId?: number; goal: Goal }) => lookupCombinations(store.catalog, keys, combinations, o),
        metricsOf: (uid: string) => Object.keys(getRun(store.catalog, uid)?.metrics ?? {}),
        experimentId: (name: string) => store.catalog.experimentIds.get(name),
        metricNames: () => metricNames(store.catalog),
        declaredGoal: (metric: string, experimentId?: number) => declaredGoal(store.catalog, metric, experimentId),
      };
      const opts = { configuredMetric: () => ctx.options.get('metric') ?? '', goal: 'auto' as const, sameExperiment: !everywhere };
      const available = metricNames(store.catalog);
      const loops = [];
      for (const { cell, loop } of fileLoops(path.resolve(file))) {
        loops.push({ cell, ...await describeLoop(loop, port, opts, available) });
      }
      if (ctx.json) {
        ctx.out(JSON.stringify({
          file, loops: loops.map(({ cell, loop, states }) => ({
            line: loop.line, cell, experiment: loop.experiment ?? null, keys: loop.keys, unknown: loop.unknown, combinations: loop.combinations,
            states: states.map((s) => s.state), runtime_skip: loop.runtimeSkip, repeats: loop.repeats, tracked: loop.tracked,
          })),
        }, (_k, v) => (typeof v === 'bigint' ? `\u0000bigint:${v}` : v)).replace(/"\\u0000bigint:(-?\d+)"/g, '$1') + '\n');
        return 0;
      }
      if (!loops.length) { ctx.out(`${file}: no experiment loops\n`); return 0; }
      for (const { cell, loop, states, metric, title } of loops) {
        ctx.out(`${file}${cell === null ? '' : ` cell ${cell}`}:${loop.line}  ${title}\n`);
        loop.combinations.forEach((combo, i) => ctx.out(`  ${states[i].state.padEnd(9)}  ${formatCombination(combo, loop.keys)}${states[i].best !== null && metric ? `  ${metric} ${formatMetric(states[i].best)}` : ''}\n`));
      }
      return 0;
    }),
  },
  runs: {
    args: '[--all] [--history] [--filter Q] [--experiment NAME]',
    summary: 'list runs with experiment, name, status, params, tags and latest metrics (--all: deleted too, with histories)',
    options: {
      all: { type: 'boolean', help: 'deleted runs too, and every metric\'s full history' },
      history: { type: 'boolean', help: 'every metric\'s full history' },
      filter: { type: 'string', value: 'Q', help: "only the runs a filter keeps, as in the view: params.lr = 0.01 and metrics.accuracy > 0.8" },
      experiment: { type: 'string', value: 'NAME', help: 'only this experiment\'s runs' },
    },
    run: (ctx) => withStore(ctx, async (store) => {
      const all = ctx.flags.has('all');
      // A tracking server's histories cost a request per metric: asked for by --history only.
      const history = (r: RunDetail) => ctx.flags.has('history') || (all && !r.source.startsWith('mlflow-server:'));
      const experiment = ctx.options.get('experiment');
      let runs;
      try {
        runs = listRuns(store.catalog, { limit: Number.MAX_SAFE_INTEGER, includeDeleted: all, sort: { by: 'start_time', descending: false }, filter: ctx.options.get('filter') });
      } catch (e) {
        if (e instanceof FilterError) throw new CliError(`bad --filter: ${e.message}`);
        throw e;
      }
      const rows = runs
        .filter((r) => !experiment || r.experiment === experiment)
        .map((r) => getRun(store.catalog, r.id)!);
      if (ctx.json) {
        const runs = [];
        for (const r of rows) runs.push(await runJson(store, r, history(r)));
        ctx.out(JSON.stringify({ runs }, null, 1) + '\n');
        return 0;
      }
      if (!rows.length) {
        const why = ctx.options.get('filter') ? 'No run matches the filter.'
          : fs.existsSync(path.join(store.dir)) ? 'No runs yet.' : `No runs yet: ${store.folder} has no .runlens/ (use --workspace, or log a run first).`;
        ctx.out(why + '\n');
        return 0;
      }
      for (const r of rows) {
        const short = (v: string) => { const one = v.replace(/\s+/g, ' '); return one.length > 32 ? one.slice(0, 31) + '…' : one; };
        const params = Object.entries(r.params).map(([k, v]) => `${k}=${short(v)}`).join(' ');
        const metrics = Object.values(r.metrics).map((m) => `${m.key}=${formatMetric(m.last)}`).join(' ');
        const tags = Object.entries(r.tags).filter(([k]) => !k.startsWith('mlflow.')).map(([k, v]) => `#${k}=${short(v)}`).join(' ');
        ctx.out(`${shortId(r.uid)}  ${r.experiment} / ${r.name ?? '-'}  ${r.status}${r.deleted ? ' (deleted)' : ''}  ${params}  ${metrics}${tags ? '  ' + tags : ''}\n`);
      }
      return 0;
    }),
  },
  exists: {
    args: "'k=v k2=v2' | JSON [--experiment NAME]",
    summary: 'whether a combination of parameters already has a finished run (exit 0 yes, 1 no, 2 error)',
    options: {
      experiment: { type: 'string', value: 'NAME', help: 'only this experiment\'s runs count (default: every experiment)' },
      metric: { type: 'string', value: 'NAME', help: 'the metric whose best value is reported' },
    },
    run: (ctx) => withStore(ctx, async (store) => {
      if (!ctx.positional.length) throw new CliError("give the combination, e.g. runlens exists 'lr=0.001 batch_size=32'");
      const combo = parseCombination(ctx.positional.join(' '));
      const keys = Object.keys(combo);
      // An empty combination would match every run: refuse it rather than answer "logged".
      if (!keys.length) throw new CliError('the combination has no parameters');
      const experiment = ctx.options.get('experiment');
      const experimentId = experiment === undefined ? undefined : store.catalog.experimentIds.get(experiment) ?? -1;
      const [state] = lookupCombinations(store.catalog, keys, [combo], { experimentId, metric: ctx.options.get('metric') });
      if (ctx.json) ctx.out(JSON.stringify({ combination: combo, state: state.state, runs: state.runs.map((r) => ({ run_id: r.uid, status: r.status, metric: r.metric })) }) + '\n');
      else ctx.out(`${state.state}${state.runs.length ? ` (${state.runs.map((r) => `${shortId(r.uid)} ${r.status}`).join(', ')})` : ''}\n`);
      return state.state === 'finished' ? 0 : 1;
    }),
  },
  import: {
    args: 'PATH | http://host:port [--experiment NAME ...] [--allow-outside]',
    options: {
      'allow-outside': { type: 'boolean', help: 'follow a store or storage outside the workspace folder (remembered for this folder on this machine)' },
      experiment: { type: 'string', multiple: true, value: 'NAME', help: "a tracking server's experiment to follow (again for more; default: all)" },
    },
    summary: 'import an MLflow store (a mlruns/ folder or a mlflow.db), a tracking server\'s runs (those of the experiments named, else all) or an Optuna storage (an SQLite file or sqlite:/// URL, a journal file) and follow it from then on; one outside the workspace folder needs --allow-outside',
    run: async (ctx) => {
      const target = ctx.positional[0];
      if (!target) throw new CliError('give a mlruns/ folder, a mlflow.db file, a tracking server\'s http(s):// URI or an Optuna storage (an SQLite file, a sqlite:/// URL, a journal file)');
      if (isServerUri(target)) return importServer(ctx, target);
      const abs = path.resolve(sqliteUrlPath(target) ?? target);
      if (!fs.existsSync(abs)) throw new CliError(`${target}: no such file or folder`);
      const kind = await sourceKindOf(abs);
      if (!kind) throw new CliError(`${target} is neither an MLflow store (a mlruns/ folder, an SQLite mlflow.db) nor an Optuna storage (an SQLite database with Optuna's tables, a JournalFileStorage file)`);
      const allowed = allowedSources();
      if (!new SourcePolicy(ctx.workspace, allowed).mayFollow(abs)) {
        if (!ctx.flags.has('allow-outside')) {
          throw new CliError(`${target} is outside the workspace folder ${ctx.workspace}; its runs (their parameters included) would be copied into this workspace's store. To import it and follow it from then on, run again with --allow-outside (remembered for this folder, for you, on this machine, in ${allowed.file}).`);
        }
        try {
          await allowed.add(ctx.workspace, abs);
        } catch (e) {
          throw new CliError(`cannot remember ${target} in ${allowed.file} (${fileProblem(e)})`);
        }
      }
      const holder = new WriterLock(path.join(ctx.workspace, STORE_DIR, LOCK_FILE), Date.now, ctx.writeFs).activeHolder();
      if (holder) {
        // A VS Code window writes this store: hand it the import through the journal.
        try {
          new Journal(path.join(ctx.workspace, STORE_DIR, 'journal.jsonl'), ctx.writeFs).append({ e: 'source', kind, path: new SourcePolicy(ctx.workspace).journalName(abs) });
        } catch (e) {
          throw new CliError(`could not hand the import to the window that writes this store (${fileProblem(e)})`);
        }
        if (ctx.json) ctx.out(JSON.stringify({ source: abs, kind, queued: true, writer: { pid: holder.pid, host: holder.host } }) + '\n');
        else if (new SourcePolicy(ctx.workspace).isInside(abs)) ctx.out(`The window that writes this store (pid ${holder.pid}) imports ${target} within seconds and follows it.\n`);
        else ctx.out(`The window that writes this store (pid ${holder.pid}) asks you whether to follow ${target}, as it is outside the folder, and imports it if you allow it.\n`);
        return 0;
      }
      return importNow(ctx, kind, abs, target);
    },
  },
  sync: {
    args: '',
    summary: 'catch up every followed source now: MLflow stores and tracking servers, Optuna storages',
    run: async (ctx) => {
      const holder = new WriterLock(path.join(ctx.workspace, STORE_DIR, LOCK_FILE), Date.now, ctx.writeFs).activeHolder();
      if (holder) {
        ctx.out(`The VS Code window that writes this store (pid ${holder.pid}) follows its sources itself; RunLens: Refresh there catches up at once.\n`);
        return 0;
      }
      return withStore(ctx, async (store) => {
        await store.syncSources();
        await store.save();
        const servers = store.serverStatuses();
        const failed = servers.filter((s) => serverNotice(s));
        if (ctx.json) ctx.out(JSON.stringify({ sources: Object.keys(store.sources()), servers }) + '\n');
        else {
          ctx.out(`Caught up ${Object.keys(store.sources()).length} sources.\n`);
          for (const s of failed) ctx.out(`${s.uri}: ${serverNotice(s)}${s.message ? ` (${s.message})` : ''}\n`);
        }
        return failed.length ? 2 : 0;
      }, 'writer');
    },
  },
  rebuild: {
    args: '',
    summary: 'rebuild the store from the run logs, the edits journal and the imported sources (MLflow stores, Optuna storages)',
    run: (ctx) => withStore(ctx, async (store) => {
      // A store that had no database, or a damaged one, was just built from the logs by opening it.
      const stats = store.builtFromScratch ?? await store.rebuild();
      await store.save();
      if (ctx.json) ctx.out(JSON.stringify(stats) + '\n');
      else ctx.out(`Rebuilt from ${stats.files} run logs: ${stats.runs} runs, ${stats.points} metric points, ${stats.problems} problems.\n`);
      return 0;
    }, 'writer'),
  },
};

/**
 * `runlens import http://host:port`: follow a tracking server from this workspace, as the setting
 * does. The person typed it, so it is theirs to allow (remembered like --allow-outside).
 */
async function importServer(ctx: CliContext, target: string): Promise<number> {
  let uri: string;
  try { uri = normalizeServerUri(target); } catch (e) { throw new CliError((e as ServerUriError).message); }
  const experiments = ctx.lists.get('experiment');
  const allowed = allowedSources();
  try {
    await allowed.add(ctx.workspace, uri);
  } catch (e) {
    throw new CliError(`cannot remember ${uri} in ${allowed.file} (${fileProblem(e)})`);
  }
  const holder = new WriterLock(path.join(ctx.workspace, STORE_DIR, LOCK_FILE), Date.now, ctx.writeFs).activeHolder();
  if (holder) {
    try {
      new Journal(path.join(ctx.workspace, STORE_DIR, 'journal.jsonl'), ctx.writeFs).append({ e: 'source', kind: 'mlflow-server', path: uri, ...(experiments?.length ? { experiments } : {}) });
    } catch (e) {
      throw new CliError(`could not hand the import to the window that writes this store (${fileProblem(e)})`);
    }
    if (ctx.json) ctx.out(JSON.stringify({ source: uri, kind: 'mlflow-server', queued: true, writer: { pid: holder.pid, host: holder.host } }) + '\n');
    else ctx.out(`The window that writes this store (pid ${holder.pid}) asks you whether to follow ${uri}, and syncs it if you allow it.\n`);
    return 0;
  }
  return withStore(ctx, async (store) => {
    const result = await store.importSource('mlflow-server', uri, experiments);
    await store.save();
    if (ctx.json) ctx.out(JSON.stringify({ source: uri, kind: 'mlflow-server', experiments: experiments ?? null, runs: result.runs, removed: result.removed, problems: result.problems }) + '\n');
    else ctx.out(`Synced ${result.runs} runs from ${uri}${experiments?.length ? ` (${experiments.join(', ')})` : ''}; it is followed from now on${result.problems.length ? ` (${result.problems.length} problems, listed above)` : ''}.\n`);
    return 0;
  }, 'writer');
}

function importNow(ctx: CliContext, kind: FileSourceKind, abs: string, target: string): Promise<number> {
  return withStore(ctx, async (store) => {
    const result = await store.importSource(kind, abs);
    await store.save();
    const what = kind.startsWith('optuna-') ? 'trials' : 'runs';
    if (ctx.json) ctx.out(JSON.stringify({ source: abs, kind, runs: result.runs, removed: result.removed, problems: result.problems }) + '\n');
    else ctx.out(`Imported ${result.runs} ${what} from ${target}${result.problems.length ? ` (${result.problems.length} problems, listed above)` : ''}.\n`);
    return 0;
  }, 'writer');
}

