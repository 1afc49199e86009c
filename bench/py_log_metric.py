"""The Python client's two costs that users feel: log_metric in a training loop, and exists().

log_metric: 10,000 calls, 5 repetitions, median microseconds per call (the background thread
flushes as it would in training). exists(): a .runlens folder in a temp dir with 100,000 runs in
the database and 100,000 run logs on disk (1,000 a day over 100 days, the newest days partly not
yet ingested), timed against two naive ways of answering the same question, measured here too.

With a real MLflow tracking server named by RUNLENS_BENCH_MLFLOW_URI (else said and skipped):
py_log_metric_with_server_us, log_metric while the background thread uploads (50 reps; it has 300,000
points to send while the calls are timed), against py_log_metric_us from the same run; and
py_upload_points_per_s, 4 runs of 50,000 points from the run log to the server, against MLflow's
own client doing log_batch (1,000 a request) of the same points into the same server, in turns
with it (so neither gets the server's quieter moments), run in a
Python that imports mlflow (RUNLENS_BENCH_MLFLOW_PYTHON, default /usr/bin/python3, with
RUNLENS_BENCH_MLFLOW_PYTHONPATH on its path; /work/mlflow-live/HOWTO.txt has one).

Prints human lines, then one JSON line (read by bench/run.mjs).
"""

import json
import os
import random
import subprocess
import uuid
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "python"))

import runlens  # noqa: E402
from runlens._canonical import canonical_param  # noqa: E402
from tests.storefixture import StoreBuilder  # noqa: E402

CALLS = 10_000
REPS = 5
RUNS = 100_000
DAYS = 100
MLFLOW_FILE_STORE_US = 250  # MLflow 2.17 file store, median per log_metric, measured by the project

AXES = {
    "lr": ["1e-05", "3e-05", "0.0001", "0.0003", "0.001", "0.003", "0.01", "0.03", "0.1", "0.3"],
    "bs": ["16", "32", "64", "128", "256"],
    "opt": ["adam", "sgd", "adamw", "rmsprop"],
    "dropout": ["0.0", "0.1", "0.2", "0.3", "0.5"],
    "wd": ["0", "1e-05", "0.0001", "0.001"],
    "epochs": ["10", "20", "50"],
    "arch": ["resnet18", "resnet50", "vit-s", "vit-b", "convnext"],
}


def log_metric_cost(root):
    os.environ["RUNLENS_DIR"] = root
    run = runlens.start_run("bench")
    per_call = []
    for _ in range(REPS):
        t0 = time.perf_counter()
        for step in range(CALLS):
            runlens.log_metric("loss", 0.5, step=step)
        per_call.append((time.perf_counter() - t0) / CALLS * 1e6)
    # The other half of the cost, paid on the background thread: buffered points to lines.
    run.flush()
    for step in range(CALLS):
        runlens.log_metric("loss", 0.5, step=step)
    buffered = len(run._points)
    t0 = time.perf_counter()
    run.flush()
    write_us = (time.perf_counter() - t0) / max(buffered, 1) * 1e6
    runlens.end_run()
    return statistics.median(per_call), per_call, write_us


SERVER_BACKLOG = 300_000
UPLOAD_POINTS = 50_000  # a round; the rounds alternate between the two clients
UPLOAD_ROUNDS = 4
MLFLOW_LOG_BATCH = r"""
import json, sys, time
from mlflow.entities import Metric
from mlflow.tracking import MlflowClient
uri, experiment, n, t0 = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
client = MlflowClient(tracking_uri=uri)
run_id = client.create_run(client.create_experiment(experiment)).info.run_id
metrics = [Metric("loss", 1.0 / (i + 1), t0 + i // 1000, i) for i in range(n)]
start = time.perf_counter()
for first in range(0, n, 1000):
    client.log_batch(run_id, metrics=metrics[first:first + 1000])
seconds = time.perf_counter() - start
client.set_terminated(run_id)
print(json.dumps({"seconds": seconds}))
"""


