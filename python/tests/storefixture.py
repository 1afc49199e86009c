"""Builds a database file as the extension writes it, with the schema read from docs/store.md.

Shared by the tests and bench/py_log_metric.py. Reading the schema from the document (not a copy
of it) means a change there reaches the Python client's tests at once.
"""

import json
import os
import re
import sqlite3
import tempfile

from runlens._canonical import canonical_param

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
STORE_DOC = os.path.join(REPO, "docs", "store.md")


def schema_sql():
    with open(STORE_DOC, encoding="utf-8") as f:
        text = f.read()
    blocks = re.findall(r"```sql\n(.*?)```", text, re.S)
    schema = next(block for block in blocks if "CREATE TABLE runs" in block)
    return schema


class StoreBuilder:
    """Collects experiments and runs, then writes runlens.db atomically (temporary file, rename)."""

    def __init__(self, root):
        self.root = root
        os.makedirs(root, exist_ok=True)
        fd, self._tmp = tempfile.mkstemp(dir=root, suffix=".tmp")
        os.close(fd)
        self.conn = sqlite3.connect(self._tmp)
        self.conn.executescript(schema_sql())
        self._experiments = {}

    def experiment(self, name, deleted=False):
        if name not in self._experiments:
            cur = self.conn.execute("INSERT INTO experiments (name, deleted) VALUES (?, ?)",
                                    (name, int(deleted)))
            self._experiments[name] = cur.lastrowid
        return self._experiments[name]

    def run(self, uid, params, status="finished", experiment="Default", canon=None,
            start=1_700_000_000_000, end=None, metrics=None, deleted=False, source=None,
            log_offset=0, error=None, name=None, pid=None, host=None, tags=None, artifacts=(),
            artifact_uri=None):
        """params: {key: value as logged}; canon: {key: canonical form}, default from the twin."""
        canon = canon or {}
        if end is None and status != "running":
            end = start + 60_000
        cur = self.conn.execute(
            "INSERT INTO runs (uid, experiment_id, name, status, start_time, end_time, "
            "last_update, deleted, host, pid, error, source, log_offset) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (uid, self.experiment(experiment), name, status, start, end, end or start,
             int(deleted), host, pid, json.dumps(error) if error else None,
             source or "runs/2023-11-14/%s.jsonl" % uid, log_offset))
        run_id = cur.lastrowid
        self.conn.executemany(
            "INSERT INTO params (run_id, key, value, canon) VALUES (?, ?, ?, ?)",
            [(run_id, k, v, canon.get(k) or canonical_param(v)) for k, v in params.items()])
        self.conn.executemany(
            "INSERT INTO metrics (run_id, key, last, last_step, last_time, min, max, count) "
            "VALUES (?, ?, ?, 0, ?, ?, ?, 1)",
            [(run_id, k, v, start, v, v) for k, v in (metrics or {}).items()])
        self.conn.executemany("INSERT INTO tags (run_id, key, value) VALUES (?, ?, ?)",
                              [(run_id, k, v) for k, v in (tags or {}).items()])
        self.conn.executemany(
            "INSERT INTO artifacts (run_id, path, size, sha256, media_type, time) "
            "VALUES (?, ?, ?, ?, ?, ?)", [(run_id,) + tuple(a) + (start,) for a in artifacts])
        if artifact_uri is not None:
            self.conn.execute("UPDATE runs SET artifact_uri = ? WHERE id = ?", (artifact_uri, run_id))
        return run_id

    def bulk(self, runs, params, metrics):
        """Fast path for big stores: rows as the tables take them (runs without their id)."""
        self.conn.executemany(
            "INSERT INTO runs (id, uid, experiment_id, name, status, start_time, end_time, "
            "last_update, source, log_offset) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", runs)
        self.conn.executemany("INSERT INTO params (run_id, key, value, canon) VALUES (?, ?, ?, ?)",
                              params)
        self.conn.executemany(
            "INSERT INTO metrics (run_id, key, last, last_step, last_time, min, max, count) "
            "VALUES (?, ?, ?, 0, 0, ?, ?, 1)", metrics)

    def save(self, saved_at=1_700_000_000_000):
        self.conn.executemany("INSERT INTO meta (key, value) VALUES (?, ?)",
                              [("schema_version", "1"), ("saved_at", str(saved_at))])
        self.conn.commit()
        self.conn.close()
        path = os.path.join(self.root, "runlens.db")
        os.replace(self._tmp, path)
        return path
