"""mlflow_server_grid_check_ms: a grid of 1,000 combinations checked against a tracking server by
the Python client (runlens.sweep with the server configured), against MLflow's own way of asking,
one search_runs per combination (sampled and extrapolated), in the same run.

The server is RUNLENS_BENCH_MLFLOW_URI (without it this says it skipped). Its experiment of 10,000
runs (10 params, 5 metrics) is RUNLENS_BENCH_MLFLOW_EXPERIMENT, the one mlflow-server.bench.ts
fills (bench/mlflow-stores.ts's syntheticRun); without that variable, runlens-bench-10k is filled
here the same way (minutes, once per server). MLflow's client runs in a Python that imports mlflow
(RUNLENS_BENCH_MLFLOW_PYTHON, default /usr/bin/python3, with RUNLENS_BENCH_MLFLOW_PYTHONPATH).

Prints human lines, then one JSON line (read by bench/run.mjs).
"""

import io
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "python"))

import runlens  # noqa: E402
from runlens import _remote, _rest, _tracking  # noqa: E402

RUNS = 10_000
EXPERIMENT = "runlens-bench-10k"
SAMPLE = 50  # MLflow's way is timed on this many combinations, then multiplied out
# syntheticRun's param_0: String(10 ** -(index % 5)) as JavaScript prints it.
PARAM_0 = ["1", "0.1", "0.01", "0.001", "0.00009999999999999999"]
METRICS = ["loss", "val_loss", "accuracy", "val_accuracy", "learning_rate"]
GRID = {"param_0": [1.0, 0.1, 0.01, 0.001, 0.0001], "param_1": list(range(20)),
        "param_2": list(range(10))}
MLFLOW_WAY = r"""
import json, sys, time
from mlflow.tracking import MlflowClient
uri, experiment, combos = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
client = MlflowClient(tracking_uri=uri)
experiment_id = client.get_experiment_by_name(experiment).experiment_id
start = time.perf_counter()
for combo in combos:
    client.search_runs([experiment_id], " and ".join(
        "params.%s = '%s'" % (k, v) for k, v in combo.items()) + " and attributes.status = 'FINISHED'")
print(json.dumps({"seconds": time.perf_counter() - start}))
"""


def main():
    uri = os.environ.get("RUNLENS_BENCH_MLFLOW_URI", "").strip()
    if not uri:
        print("mlflow_server_grid_check_ms: skipped (RUNLENS_BENCH_MLFLOW_URI names no MLflow "
              "tracking server)")
        print(json.dumps({}))
        return
    experiment = os.environ.get("RUNLENS_BENCH_MLFLOW_EXPERIMENT") or EXPERIMENT
    client = _rest.Client(_tracking.Server(uri), timeout=300)
    have = fill(client, uri, experiment)
    combos = [{"param_0": a, "param_1": b, "param_2": c}
              for a in GRID["param_0"] for b in GRID["param_1"] for c in GRID["param_2"]]
    tmp = tempfile.mkdtemp(prefix="runlens-bench-")
    try:
        os.environ["RUNLENS_DIR"] = os.path.join(tmp, ".runlens")  # nothing local: all on the server
        runlens.set_tracking_uri(uri)
        said, sys.stderr = sys.stderr, io.StringIO()
        try:
            # The first check from a folder, then a later one (the next process: only this
            # process's moment of memory is let go): both ask the same filtered questions.
            t0 = time.perf_counter()
            sweep = runlens.sweep(combos, experiment=experiment)
            first_ms = (time.perf_counter() - t0) * 1000
            _remote._cache.clear()
            _remote._asked.clear()
            t0 = time.perf_counter()
            again = runlens.sweep(combos, experiment=experiment)
            ours_ms = (time.perf_counter() - t0) * 1000
        finally:
            sys.stderr = said
        assert again.skipped == sweep.skipped, (again.skipped, sweep.skipped)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print("runlens.sweep of %d combinations against %d runs on %s: %.0f ms from a folder that "
          "checked before, %.0f ms the first time (%d already finished there)"
          % (len(combos), have, uri, ours_ms, first_ms, sweep.skipped))
    sample = random.Random(7).sample(combos, SAMPLE)
    mlflow = _mlflow_way(uri, experiment, [{k: str(v) for k, v in c.items()} for c in sample])
    if mlflow is None:
        print("mlflow_server_grid_check_ms: no Python here imports mlflow (RUNLENS_BENCH_MLFLOW_PYTHON, "
              "RUNLENS_BENCH_MLFLOW_PYTHONPATH): no baseline")
        print(json.dumps({}))
        return
    baseline_ms = mlflow * 1000 / SAMPLE * len(combos)
    print("MLflow's way, one search_runs per combination: %.1f ms each over %d, %.0f ms for %d"
          % (mlflow * 1000 / SAMPLE, SAMPLE, baseline_ms, len(combos)))
    print(json.dumps({"mlflow_server_grid_check_ms": {
        "value": round(ours_ms), "unit": "ms", "baseline": round(baseline_ms),
        "ratio": round(baseline_ms / ours_ms, 1),
        "note": "1,000 combinations against %d runs (10 params, 5 metrics) on %s, from a folder "
                "that checked before (a few filtered questions, runlens._narrow); baseline: "
                "MlflowClient.search_runs once per combination, %d sampled and multiplied out "
                "(goal: under 1,000 ms)" % (have, uri, SAMPLE)},
        "mlflow_server_grid_check_first_ms": {
        "value": round(first_ms), "unit": "ms", "baseline": round(baseline_ms),
        "ratio": round(baseline_ms / first_ms, 1),
        "note": "the same, the first time from a folder (nothing in .runlens; the server's "
                "own time: about 1 ms a run answered)"}}))