def with_server(uri, root, plain_us, plain_reps):
    """log_metric while uploading, and the upload's points per second, each with its baseline."""
    os.environ["RUNLENS_DIR"] = root
    runlens.set_tracking_uri(uri)
    experiment = "runlens-bench-%s" % uuid.uuid4().hex[:8]
    # log_metric while the uploader is busy: a backlog it works through as the calls are timed.
    with runlens.start_run("bench-busy", experiment=experiment):
        for step in range(SERVER_BACKLOG):
            runlens.log_metric("backlog", 0.5, step=step)
        time.sleep(1.0)  # the flush thread writes them, the upload thread starts sending
        per_call = []
        # Ten times the reps of py_log_metric_us: a rep is a few milliseconds, and whether one
        # falls where the upload thread holds the interpreter is chance; over 50 the median is
        # what a call costs, and the mean (in the note) what the thread costs on average.
        for _ in range(REPS * 10):
            t0 = time.perf_counter()
            for step in range(CALLS):
                runlens.log_metric("loss", 0.5, step=step)
            per_call.append((time.perf_counter() - t0) / CALLS * 1e6)
    busy_us = statistics.median(per_call)
    # The median, as py_log_metric_us; the mean too, which counts the reps the upload thread
    # held the interpreter lock in (it does, while it parses and encodes a batch).
    mean_ratio = statistics.mean(per_call) / statistics.mean(plain_reps)
    runlens.wait_for_upload(600)
    # Points per second from the run log to the server, in rounds that alternate with MLflow's
    # client, so that neither has the server's quieter moments (its SQLite checkpoints, other load).
    ours = mlflow = 0.0
    uploaded = True
    for _ in range(UPLOAD_ROUNDS):
        with runlens.start_run("bench-upload", experiment=experiment) as run:
            for step in range(UPLOAD_POINTS):
                runlens.log_metric("loss", 1.0 / (step + 1), step=step)
        t0 = time.perf_counter()
        uploaded = runlens.wait_for_upload(600) and uploaded
        ours += time.perf_counter() - t0
        theirs = _mlflow_log_batch(uri)
        mlflow = None if theirs is None or mlflow is None else mlflow + theirs
    runlens.set_tracking_uri(None)
    total = UPLOAD_POINTS * UPLOAD_ROUNDS
    print("log_metric while uploading: median %.3f us/call (%s); without a server %.3f us"
          % (busy_us, ", ".join("%.3f" % r for r in per_call), plain_us))
    print("upload: %d points in %d runs in %.2f s after they ended%s"
          % (total, UPLOAD_ROUNDS, ours, "" if uploaded else " (NOT all uploaded)"))
    figures = {"py_log_metric_with_server_us": {
        "value": round(busy_us, 3), "unit": "us", "baseline": round(plain_us, 3),
        "ratio": round(busy_us / plain_us, 2),
        "note": "log_metric while the background thread uploads a %d-point backlog to %s, "
                "against py_log_metric_us of the same run, medians of %d and %d reps (means: ratio "
                "%.2f); goal: at most 2" % (SERVER_BACKLOG, uri, REPS * 10, REPS, mean_ratio)}}
    if mlflow is None:
        print("py_upload_points_per_s: skipped its baseline: no Python here imports mlflow "
              "(RUNLENS_BENCH_MLFLOW_PYTHON, RUNLENS_BENCH_MLFLOW_PYTHONPATH)")
    else:
        print("MLflow's client, log_batch of the same points: %.2f s" % mlflow)
        figures["py_upload_points_per_s"] = {
            "value": round(total / ours), "unit": "points/s",
            "baseline": round(total / mlflow), "ratio": round(mlflow / ours, 2),
            "note": "%d points from run logs to %s by the client's uploader, against MLflow's "
                    "MlflowClient.log_batch (1,000 a request) of the same points, in %d rounds "
                    "taking turns (goal: ratio at least 1)" % (total, uri, UPLOAD_ROUNDS)}
    return figures


def _mlflow_log_batch(uri):
    python = os.environ.get("RUNLENS_BENCH_MLFLOW_PYTHON") or "/usr/bin/python3"
    env = dict(os.environ)
    if os.environ.get("RUNLENS_BENCH_MLFLOW_PYTHONPATH"):
        env["PYTHONPATH"] = os.environ["RUNLENS_BENCH_MLFLOW_PYTHONPATH"]
    try:
        proc = subprocess.run(
            [python, "-c", MLFLOW_LOG_BATCH, uri, "mlflow-bench-%s" % uuid.uuid4().hex[:8],
             str(UPLOAD_POINTS), str(int(time.time() * 1000))],
            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=1200)
    except OSError:
        return None
    if proc.returncode != 0:
        return None
    return json.loads(proc.stdout.decode().strip().splitlines()[-1])["seconds"]


