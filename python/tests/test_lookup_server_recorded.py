"""exists(), find(), grid() and sweep() count a tracking server's runs, against the recorded
answers of a real MLflow 2.17.2 server (tests/mlflowrecorded.py).

092 is the real server's list of rec-alpha's runs: `lr` is logged there as "0.001" by some runs
and as "1e-3" by another (killed), `batch_size` as "32" and "32.0". MLflow's own filter compares
those strings exactly; RunLens compares them by meaning, as everywhere. A check asks a few filtered
questions (runlens._narrow), each a superset of what it needs; the recorded server answers each
with the recorded answer the test chooses, here mostly 092 (every run: a superset of any), so
these tests are about what is asked and what is made of real answers, not about which runs a
filter selects (tests/test_narrow.py, and the live tier against a real server).
"""

import io
import os
import time
import unittest
from unittest import mock

import runlens
from runlens import _narrow, _remote, _servercache

from .mlflowrecorded import RecordedTestCase
from .test_lookup import LookupTestCase, params_line


class ServerLookups(RecordedTestCase):
    def setUp(self):
        super().setUp()
        (self.server
         .answer("experiments/get-by-name", "017-experiments-get-by-name")
         .answer("experiments/search", "008-experiments-search-all")
         .answer("runs/search", "092-runs-search-one-experiment"))
        runlens.set_tracking_uri(self.server.uri)
        runlens.set_experiment("rec-alpha")

    def test_a_combination_only_the_server_has_counts_by_meaning(self):
        self.assertTrue(runlens.exists({"lr": 1e-3, "batch_size": 32.0}))
        self.assertTrue(runlens.exists({"lr": "0.0010"}))
        self.assertFalse(runlens.exists({"lr": 0.1}))  # 7f75bd35 holds it, still RUNNING
        self.assertFalse(runlens.exists({"lr": 0.01}))  # only a FAILED run holds it
        # A few questions, each filtered: the spellings MLflow's client logs, and a net for the
        # other ways to write a number (1e-3, 32.0), on one key at a time.
        searches = self.server.posted("runs/search")
        self.assertEqual({tuple(s["experiment_ids"]) for s in searches}, {("1",)})
        self.assertEqual({s["run_view_type"] for s in searches}, {"ACTIVE_ONLY"})
        first = [s["filter"] for s in searches[:len(_narrow.plan(
            {"lr": {"n:1e-3"}, "batch_size": {"n:32e0"}}, True))]]
        self.assertIn("params.`batch_size` = '32' and params.`lr` = '0.001' and "
                      "attributes.status = 'FINISHED'", first)
        self.assertIn("params.`lr` ILIKE '%e%' and attributes.status = 'FINISHED'", first)
        self.assertIn("params.`batch_size` LIKE '%.%0' and attributes.status = 'FINISHED'", first)
        self.assertLessEqual(len(searches), 30)

    def test_the_real_answer_to_a_spelling_and_the_net_for_the_others(self):
        # 099 is the real server's answer to params.lr = '0.001': only runs spelled so. The run
        # spelled 1e-3 (killed) comes from the net's answer (092 here: a superset of it).
        (self.server
         .answer_if("runs/search", lambda body: "= '0.001'" in body.get("filter", ""),
                    "099-runs-search-filter-params-lr-eq")
         .answer_if("runs/search", lambda body: "'%e%'" in body.get("filter", ""),
                    "092-runs-search-one-experiment")
         .answer("runs/search", "125-runs-search-size2-page-8"))  # the real empty page, {}
        found = {run.id[:8]: run.params["lr"] for run in runlens.find({"lr": 0.001})}
        self.assertEqual(found, {"c321733a": "0.001", "df1cc85e": "0.001", "170732f3": "0.001",
                                 "f39eb22d": "0.001", "922252d5": "0.001", "d935383a": "1e-3"})
        self.assertTrue(runlens.exists({"lr": "1e-3"}))

    def test_a_filter_the_server_refuses_costs_a_listing_never_an_answer(self):
        # 115: the real server's 400 to a filter it cannot parse.
        self.server.answer_if("runs/search", lambda body: body.get("filter", "").startswith(
            "params."), "115-runs-search-filter-malformed")
        self.assertTrue(runlens.exists({"lr": 1e-3, "batch_size": 32.0}))
        self.assertEqual(self.server.posted("runs/search")[-1].get("filter"), None)
        # Remembered: the next check (a new moment) asks no filtered question of params again,
        # only what changed since the listing (kept in .runlens/cache).
        asked = len(self.server.posted("runs/search"))
        _remote._cache.clear()
        self.assertTrue(runlens.exists({"lr": 1e-3}))
        later = [s.get("filter") or "" for s in self.server.posted("runs/search")[asked:]]
        self.assertTrue(later)
        self.assertFalse([f for f in later if f.startswith("params.")], later)

    def test_find_lists_the_servers_runs_with_where_they_are(self):
        found = runlens.find({"lr": 0.001})
        ids = {run.id[:8] for run in found}
        self.assertEqual(ids, {"c321733a", "df1cc85e", "f39eb22d", "922252d5", "d935383a"})
        killed = next(run for run in found if run.id.startswith("d935383a"))
        self.assertEqual(killed.status, "killed")
        self.assertEqual(killed.params["lr"], "1e-3")
        self.assertEqual(killed.source, "mlflow-server:%s#%s" % (self.server.uri, killed.id))
        child = next(run for run in found if run.id.startswith("c321733a"))
        self.assertTrue(np_isnan(child.metrics["loss"]))  # "NaN" as the server sends it
        self.assertEqual(child.parent, "df1cc85e9c6840e7abaf97a21d04f49f")
        self.assertEqual([r.id for r in runlens.failed({"lr": 0.01})],
                         ["fa3c3cf9a1a14185abf2464c2e5a93e6"])

    def test_a_grid_costs_a_few_questions_to_the_server(self):
        with mock.patch("sys.stderr", io.StringIO()):
            sweep = runlens.grid(lr=[1e-3, 1e-2, 0.1], batch_size=[32, 64], optimizer=["adamw"])
        self.assertEqual(sweep.total, 6)
        self.assertEqual(sweep.skipped, 1)  # lr=0.001, batch_size=32, adamw: 922252d5
        self.assertEqual(sweep.skipped_runs[0].id[:8], "922252d5")
        searches = self.server.posted("runs/search")
        self.assertEqual(len(searches), len(_narrow.plan(
            {"lr": {"n:1e-3", "n:1e-2", "n:1e-1"}, "batch_size": {"n:32e0", "n:64e0"},
             "optimizer": {"s:adamw"}}, True)))
        self.assertLessEqual(len(searches), 20)  # 6 combinations; a grid of 1,000 asks as few
        self.assertTrue(all("filter" in search for search in searches))
        self.assertEqual(len(self.server.asked("experiments/get-by-name")), 1)

    def test_every_page_of_runs_counts(self):
        # 118..125: the real server's pages of two runs each, the last one empty ({}).
        self.server.answer("runs/search", *["%d-runs-search-size2-page-%d" % (117 + n, n)
                                            for n in range(1, 9)])
        runlens.set_experiment("rec-beta")
        self.server.answer("experiments/get-by-name", "017-experiments-get-by-name")
        found = runlens.find()  # every run: no filter narrows that, so the experiment is listed
        self.assertEqual(len(self.server.posted("runs/search")), 8)
        self.assertEqual([p.get("page_token") for p in self.server.posted("runs/search")][1:3],
                         ["eyJvZmZzZXQiOiAyfQ==", "eyJvZmZzZXQiOiA0fQ=="])
        self.assertIn("f8dbf7eb", {run.id[:8] for run in found})  # on page 5 of 8

    def test_runs_of_every_experiment_count_when_none_is_chosen(self):
        runlens.set_experiment("Default")
        del runlens._fluent._experiment[:]
        self.assertTrue(runlens.exists({"lr": 0.001}))
        searches = self.server.posted("runs/search")
        self.assertEqual({tuple(sorted(s["experiment_ids"])) for s in searches},
                         {("0", "1", "2", "3")})  # 008's

    def test_a_run_that_is_also_here_is_counted_once(self):
        # 922252d5 is on the server; this folder has it too (followed from the server, or the
        # run uploaded from here): the local record answers for it, once.
        here = LookupTestCase.write_log(self, "922252d5808e45668e95a9eab9ab7e8b", [params_line(
            lr="0.001", batch_size="32", optimizer="adamw", seed="1")], experiment="rec-alpha",
            end="finished")
        found = runlens.find({"lr": 0.001, "optimizer": "adamw"})
        self.assertEqual([run.id[:8] for run in found], ["922252d5"])
        self.assertIsNone(found[0].source)  # the local one
        self.assertTrue(os.path.exists(here))

    def test_a_server_that_cannot_be_asked_is_said_once_and_never_silently(self):
        self.server.stop()
        err = io.StringIO()
        with mock.patch("sys.stderr", err):
            self.assertFalse(runlens.exists({"lr": 0.001}))
            self.assertFalse(runlens.exists({"lr": 0.002}))
            sweep = runlens.grid(lr=[1e-3, 1e-2])
        said = err.getvalue()
        self.assertEqual(said.count("connection refused"), 1, said)
        self.assertIn("answer from the runs in .runlens alone", said)
        self.assertIn("2 of them not checked on the tracking server", said)
        self.assertEqual(len(sweep), 2)

    def test_a_pipeline_can_require_the_server(self):
        self.server.stop()
        os.environ["RUNLENS_REQUIRE_SERVER"] = "1"
        with self.assertRaisesRegex(runlens.RunLensError, "RUNLENS_REQUIRE_SERVER"):
            runlens.exists({"lr": 0.001})
        with self.assertRaisesRegex(runlens.RunLensError, "connection refused"):
            runlens.grid(lr=[1e-3])

    def test_an_html_page_is_not_an_answer(self):
        # A tracking URI with a wrong path: the real server answers with its 404 page (197).
        self.server.answer_unrouted("197-error-unknown-endpoint-post")
        runlens.set_tracking_uri(self.server.uri + "/wrong")
        with mock.patch("sys.stderr", io.StringIO()) as err:
            self.assertFalse(runlens.exists({"lr": 0.001}))
        self.assertIn("404 and an HTML page: is %s/wrong the address of an MLflow tracking "
                      "server" % self.server.uri, err.getvalue())

    def test_answers_are_kept_a_moment_not_asked_again_each_time(self):
        for lr in (1e-3, 2e-3, 3e-3):
            runlens.exists({"lr": lr})
        runlens.grid(lr=[1e-3, 1e-2], batch_size=[32])
        asked = [search["filter"] for search in self.server.posted("runs/search")]
        self.assertEqual(len(asked), len(set(asked)))  # the net on lr asked once for all four
        self.assertLessEqual(len(asked), 20)


