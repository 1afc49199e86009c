/**
 * How fast RunLens reads an Optuna study: 10,000 trials x 5 params x 100 intermediate values,
 * written by real Optuna (bench/optuna_study.py through Debian's /usr/bin/python3), in an RDB
 * storage (SQLite) and in a journal file; then the follow-up after real Optuna added 100 trials.
 *
 *   optuna_import_10k_s          readOptunaDb, against the raw read floor measured in the same run on
 *                                the same file: read it, open it with sql.js and step through every row
 *                                of every table the reader reads (`SELECT *`), doing nothing with them.
 *                                The ratio is floor / import: 1 is as fast as the floor, the goal 0.8.
 *                                The two take turns, three times each, after a warm-up; medians.
 *   optuna_import_10k_catalog_s  the same read written into a catalog (all `runlens import` does
 *                                but save), against the same floor.
 *   optuna_import_journal_10k_s  readOptunaJournal, against reading the file and JSON.parse of every line.
 *   optuna_followup_100_s        100 trials added by real Optuna: the read from the watermark of the
 *                                full read, and its write into the catalog (the goal: under 0.3 s).
 *
 * Real Optuna writes the RDB storage slowly (a transaction per reported value: 20-50 minutes on
 * these machines), so the storage is kept in ~/.cache/runlens-bench/ (RUNLENS_BENCH_CACHE
 * overrides), named by the Optuna version and a digest of optuna_study.py, and copied to a RAM disk
 * for each run; the journal takes seconds and is written each time.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadSqlJs, setSqlJsWasmPath } from '../src/core/store/sqljs';
import { Catalog } from '../src/core/store/catalog';
import { applyOptunaChanges } from '../src/core/optuna/apply';
import { readOptunaDb } from '../src/core/optuna/rdb';
import { readOptunaJournal } from '../src/core/optuna/journal';
import type { OptunaChanges, RdbWatermark } from '../src/core/optuna/model';
import type { Figure } from './figure';
import { median, rawReadTables, round, scratchParent, seconds } from './measure';

const TRIALS = 10_000;
const ADDED = 100;
const STEPS = 100;
const ROUNDS = 3;
const PYTHON = '/usr/bin/python3';
const OPTUNA_TABLES = ['alembic_version', 'version_info', 'studies', 'study_directions', 'study_system_attributes', 'trials', 'trial_params',
  'trial_values', 'trial_intermediate_values', 'trial_user_attributes'];

export async function run(ctx: { wasm?: string; root?: string } = {}): Promise<Record<string, Figure>> {
  const root = ctx.root ?? path.resolve(__dirname, '..', '..');
  const script = path.join(root, 'bench', 'optuna_study.py');
  const scratch = fs.mkdtempSync(path.join(scratchParent(), 'runlens-bench-optuna-'));
  if (ctx.wasm) setSqlJsWasmPath(ctx.wasm);
  try {
    const SQL = await loadSqlJs();
    const { file: cached, made } = cachedStudy(script);
    const dbPath = path.join(scratch, 'study.db');
    fs.copyFileSync(cached, dbPath);
    const journal = path.join(scratch, 'journal.log');
    const journalMade = await seconds(async () => { optunaStudy(script, journal, 0, TRIALS); });

    // On machines shared with others the figures wander: the floor and the read take turns, after a
    // read that warms both up, and each figure is the median of its three.
    rawReadTables(SQL, dbPath, OPTUNA_TABLES);
    const floors: number[] = [];
    const reads: number[] = [];
    let watermark: RdbWatermark | undefined;
    for (let round = 0; round < ROUNDS; round++) {
      floors.push(await seconds(async () => rawReadTables(SQL, dbPath, OPTUNA_TABLES)));
      let full: OptunaChanges | undefined;
      reads.push(await seconds(async () => { full = await readOptunaDb(dbPath); }));
      // Only the watermark is kept, as the store keeps it: a million intermediate values let go.
      watermark = checked(full, TRIALS).watermark as RdbWatermark;
    }
    const floor = median(floors);
    const read = median(reads);
    let catalog: Catalog | undefined;
    const imported = await seconds(async () => {
      catalog = await Catalog.open();
      applyOptunaChanges(catalog, checked(await readOptunaDb(dbPath), TRIALS));
    });

    const journalFloor = await seconds(async () => rawReadJournal(journal));
    const journalRead = await seconds(async () => { checked(await readOptunaJournal(journal), TRIALS); });

    optunaStudy(script, `sqlite:///${dbPath}`, TRIALS, ADDED);
    const followUp = await seconds(async () => {
      const next = checked(await readOptunaDb(dbPath, watermark!), ADDED);
      if (next.full) throw new Error('the follow-up read everything again');
      applyOptunaChanges(catalog!, next);
    });
    catalog!.close();

    const where = `${TRIALS} trials, ${TRIALS * STEPS / 1e6}M intermediate values, ${(fs.statSync(cached).size / 1e6).toFixed(0)} MB, on ${path.dirname(scratch)}; written by real Optuna ${made}`;
    return {
      optuna_import_10k_s: speed(read, floor, `floor: read the file and SELECT * every table the reader reads, with sql.js; ratio = floor / import; medians of ${ROUNDS} turns each (reads ${reads.map((x) => x.toFixed(2)).join(', ')}; floors ${floors.map((x) => x.toFixed(2)).join(', ')}); ${where}`),
      optuna_import_10k_catalog_s: speed(imported, floor, 'the same read written into a catalog (what runlens import does but save); ratio = floor / that'),
      optuna_import_journal_10k_s: speed(journalRead, journalFloor, `the same study in a JournalFileStorage file (${(fs.statSync(journal).size / 1e6).toFixed(0)} MB, written in ${journalMade.toFixed(1)} s); floor: read the file and JSON.parse every line`),
      optuna_followup_100_s: { value: round(followUp), unit: 's', baseline: round(imported), ratio: round(followUp / imported), note: `${ADDED} trials added by real Optuna, read from the watermark and written into the catalog; baseline: the full import (goal: under 0.3 s)` },
    };
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}

/** The RDB storage of TRIALS trials: from the cache, or written by real Optuna into it (once per machine). */
function cachedStudy(script: string): { file: string; made: string } {
  const version = execFileSync(PYTHON, ['-c', 'import optuna; print(optuna.__version__)'], { encoding: 'utf8' }).trim();
  const digest = createHash('sha1').update(fs.readFileSync(script)).digest('hex').slice(0, 12);
  const dir = process.env.RUNLENS_BENCH_CACHE || path.join(os.homedir(), '.cache', 'runlens-bench');
  const file = path.join(dir, `optuna-${version}-${digest}-${TRIALS}.db`);
  if (fs.existsSync(file)) return { file, made: `${version} (cached: ${file})` };
  fs.mkdirSync(dir, { recursive: true });
  const writing = path.join(scratchParent(), `runlens-bench-optuna-${process.pid}.db`);
  console.error(`writing ${TRIALS} trials with real Optuna ${version} into ${file} (once; it takes a while)`);
  const took = (() => { const t = performance.now(); optunaStudy(script, `sqlite:///${writing}`, 0, TRIALS); return (performance.now() - t) / 1000; })();
  fs.copyFileSync(writing, file + '.tmp');
  fs.renameSync(file + '.tmp', file);
  fs.rmSync(writing, { force: true });
  return { file, made: `${version} in ${took.toFixed(0)} s` };
}

