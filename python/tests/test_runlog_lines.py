"""The client reads run logs as the store does: the vectors shared with test/unit/runlog-lines.test.ts."""

import base64
import io
import json
import math
import os
import unittest
from unittest import mock

import runlens
from runlens import _logline, _logread

from .support import REPO, RunLensTestCase

with open(os.path.join(REPO, "test", "vectors", "runlog-lines.json"), encoding="utf-8") as f:
    SHARED = json.load(f)
SMALL = [v for v in SHARED["vectors"] if not v.get("big")]
BIG = [v for v in SHARED["vectors"] if v.get("big")]


def bytes_of(v):
    """The bytes of a vector's line, without its newline."""
    if "line" in v:
        return v["line"].encode("utf-8")
    if "line_base64" in v:
        return base64.b64decode(v["line_base64"])
    if "line_parts" in v:
        return "".join(text * times for text, times in v["line_parts"]).encode("utf-8")
    fill = v["line_fill"]
    prefix, suffix = fill["prefix"].encode(), fill["suffix"].encode()
    total = SHARED["max_line_bytes"] + fill["bytes_past_max"]
    return prefix + fill["fill"].encode() * (total - len(prefix) - len(suffix)) + suffix


def plain(n):
    if math.isnan(n):
        return "NaN"
    return {math.inf: "Infinity", -math.inf: "-Infinity"}.get(n, n)


def meaning(event):
    if event["e"] == "metrics":
        return dict(event, points=[[k, plain(v), s, t] for k, v, s, t in event["points"]])
    return event


def read_all(vectors):
    data = b"".join(bytes_of(v) + b"\n" for v in vectors)
    lines = _logline.Lines(io.BytesIO(data), 0, len(data))
    results = [_logline.read_line(line) for _, line in lines]
    assert lines.offset == len(data)
    return results


class SharedVectors(unittest.TestCase):
    def check(self, v, reading):
        self.assertEqual(reading[0], v["outcome"], reading)
        if reading[0] == "event":
            self.assertEqual(meaning(reading[1]), v["event"])
        elif reading[0] == "unknown":
            self.assertEqual(reading[1], v["type"])
        elif reading[0] == "problem":
            self.assertTrue(reading[1].startswith(v["reason"]), reading[1])

    def test_the_longest_line_read_is_the_one_the_vectors_name(self):
        self.assertEqual(_logline.MAX_LINE_BYTES, SHARED["max_line_bytes"])

    def test_every_line_means_what_the_vectors_say(self):
        results = read_all(SMALL)
        self.assertEqual(len(results), len(SMALL))
        for v, reading in zip(SMALL, results):
            with self.subTest(v["why"]):
                self.check(v, reading)

    def test_the_64_mb_cap_holds_wherever_the_line_falls_across_reading_chunks(self):
        # A short line first, so that the long ones do not start on a chunk boundary.
        results = read_all(SMALL[:1] + BIG + SMALL[:1])
        self.assertEqual(len(results), len(BIG) + 2)
        for v, reading in zip(BIG, results[1:]):
            with self.subTest(v["why"]):
                self.check(v, reading)
        self.check(SMALL[0], results[-1])

    def test_a_partial_last_line_is_waited_for(self):
        data = b'{"e":"heartbeat","t":1}\n{"e":"heart'
        lines = _logline.Lines(io.BytesIO(data), 0, len(data))
        self.assertEqual(len(list(lines)), 1)
        self.assertEqual(lines.offset, data.index(b"\n") + 1)


def log_line(event):
    return (json.dumps(event) + "\n").encode()


