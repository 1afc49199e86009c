import type { Database } from 'sql.js';

/**
 * Every schema change is a migration, applied in order inside one transaction, so a database
 * written by an older RunLens is carried forward with its data. docs/store.md describes the result.
 */
export const MIGRATIONS: readonly string[] = [
  // 1: the catalog.
  `CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT) WITHOUT ROWID;
   CREATE TABLE experiments (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, deleted INTEGER NOT NULL DEFAULT 0);
   CREATE TABLE runs (
     id INTEGER PRIMARY KEY, uid TEXT NOT NULL UNIQUE, experiment_id INTEGER NOT NULL, name TEXT, parent_uid TEXT,
     status TEXT NOT NULL, start_time INTEGER, end_time INTEGER, last_update INTEGER,
     deleted INTEGER NOT NULL DEFAULT 0, script_path TEXT, script_sha256 TEXT,
     git_commit TEXT, git_branch TEXT, git_dirty INTEGER, host TEXT, pid INTEGER, error TEXT,
     source TEXT NOT NULL, log_offset INTEGER NOT NULL DEFAULT 0, log_lines INTEGER NOT NULL DEFAULT 0);
   CREATE TABLE params (run_id INTEGER NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL, canon TEXT NOT NULL,
     PRIMARY KEY (run_id, key)) WITHOUT ROWID;
   CREATE INDEX params_by_value ON params (key, canon, run_id);
   CREATE TABLE tags (run_id INTEGER NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL, PRIMARY KEY (run_id, key)) WITHOUT ROWID;
   CREATE TABLE metrics (run_id INTEGER NOT NULL, key TEXT NOT NULL, last REAL, last_step INTEGER, last_time INTEGER,
     min REAL, max REAL, count INTEGER NOT NULL, PRIMARY KEY (run_id, key)) WITHOUT ROWID;`,
  // 2: the indexes the runs view sorts and pages by.
  `CREATE INDEX runs_by_experiment ON runs (experiment_id, start_time);
   CREATE INDEX metrics_by_value ON metrics (key, last);`,
  // 3: following the runs that have not ended (every poll, and the Python client's exact check).
  `CREATE INDEX runs_by_status ON runs (status);`,
  // 4: artifacts, by path, size and hash (never their bytes); where an imported run keeps them.
  `CREATE TABLE artifacts (run_id INTEGER NOT NULL, path TEXT NOT NULL, size INTEGER NOT NULL, sha256 TEXT, media_type TEXT,
     time INTEGER, PRIMARY KEY (run_id, path)) WITHOUT ROWID;
   ALTER TABLE runs ADD COLUMN artifact_uri TEXT;`,
  // 5: what a source says of an experiment (an Optuna study: its storage, its directions, which way
  // each of its metrics is better).
  `CREATE TABLE experiment_tags (experiment_id INTEGER NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL,
     PRIMARY KEY (experiment_id, key)) WITHOUT ROWID;`,
];

export const SCHEMA_VERSION = MIGRATIONS.length;

export function schemaVersion(db: Database): number {
  const hasMeta = db.exec("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'meta'");
  if (!hasMeta.length) return 0;
  const r = db.exec("SELECT value FROM meta WHERE key = 'schema_version'");
  return r.length ? Number(r[0].values[0][0]) : 0;
}

/** Brings `db` to the current schema. Throws for a database newer than this RunLens. */
export function migrate(db: Database, upTo = SCHEMA_VERSION): number {
  const from = schemaVersion(db);
  if (from > SCHEMA_VERSION) {
    throw new Error(`the store was written by a newer RunLens (schema ${from}; this one knows up to ${SCHEMA_VERSION})`);
  }
  if (from >= upTo) return from;
  db.exec('BEGIN');
  try {
    for (let v = from; v < upTo; v++) db.exec(MIGRATIONS[v]);
    db.run("INSERT OR REPLACE INTO meta (key, value) VALUES ('schema_version', ?)", [String(upTo)]);
    db.exec('COMMIT');
  } catch (e) {
    db.exec('ROLLBACK');
    throw e;
  }
  return upTo;
}