def random_run(rng):
    return {key: rng.choice(values) for key, values in AXES.items()}


def build_store(root, rng):
    """100k runs in the database and on disk; the last days partly not yet ingested."""
    now_ms = int(time.time() * 1000)
    day_ms = 86_400_000
    db = StoreBuilder(root)
    experiment = db.experiment("Default")
    runs, params, metrics = [], [], []
    combos = []
    pending = []  # logs written after the snapshot: on disk, not in the database
    for i in range(RUNS):
        day_index = i * DAYS // RUNS  # 0 .. DAYS-1, the last one today
        start = now_ms - (DAYS - 1 - day_index) * day_ms + (i % 1000)
        if day_index == DAYS - 1:
            start = min(start, now_ms - 5000)
        day = time.strftime("%Y-%m-%d", time.gmtime(start / 1000))
        uid = "%032x" % rng.getrandbits(128)
        combo = random_run(rng)
        combo["seed"] = str(i % 5)
        status = "finished" if rng.random() < 0.9 else rng.choice(["failed", "killed", "crashed"])
        end = start + rng.randint(60_000, 3_600_000)
        combos.append(combo)
        source = "runs/%s/%s.jsonl" % (day, uid)
        log = log_lines(uid, start, end, combo, status)
        write_log(root, source, log)
        if i >= RUNS - 50:
            pending.append(uid)
            continue
        rid = len(runs) + 1
        runs.append((rid, uid, experiment, None, status, start, end, end, source, len(log)))
        params += [(rid, key, value, canonical_param(value)) for key, value in combo.items()]
        metrics += [(rid, "acc", rng.random(), 0.0, 1.0), (rid, "loss", rng.random(), 0.0, 9.0)]
    db.bulk(runs, params, metrics)
    db.save(now_ms - 60_000)
    return combos


def log_lines(uid, start, end, combo, status):
    events = [
        {"e": "start", "t": start, "v": 1, "run": uid, "experiment": "Default", "name": None,
         "parent": None, "script": None, "git": None, "host": "bench", "pid": 1,
         "python": "3.11", "argv": ["train.py"]},
        {"e": "params", "t": start, "params": combo},
        {"e": "metrics", "t": end, "points": [["acc", 0.5, 9, end], ["loss", 0.7, 9, end]]},
        {"e": "end", "t": end, "status": status, "error": None},
    ]
    return "".join(json.dumps(event, separators=(",", ":")) + "\n" for event in events).encode()


def write_log(root, source, data):
    path = os.path.join(root, source)
    try:
        f = open(path, "wb")
    except FileNotFoundError:
        os.makedirs(os.path.dirname(path))
        f = open(path, "wb")
    with f:
        f.write(data)


def naive_group_by(root, combo):
    """Matching by a scan of the params table, as without the (key, canon) index."""
    conn = sqlite3.connect("file:%s?mode=ro" % os.path.join(root, "runlens.db"), uri=True)
    having = " AND ".join("SUM(key = ? AND canon = ?) > 0" for _ in combo)
    args = [x for key, value in combo.items() for x in (key, canonical_param(str(value)))]
    rows = conn.execute(
        "SELECT r.uid, r.status FROM runs r JOIN (SELECT run_id FROM params GROUP BY run_id "
        "HAVING %s) m ON m.run_id = r.id WHERE r.status = 'finished'" % having, args).fetchall()
    conn.close()
    return bool(rows)


def naive_log_scan(root, combo):
    """Matching by reading every run log, as without the database."""
    wanted = {key: canonical_param(str(value)) for key, value in combo.items()}
    found = False
    runs = os.path.join(root, "runs")
    for day in os.listdir(runs):
        for name in os.listdir(os.path.join(runs, day)):
            with open(os.path.join(runs, day, name), "rb") as f:
                params, status = {}, None
                for line in f:
                    event = json.loads(line)
                    if event["e"] == "params":
                        params.update(event["params"])
                    elif event["e"] == "end":
                        status = event["status"]
            if status == "finished" and all(canonical_param(params.get(k, "\0")) == c
                                            for k, c in wanted.items()):
                found = True
    return found


