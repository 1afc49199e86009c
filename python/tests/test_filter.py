"""The runs filter evaluated in Python finds the runs the editor's finds: the shared vectors."""

import json
import os
import unittest

from runlens import _filter

from .support import REPO

with open(os.path.join(REPO, "test", "vectors", "run-filters.json"), encoding="utf-8") as f:
    SHARED = json.load(f)


def record(run):
    metrics = {k: float("nan") if v == "NaN" else v for k, v in run["metrics"].items()}
    return dict(run, run_id=run["id"], metrics=metrics)


class SharedVectors(unittest.TestCase):
    def test_each_filter_keeps_the_runs_the_vectors_say(self):
        runs = [record(r) for r in SHARED["runs"]]
        for case in SHARED["cases"]:
            with self.subTest(case["filter"]):
                tree = _filter.parse(case["filter"])
                self.assertEqual([r["id"] for r in runs if _filter.matches(tree, r)], case["runs"])

    def test_a_filter_that_does_not_read_says_where(self):
        for case in SHARED["errors"]:
            with self.subTest(case["filter"]):
                with self.assertRaises(_filter.FilterError) as caught:
                    _filter.parse(case["filter"])
                self.assertTrue(str(caught.exception).startswith(case["error"]), caught.exception)
                self.assertRegex(str(caught.exception), r"\(at column \d+\)$")