function optunaStudy(script: string, storage: string, first: number, count: number): void {
  execFileSync(PYTHON, [script, storage, String(first), String(count)], { stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, PYTHONWARNINGS: 'ignore' } });
}

/** A read that read nothing would be fast: make sure each read what it should. */
function checked(changes: OptunaChanges | undefined, trials: number): OptunaChanges {
  if (!changes || changes.trials.length !== trials || changes.problems.length) {
    throw new Error(`expected ${trials} trials read without problems, got ${changes?.trials.length} (${JSON.stringify(changes?.problems.slice(0, 3))})`);
  }
  const values = changes.trials.reduce((n, t) => n + t.intermediate.steps.length, 0);
  if (values < trials * STEPS * 0.95) throw new Error(`expected about ${trials * STEPS} intermediate values, got ${values}`);
  return changes;
}

function rawReadJournal(file: string): void {
  const text = fs.readFileSync(file, 'utf8');
  for (let at = 0, nl = text.indexOf('\n'); nl >= 0; at = nl + 1, nl = text.indexOf('\n', at)) JSON.parse(text.slice(at, nl));
}

/** A time against a floor: the ratio is floor / time, so 1 is as fast as the floor. */
function speed(value: number, floor: number, note: string): Figure {
  return { value: round(value), unit: 's', baseline: round(floor), ratio: round(floor / value), note };
}