class ServerRunsKept(RecordedTestCase):
    """A listing of every run (find() without params: nothing to narrow) is kept in .runlens/cache,
    and a later process asks the server for what changed since, not for every run again: the
    recorded follow sequence of the real server (134: its runs, then runs added (150), one
    finished and one deleted (149))."""

    def setUp(self):
        super().setUp()
        (self.server
         .answer("experiments/get-by-name", "017-experiments-get-by-name")
         .answer("runs/search", "134-follow-state-a"))
        runlens.set_tracking_uri(self.server.uri)
        runlens.set_experiment("rec-alpha")
        self.assertEqual(self.status_of("7f75bd35"), "running")  # in 134
        _remote._cache.clear()  # what a new process starts from: the folder's cache
        (self.server
         .answer_if("runs/search", lambda body: "start_time >" in body.get("filter", ""),
                    "150-follow-start-time-gt-last-seen")
         .answer_if("runs/search", lambda body: "run_id IN" in body.get("filter", ""),
                    "149-follow-state-b")
         .answer_if("runs/search", lambda body: body.get("run_view_type") == "DELETED_ONLY",
                    "095-runs-search-view-deleted-only"))

    def searches(self):
        return self.server.posted("runs/search")[1:]

    @staticmethod
    def status_of(short_id):
        return next(run.status for run in runlens.find() if run.id.startswith(short_id))

    def test_a_later_process_asks_only_for_what_changed(self):
        self.assertEqual(self.status_of("7f75bd35"), "finished")  # since (149)
        new = {run.id[:8] for run in runlens.find()}
        self.assertIn("13064f22", new)  # started since (150)
        self.assertEqual([(b["run_view_type"], b.get("filter")) for b in self.searches()], [
            ("ACTIVE_ONLY", "attributes.start_time > 1796569645555"),  # 134's newest start
            ("ALL", "attributes.run_id IN ('7f75bd3593fb44c2be2a031284d7ec12')"),
            ("DELETED_ONLY", None)])
        self.assertTrue(os.listdir(os.path.join(self.root, "cache", "server-runs")))

    def test_a_run_deleted_since_no_longer_counts(self):
        # f8f97509 (no params) is deleted in 149: find() without params lists every run.
        self.assertNotIn("f8f97509", {run.id[:8] for run in runlens.find()})

    def test_everything_is_asked_again_every_15_minutes(self):
        later = time.time() + _servercache.FULL_EVERY_S + 1
        with mock.patch.object(_servercache.time, "time", return_value=later):
            runlens.find()
        self.assertEqual([(b["run_view_type"], b.get("filter")) for b in self.searches()],
                         [("ACTIVE_ONLY", None)])

    def test_a_pipeline_that_requires_the_server_gets_all_of_it_each_time(self):
        os.environ["RUNLENS_REQUIRE_SERVER"] = "1"
        runlens.find()
        self.assertEqual([b.get("filter") for b in self.searches()], [None])

    def test_a_check_of_values_asks_the_server_as_it_is_now_not_the_cache(self):
        # Narrowed questions cost little and see what the cache would see only later (a run
        # uploaded late with an old start time), so a check of values asks them.
        runlens.exists({"lr": 0.1})
        self.assertTrue(self.searches())
        self.assertTrue(all(b.get("filter", "").startswith("params.") for b in self.searches()))

    def test_a_damaged_cache_costs_a_full_question_never_an_answer(self):
        folder = os.path.join(self.root, "cache", "server-runs")
        for name in os.listdir(folder):
            with open(os.path.join(folder, name), "w", encoding="utf-8") as f:
                f.write('{"v": 1, "runs": ')
        self.assertIn("922252d5", {run.id[:8] for run in runlens.find()})
        self.assertEqual([b.get("filter") for b in self.searches()], [None])


def np_isnan(x):
    return x != x


if __name__ == "__main__":
    unittest.main()
