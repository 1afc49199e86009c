"""The Python client's artifacts: the memory a 1 GB file costs, and how fast small files go.

py_log_artifact_1gb_peak_mb: a process logs one 1 GiB file with runlens.log_artifact; its peak
resident memory (ru_maxrss) is compared with the file's size, which is what reading the file
whole (as `open(...).read()` would) costs at least. The interpreter's own memory before the copy
is printed too. py_log_artifact_small_per_s: 1,000 files of 4 KB logged one by one, against
shutil.copyfile of the same files (the copy alone: no hash, no record), in the same run.

The 1 GiB file lives in a temporary folder that is removed at the end, whatever happens.

Prints human lines, then one JSON line (read by bench/run.mjs).
"""

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
PYTHON_DIR = os.path.join(os.path.dirname(HERE), "python")
GIB = 1 << 30
SMALL_FILES = 1000
SMALL_SIZE = 4096

# Runs in a child process, so that its peak memory is the copy's alone.
CHILD = r"""
import os, resource, sys, time
import runlens
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
with runlens.start_run("bench-1gb"):
    t0 = time.perf_counter()
    runlens.log_artifact(sys.argv[1], "big")
    seconds = time.perf_counter() - t0
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print("%d %d %.3f" % (before, peak, seconds))
"""


def make_big_file(path):
    block = os.urandom(1 << 20)
    with open(path, "wb") as f:
        for _ in range(GIB >> 20):
            f.write(block)


def peak_of_one_gib(tmp):
    source = os.path.join(tmp, "model.bin")
    make_big_file(source)
    env = dict(os.environ, PYTHONPATH=PYTHON_DIR, RUNLENS_DIR=os.path.join(tmp, ".runlens"))
    out = subprocess.run([sys.executable, "-c", CHILD, source], env=env, check=True,
                         capture_output=True, text=True).stdout.split()
    before_kb, peak_kb, seconds = int(out[0]), int(out[1]), float(out[2])
    os.remove(source)
    shutil.rmtree(os.path.join(tmp, ".runlens"), ignore_errors=True)
    return before_kb / 1024.0, peak_kb / 1024.0, seconds


def small_files(tmp):
    folder = os.path.join(tmp, "small")
    os.makedirs(folder)
    sources = []
    for i in range(SMALL_FILES):
        path = os.path.join(folder, "f%04d.txt" % i)
        with open(path, "wb") as f:
            f.write(os.urandom(SMALL_SIZE))
        sources.append(path)
    sys.path.insert(0, PYTHON_DIR)
    os.environ["RUNLENS_DIR"] = os.path.join(tmp, ".runlens")
    import runlens  # noqa: PLC0415 (after RUNLENS_DIR is set, for this process)
    with runlens.start_run("bench-small"):
        t0 = time.perf_counter()
        for path in sources:
            runlens.log_artifact(path, "files")
        logged = time.perf_counter() - t0
    copies = os.path.join(tmp, "copies")
    os.makedirs(copies)
    t0 = time.perf_counter()
    for path in sources:
        shutil.copyfile(path, os.path.join(copies, os.path.basename(path)))
    copied = time.perf_counter() - t0
    return SMALL_FILES / logged, SMALL_FILES / copied


def main():
    tmp = tempfile.mkdtemp(prefix="runlens-bench-artifacts-")
    try:
        free = shutil.disk_usage(tmp).free
        if free < 3 * GIB:
            raise SystemExit("needs 3 GB free in %s (has %.1f GB)" % (tmp, free / GIB))
        before_mb, peak_mb, seconds = peak_of_one_gib(tmp)
        print("log_artifact of a 1 GiB file: peak RSS %.1f MB (%.1f MB before the copy), "
              "%.1f s (%.0f MB/s)" % (peak_mb, before_mb, seconds, 1024 / seconds))
        per_s, copy_per_s = small_files(tmp)
        print("log_artifact of %d files of %d bytes: %.0f files/s; shutil.copyfile alone: "
              "%.0f files/s" % (SMALL_FILES, SMALL_SIZE, per_s, copy_per_s))
        print(json.dumps({
            "py_log_artifact_1gb_peak_mb": {
                "value": round(peak_mb, 1), "unit": "MB", "baseline": 1024,
                "ratio": round(peak_mb / 1024, 3),
                "note": "peak RSS of the logging process, %.1f MB of it before the copy; "
                        "baseline: the file's size (reading it whole)" % before_mb},
            "py_log_artifact_small_per_s": {
                "value": round(per_s), "unit": "files/s", "baseline": round(copy_per_s),
                "ratio": round(per_s / copy_per_s, 2),
                "note": "%d files of %d bytes, each copied, hashed and recorded; baseline: "
                        "shutil.copyfile of the same files" % (SMALL_FILES, SMALL_SIZE)},
        }))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