class ReadingLogs(RunLensTestCase):
    """What exists(), find() and grid() make of logs holding such lines."""

    def write_log(self, run_id, *lines, day="2030-01-02"):
        folder = os.path.join(self.root, "runs", day)
        os.makedirs(folder, exist_ok=True)
        path = os.path.join(folder, run_id + ".jsonl")
        with open(path, "ab") as f:
            f.write(b"".join(lines))
        return path

    def start(self, run_id, **params):
        return (log_line({"e": "start", "t": 1, "v": 1, "run": run_id, "experiment": "Default",
                          "name": None, "parent": None, "host": "elsewhere", "pid": 1})
                + log_line({"e": "params", "t": 1, "params": params}))

    END = log_line({"e": "end", "t": 2, "status": "finished", "error": None})

    def test_a_line_of_1000_nested_brackets_costs_that_line_alone(self):
        deep = b"[" * 1000 + b"\n"  # the 2 KB line that made exists() and grid() raise
        self.write_log("deep", self.start("deep", lr="0.1"), deep, self.END)
        with mock.patch("sys.stderr", io.StringIO()) as err:
            self.assertTrue(runlens.exists({"lr": 0.1}))
            grid = runlens.grid(lr=[0.1, 0.2])
        self.assertEqual(grid.combinations, [{"lr": 0.2}])
        self.assertIn("runs/2030-01-02/deep.jsonl:3 (byte", err.getvalue())
        self.assertIn("not JSON", err.getvalue())

    def test_deep_nesting_in_a_field_nobody_reads_is_no_problem(self):
        deep = b'{"e":"heartbeat","t":1,"x":' + b"[" * 50000 + b"]" * 50000 + b"}\n"
        self.write_log("deep", self.start("deep", lr="0.1"), deep, self.END)
        with mock.patch("sys.stderr", io.StringIO()) as err:
            self.assertEqual([run.status for run in runlens.find({"lr": "0.1"})], ["finished"])
        self.assertEqual(err.getvalue(), "")

    def test_lines_the_store_skips_are_skipped_and_reported_here_too(self):
        lines = b"".join(bytes_of(v) + b"\n" for v in SMALL)
        path = self.write_log("vectors", self.start("vectors", lr="0.1"), lines)
        run = _logread.read(path, "vectors", True)
        problems = sum(v["outcome"] == "problem" for v in SMALL)
        self.assertEqual(run.skipped, problems)
        self.assertEqual(run.line, 2 + len(SMALL))
        messages = _logread.new_problems(path, run)
        self.assertEqual(len(messages), _logread.MAX_PROBLEMS + 1)  # and the rest counted
        self.assertTrue(messages[0].startswith("runs/2030-01-02/vectors.jsonl:"), messages[0])
        self.assertIn("%d in all" % problems, messages[-1])
        self.assertEqual(_logread.new_problems(path, run), [], "each is told once")

    def test_a_bare_nan_or_an_empty_key_does_not_count_as_a_metric(self):
        path = self.write_log("m", self.start("m", lr="0.1"),
                              b'{"e":"metric","t":5,"key":"loss","value":NaN}\n',
                              b'{"e":"metric","t":5,"key":"","value":1}\n',
                              b'{"e":"metrics","t":5,"points":[["acc",0.5,0,5],["",1,0,5]]}\n',
                              b'{"e":"metric","t":6,"key":"acc","value":0.25,"step":1.0}\n',
                              self.END)
        with mock.patch("sys.stderr", io.StringIO()):
            found = runlens.find({"lr": "0.1"})
        self.assertEqual(found[0].metrics, {"acc": 0.25})
        self.assertEqual(_logread.read(path, "m", True).skipped, 3)

    def test_two_e_keys_make_an_end_line_for_a_reader_without_metrics_too(self):
        path = self.write_log("twice", self.start("twice", lr="0.1"),
                              b'{"e":"metric","e":"end","t":9,"status":"finished","error":null}\n')
        self.assertEqual(_logread.read(path, "twice", False).ended, "finished")
        self.assertTrue(runlens.exists({"lr": "0.1"}))


class KeysThatAreNotUnicode(RunLensTestCase):
    def test_are_refused_where_they_are_logged(self):
        with runlens.start_run(params={"lr": 1}) as run:
            for log in (lambda: runlens.log_metric("bad\udcff", 1.0),
                        lambda: runlens.log_metrics({"bad\udcff": 1.0}),
                        lambda: runlens.log_param("bad\udcff", 1),
                        lambda: runlens.set_tag("bad\udcff", "x"),
                        lambda: runlens.log_param("path", "bad\udcff")):
                with self.assertRaisesRegex(ValueError, "not valid Unicode: it holds the lone "
                                                        "surrogate '\\\\udcff' at index 3"):
                    log()
            runlens.log_metric("ok", 1.0)
        with open(run.log_path, "rb") as f:
            self.assertNotIn(b"bad", f.read())

    def test_are_refused_by_exists_with_the_same_words_not_a_unicode_error(self):
        with runlens.start_run(params={"lr": 1}):
            pass
        with self.assertRaisesRegex(ValueError, "Param key 'bad\\\\udcff' is not valid Unicode"):
            runlens.exists({"bad\udcff": 1})
        with self.assertRaisesRegex(ValueError, "the value of param 'lr'"):
            runlens.exists({"lr": "bad\udcff"})

    def test_an_argv_without_a_utf8_form_is_still_recorded_escaped(self):
        with mock.patch("sys.argv", ["train.py", "--data=caf\udce9"]):
            with runlens.start_run() as run:
                pass
        with open(run.log_path, "rb") as f:
            data = f.read()
        data.decode("utf-8")  # the file stays valid UTF-8
        self.assertEqual(json.loads(data.splitlines()[0])["argv"], ["train.py", "--data=caf\udce9"])


if __name__ == "__main__":
    unittest.main()