def fill(client, uri, experiment):
    """The experiment's run count, after adding runs up to RUNS (as syntheticRun makes them)."""
    try:
        experiment_id = client.get("experiments/get-by-name",
                                   experiment_name=experiment)["experiment"]["experiment_id"]
    except _rest.ServerError:
        experiment_id = client.post("experiments/create", {"name": experiment})["experiment_id"]
    have, token = 0, None
    while True:
        body = {"experiment_ids": [experiment_id], "run_view_type": "ALL", "max_results": 50000}
        if token:
            body["page_token"] = token
        answer = client.post("runs/search", body)
        have += len(answer.get("runs", []))
        token = answer.get("next_page_token")
        if not token or not answer.get("runs"):
            break
    if have >= RUNS:
        return have
    print("filling %s with %d runs (once per server)..." % (experiment, RUNS - have), flush=True)
    t0 = time.perf_counter()
    following = iter(range(have, RUNS))
    lock = threading.Lock()

    def writer():
        own = _rest.Client(_tracking.Server(uri), timeout=300)
        while True:
            with lock:
                i = next(following, None)
            if i is None:
                return
            add_run(own, experiment_id, i)

    threads = [threading.Thread(target=writer) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    print("filled in %.0f s" % (time.perf_counter() - t0))
    return RUNS


def add_run(client, experiment_id, i):
    start = 1_700_000_000_000 + i * 10_000
    name = "run-%d" % i
    tags = [("mlflow.runName", name), ("mlflow.user", "bench"), ("mlflow.source.name", "train.py"),
            ("mlflow.source.type", "LOCAL"), ("team", "team-%d" % (i % 4))]
    run_id = client.post("runs/create", {
        "experiment_id": experiment_id, "run_name": name, "start_time": int(time.time() * 1000),
        "tags": [{"key": k, "value": v} for k, v in tags]})["run"]["info"]["run_id"]
    client.post("runs/log-batch", {
        "run_id": run_id,
        "params": [{"key": "param_%d" % p,
                    "value": PARAM_0[i % 5] if p == 0 else str((i * 7 + p) % 97)}
                   for p in range(10)],
        "metrics": [{"key": key, "value": ((i * 7919 + 99 * 104729 + m * 31) % 1000) / 1000 + m,
                     "timestamp": start + 99 * 10 + 1, "step": 99}
                    for m, key in enumerate(METRICS)]})
    client.post("runs/update", {"run_id": run_id, "status": "FINISHED",
                                "end_time": int(time.time() * 1000)})


def _mlflow_way(uri, experiment, combos):
    python = os.environ.get("RUNLENS_BENCH_MLFLOW_PYTHON") or "/usr/bin/python3"
    env = dict(os.environ)
    if os.environ.get("RUNLENS_BENCH_MLFLOW_PYTHONPATH"):
        env["PYTHONPATH"] = os.environ["RUNLENS_BENCH_MLFLOW_PYTHONPATH"]
    try:
        proc = subprocess.run([python, "-c", MLFLOW_WAY, uri, experiment, json.dumps(combos)],
                              env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              timeout=1200)
    except OSError:
        return None
    if proc.returncode != 0:
        return None
    return json.loads(proc.stdout.decode().strip().splitlines()[-1])["seconds"]


if __name__ == "__main__":
    main()