def timed(fn, *args):
    t0 = time.perf_counter()
    result = fn(*args)
    return (time.perf_counter() - t0) * 1000, result


def main():
    tmp = tempfile.mkdtemp(prefix="runlens-bench-")
    try:
        median_us, reps, write_us = log_metric_cost(os.path.join(tmp, "metric", ".runlens"))
        print("log_metric: median %.3f us/call over %d reps of %d calls (%s); writing them: "
              "%.2f us/point more, on the background thread"
              % (median_us, REPS, CALLS, ", ".join("%.3f" % r for r in reps), write_us))
        server_uri = os.environ.get("RUNLENS_BENCH_MLFLOW_URI", "").strip()
        server_figures = {}
        if server_uri:
            server_figures = with_server(server_uri, os.path.join(tmp, "server", ".runlens"),
                                         median_us, reps)
        else:
            print("py_log_metric_with_server_us, py_upload_points_per_s: skipped "
                  "(RUNLENS_BENCH_MLFLOW_URI names no MLflow tracking server)")

        root = os.path.join(tmp, "store", ".runlens")
        os.environ["RUNLENS_DIR"] = root
        rng = random.Random(42)
        t0 = time.perf_counter()
        combos = build_store(root, rng)
        print("built %d runs (database and logs) in %.1f s" % (RUNS, time.perf_counter() - t0))

        # Half the lookups ask for combinations that were logged (all keys, or a subset of them),
        # half for ones that were not.
        queries = []
        for i in range(100):
            combo = dict(rng.choice(combos)) if i % 2 == 0 else random_run(rng)
            if i % 4 == 0:
                combo = {key: combo[key] for key in ("lr", "bs")}
            queries.append({key: value for key, value in combo.items()})
        first_ms, _ = timed(runlens.exists, queries[-1])  # the first call in this process
        exists_ms = []
        answers = []
        for combo in queries:
            ms, answer = timed(runlens.exists, combo)
            exists_ms.append(ms)
            answers.append(answer)
        exists_median = statistics.median(exists_ms)
        print("exists(): median %.2f ms, max %.2f ms over %d lookups (%d found); the first in "
              "the process %.2f ms" % (exists_median, max(exists_ms), len(queries), sum(answers),
                                      first_ms))

        group_ms = []
        for combo, answer in list(zip(queries, answers))[:10]:
            ms, naive = timed(naive_group_by, root, combo)
            assert naive == answer, (combo, naive, answer)
            group_ms.append(ms)
        group_median = statistics.median(group_ms)
        print("baseline, GROUP BY ... HAVING over the params table: median %.1f ms"
              % group_median)
        scan_ms, naive = timed(naive_log_scan, root, queries[0])
        assert naive == answers[0]
        print("baseline, reading every run log: %.0f ms" % scan_ms)

        sweep_combos = [random_run(rng) for _ in range(1000)]
        t0 = time.perf_counter()
        sink = open(os.devnull, "w")
        saved, sys.stderr = sys.stderr, sink
        try:
            runlens.sweep(sweep_combos)
        finally:
            sys.stderr = saved
            sink.close()
        sweep_ms = (time.perf_counter() - t0) * 1000
        print("sweep() of 1,000 combinations: %.0f ms (%.2f ms each)"
              % (sweep_ms, sweep_ms / len(sweep_combos)))

        baseline = min(group_median, scan_ms)
        print(json.dumps(dict(server_figures, **{
            "py_log_metric_us": {
                "value": round(median_us, 3), "unit": "us", "baseline": MLFLOW_FILE_STORE_US,
                "ratio": round(MLFLOW_FILE_STORE_US / median_us, 1),
                "note": "MLflow 2.17 file store median, measured by the project"},
            "py_exists_100k_ms": {
                "value": round(exists_median, 2), "unit": "ms", "baseline": round(baseline, 1),
                "ratio": round(baseline / exists_median, 1),
                "note": "baseline: the faster of a GROUP BY ... HAVING scan of params (%.0f ms) "
                        "and reading every run log (%.0f ms), measured in the same run"
                        % (group_median, scan_ms)},
        })))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
