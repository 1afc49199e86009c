"""Logging in this process: what start_run, log_* and end_run write, and what they refuse."""

import decimal
import enum
import math
import os
import pathlib
import platform
import socket
import sys
from unittest import mock

import runlens
from runlens import _lifecycle

from .support import RunLensTestCase, events, logs_in, metric_points, read_log, wait_for


class Optimizer(enum.Enum):
    ADAM = "adam"


class OneElement:
    """A tensor-like value: a number through .item(), as torch and numpy give it."""

    def __init__(self, *values):
        self.values = values

    def item(self):
        if len(self.values) != 1:
            raise RuntimeError("a Tensor with %d elements cannot be converted to Scalar"
                               % len(self.values))
        return self.values[0]


class StartLine(RunLensTestCase):
    def test_start_line_has_every_field_of_the_format(self):
        with runlens.start_run("baseline") as run:
            pass
        start = read_log(run.log_path)[0]
        self.assertEqual(start["e"], "start")
        self.assertEqual(start["v"], 2)
        self.assertEqual(start["run"], run.id)
        self.assertRegex(run.id, r"^[0-9a-f]{32}$")
        self.assertEqual(start["name"], "baseline")
        self.assertEqual(start["experiment"], "Default")
        self.assertIsNone(start["parent"])
        self.assertEqual(start["pid"], os.getpid())
        self.assertEqual(start["host"], socket.gethostname())
        self.assertEqual(start["python"], platform.python_version())
        self.assertEqual(start["argv"], sys.argv)
        self.assertIn("script", start)
        self.assertIn("git", start)
        self.assertIsInstance(start["t"], int)

    def test_log_lives_under_the_runs_utc_start_day(self):
        with runlens.start_run() as run:
            pass
        day = os.path.basename(os.path.dirname(run.log_path))
        start_s = read_log(run.log_path)[0]["t"] / 1000.0
        import time
        self.assertEqual(day, time.strftime("%Y-%m-%d", time.gmtime(start_s)))
        self.assertEqual(os.path.dirname(os.path.dirname(run.log_path)),
                         os.path.join(self.root, "runs"))

    def test_experiment_comes_from_argument_set_experiment_or_environment(self):
        os.environ["RUNLENS_EXPERIMENT"] = "from-env"
        with runlens.start_run() as a:
            pass
        runlens.set_experiment("chosen")
        with runlens.start_run() as b:
            pass
        with runlens.start_run(experiment="explicit") as c:
            pass
        self.assertEqual([a.experiment, b.experiment, c.experiment],
                         ["from-env", "chosen", "explicit"])
        self.assertEqual(read_log(c.log_path)[0]["experiment"], "explicit")


class Params(RunLensTestCase):
    def test_values_of_any_type_are_stored_as_str_like_mlflow(self):
        values = {"lr": 1e-3, "bs": 32, "opt": Optimizer.ADAM, "data": pathlib.PurePosixPath("/d"),
                  "layers": [64, 32], "dropout": None, "flag": True, "d": decimal.Decimal("0.10")}
        with runlens.start_run(params=values) as run:
            pass
        logged = events(read_log(run.log_path), "params")[0]["params"]
        self.assertEqual(logged, {k: str(v) for k, v in values.items()})

    def test_numpy_values_are_stored_as_str(self):
        try:
            import numpy as np
        except ImportError:
            self.skipTest("numpy is not installed")
        with runlens.start_run() as run:
            runlens.log_params({"lr": np.float32(0.001), "bs": np.int64(32)})
        self.assertEqual(events(read_log(run.log_path), "params")[0]["params"],
                         {"lr": "0.001", "bs": "32"})

    def test_same_value_again_is_fine_and_written_once(self):
        with runlens.start_run() as run:
            runlens.log_param("lr", 0.01)
            runlens.log_param("lr", 0.01)
            runlens.log_param("lr", "0.010")  # the same value by meaning: kept as first written
        params = events(read_log(run.log_path), "params")
        self.assertEqual([p["params"] for p in params], [{"lr": "0.01"}])
        self.assertEqual(run.params, {"lr": "0.01"})

    def test_changing_a_value_raises_as_mlflow_does_and_writes_nothing(self):
        with runlens.start_run() as run:
            runlens.log_param("lr", 0.01)
            with self.assertRaisesRegex(ValueError, "Changing param values is not allowed.*lr"):
                runlens.log_param("lr", 0.02)
            with self.assertRaises(ValueError):
                runlens.log_params({"new": 1, "lr": 0.03})  # all or nothing
        params = events(read_log(run.log_path), "params")
        self.assertEqual([p["params"] for p in params], [{"lr": "0.01"}])

    def test_mlflow_limits_on_keys_and_values(self):
        with runlens.start_run():
            with self.assertRaisesRegex(ValueError, "250"):
                runlens.log_param("k" * 251, 1)
            with self.assertRaisesRegex(ValueError, "6000"):
                runlens.log_param("long", "x" * 6001)
            with self.assertRaisesRegex(ValueError, "8000"):
                runlens.set_tag("long", "x" * 8001)
            with self.assertRaisesRegex(ValueError, "250"):
                runlens.log_metric("m" * 251, 1.0)
            with self.assertRaises(TypeError):
                runlens.log_param(3, "x")
            runlens.log_param("k" * 250, "x" * 6000)  # the limits themselves are allowed

    def test_keys_are_data_not_paths(self):
        key = '../"odd" key/🚀'
        with runlens.start_run() as run:
            runlens.log_param(key, 1)
            runlens.log_metric(key, 2.0)
        log = read_log(run.log_path)
        self.assertEqual(events(log, "params")[0]["params"], {key: "1"})
        self.assertEqual(metric_points(log), [(key, 2.0, 0)])

    def test_launcher_params_are_logged_at_start(self):
        os.environ["RUNLENS_PARAMS"] = '{"lr": 0.001, "bs": 32, "opt": "adam"}'
        with runlens.start_run(params={"seed": 1}) as run:
            with runlens.start_run() as child:
                pass
            runlens.log_param("bs", 32.0)  # the launcher's value, spelled as the script does
        params = events(read_log(run.log_path), "params")
        self.assertEqual(params[0]["params"],
                         {"lr": "0.001", "bs": "32", "opt": "adam", "seed": "1"})
        self.assertEqual(len(params), 1)
        self.assertEqual(events(read_log(child.log_path), "params"), [])

    def test_launcher_params_that_are_not_a_json_object_are_refused(self):
        for text in ['{"lr": ', "[1, 2]"]:
            with self.subTest(text=text):
                os.environ["RUNLENS_PARAMS"] = text
                with self.assertRaisesRegex(ValueError, "RUNLENS_PARAMS"):
                    runlens.start_run()
        self.assertEqual(logs_in(self.root), {})

    def test_a_run_whose_input_is_refused_leaves_no_log(self):
        os.environ["RUNLENS_PARAMS"] = '{"lr": 0.001}'
        with self.assertRaisesRegex(ValueError, "Changing param values"):
            runlens.start_run(params={"lr": 0.1})
        with self.assertRaisesRegex(ValueError, "250"):
            runlens.start_run(tags={"t" * 300: 1})
        self.assertEqual(logs_in(self.root), {})

    def test_tags(self):
        with runlens.start_run(tags={"team": "vision"}) as run:
            runlens.set_tag("stage", 1)
            runlens.set_tags({"stage": 2, "mlflow.note.content": "a note"})
        tags = [e["tags"] for e in events(read_log(run.log_path), "tags")]
        self.assertEqual(tags, [{"team": "vision"}, {"stage": "1"},
                                {"stage": "2", "mlflow.note.content": "a note"}])


class Metrics(RunLensTestCase):
    def test_points_keep_value_step_and_time(self):
        with runlens.start_run() as run:
            for step in range(3):
                runlens.log_metric("loss", 1.0 / (step + 1), step=step)
            runlens.log_metrics({"acc": 0.5, "f1": 0.25}, step=7)
            runlens.log_metric("no-step", 3)
        log = read_log(run.log_path)
        self.assertEqual(metric_points(log), [
            ("loss", 1.0, 0), ("loss", 0.5, 1), ("loss", 1 / 3, 2),
            ("acc", 0.5, 7), ("f1", 0.25, 7), ("no-step", 3.0, 0)])
        start, end = log[0]["t"], log[-1]["t"]
        for event in events(log, "metrics"):
            for point in event["points"]:
                self.assertTrue(start <= point[3] <= end)

    def test_nan_and_infinities_are_kept_as_the_format_spells_them(self):
        with runlens.start_run() as run:
            runlens.log_metric("a", math.nan)
            runlens.log_metric("b", math.inf)
            runlens.log_metric("c", -math.inf)
            runlens.log_metric("d", -0.0)
        with open(run.log_path, encoding="utf-8") as f:
            text = f.read()
        self.assertIn('["a","NaN",0,', text)
        self.assertIn('["b","Infinity",0,', text)
        self.assertIn('["c","-Infinity",0,', text)
        self.assertIn('["d",-0.0,0,', text)

    def test_numeric_scalars_of_other_libraries_are_numbers(self):
        with runlens.start_run() as run:
            runlens.log_metric("tensor", OneElement(0.25))
            runlens.log_metric("decimal", decimal.Decimal("0.5"))
            runlens.log_metric("int", 3)
            runlens.log_metric("bool", True)
            runlens.log_metric("big-step", 1.0, step=OneElementIndex(5))
        self.assertEqual(metric_points(read_log(run.log_path)), [
            ("tensor", 0.25, 0), ("decimal", 0.5, 0), ("int", 3.0, 0), ("bool", 1.0, 0),
            ("big-step", 1.0, 5)])

    def test_numpy_scalars_and_one_element_arrays(self):
        try:
            import numpy as np
        except ImportError:
            self.skipTest("numpy is not installed")
        with runlens.start_run() as run:
            runlens.log_metric("f32", np.float32(0.5), step=np.int64(2))
            runlens.log_metric("arr", np.array([0.25]))
            with self.assertRaisesRegex(ValueError, "single number"):
                runlens.log_metric("arr2", np.array([1.0, 2.0]))
        self.assertEqual(metric_points(read_log(run.log_path)),
                         [("f32", 0.5, 2), ("arr", 0.25, 0)])

    def test_a_metric_that_is_not_a_number_is_refused_clearly(self):
        with runlens.start_run() as run:
            for bad in ["0.5", None, [1.0], {"a": 1}, complex(1, 2), b"1"]:
                with self.subTest(value=bad):
                    with self.assertRaisesRegex(TypeError, "metric 'loss' must be a number"):
                        runlens.log_metric("loss", bad)
            with self.assertRaisesRegex(ValueError, "single number"):
                runlens.log_metric("loss", OneElement(1.0, 2.0))
            with self.assertRaisesRegex(TypeError, "step must be an integer"):
                runlens.log_metric("loss", 1.0, step=1.5)
            with self.assertRaises(ValueError):
                runlens.log_metric("", 1.0)
        self.assertEqual(metric_points(read_log(run.log_path)), [])

    def test_buffered_points_reach_the_file_within_a_second(self):
        with runlens.start_run() as run:
            runlens.log_metric("loss", 0.5)
            flushed = wait_for(lambda: metric_points(read_log(run.log_path)), timeout=2.0)
            self.assertEqual(flushed, [("loss", 0.5, 0)])

    def test_heartbeats_are_written_while_the_run_is_open(self):
        with mock.patch.object(_lifecycle, "HEARTBEAT_S", 0.1):
            with runlens.start_run() as run:
                beats = wait_for(lambda: events(read_log(run.log_path), "heartbeat"), timeout=3.0)
        self.assertTrue(beats)
        log = read_log(run.log_path)
        self.assertEqual(log[-1]["e"], "end")


class OneElementIndex:
    def __init__(self, n):
        self.n = n

    def __index__(self):
        return self.n


class Lifecycle(RunLensTestCase):
    def test_logging_without_a_run_starts_one(self):
        runlens.log_metric("loss", 0.5)
        run = runlens.active_run()
        self.assertIsNotNone(run)
        runlens.log_param("lr", 0.1)
        runlens.end_run()
        self.assertIsNone(runlens.active_run())
        log = read_log(run.log_path)
        self.assertEqual(metric_points(log), [("loss", 0.5, 0)])
        self.assertEqual(log[-1]["status"], "finished")

    def test_nested_runs_name_their_parent_and_end_innermost_first(self):
        with runlens.start_run("outer") as outer:
            inner = runlens.start_run("inner")
            self.assertIs(runlens.active_run(), inner)
            runlens.log_metric("m", 1.0)  # goes to the innermost run
        self.assertEqual(read_log(inner.log_path)[0]["parent"], outer.id)
        self.assertEqual(metric_points(read_log(inner.log_path)), [("m", 1.0, 0)])
        self.assertEqual(metric_points(read_log(outer.log_path)), [])
        inner_end = read_log(inner.log_path)[-1]
        outer_end = read_log(outer.log_path)[-1]
        self.assertEqual((inner_end["e"], outer_end["e"]), ("end", "end"))
        self.assertLessEqual(inner_end["t"], outer_end["t"])
        self.assertEqual(inner.experiment, outer.experiment)

    def test_end_run_takes_mlflow_statuses(self):
        for given, written in [("FINISHED", "finished"), ("FAILED", "failed"), ("killed", "killed")]:
            run = runlens.start_run()
            runlens.end_run(given)
            self.assertEqual(read_log(run.log_path)[-1]["status"], written)
        runlens.start_run()
        with self.assertRaises(ValueError):
            runlens.end_run("SCHEDULED")
        runlens.end_run()

    def test_an_exception_in_the_block_fails_the_run_with_its_error(self):
        with self.assertRaises(ZeroDivisionError):
            with runlens.start_run() as run:
                runlens.log_metric("before", 1.0)
                1 / 0
        log = read_log(run.log_path)
        end = log[-1]
        self.assertEqual(end["status"], "failed")
        self.assertEqual(end["error"]["type"], "ZeroDivisionError")
        self.assertEqual(end["error"]["message"], "division by zero")
        self.assertIn("1 / 0", end["error"]["traceback"])
        self.assertEqual(metric_points(log), [("before", 1.0, 0)])

    def test_keyboard_interrupt_kills_the_run(self):
        with self.assertRaises(KeyboardInterrupt):
            with runlens.start_run() as run:
                raise KeyboardInterrupt
        self.assertEqual(read_log(run.log_path)[-1]["status"], "killed")

    def test_sys_exit_zero_finishes_and_other_codes_fail(self):
        for code, status in [(0, "finished"), (None, "finished"), (2, "failed")]:
            with self.assertRaises(SystemExit):
                with runlens.start_run() as run:
                    sys.exit(code)
            self.assertEqual(read_log(run.log_path)[-1]["status"], status)

    def test_active_run_has_mlflows_shape(self):
        with runlens.start_run("n", params={"lr": 1}) as run:
            active = runlens.active_run()
            self.assertIs(active, run)
            self.assertEqual(active.info.run_id, run.id)
            self.assertEqual(active.info.run_name, "n")
            self.assertEqual(active.info.status, "RUNNING")
            self.assertEqual(active.data.params, {"lr": "1"})
        self.assertEqual(run.info.status, "FINISHED")

    def test_an_unwritable_runlens_folder_raises_at_start_run(self):
        blocker = os.path.join(self.tmp, "a-file")
        with open(blocker, "w"):
            pass
        os.environ["RUNLENS_DIR"] = os.path.join(blocker, ".runlens")
        with self.assertRaisesRegex(runlens.RunLensError, "cannot create the run log .*RUNLENS_DIR"):
            runlens.start_run()
        self.assertIsNone(runlens.active_run())

    def test_a_read_only_runlens_folder_raises_at_start_run(self):
        if hasattr(os, "geteuid") and os.geteuid() == 0:
            self.skipTest("root writes through file permissions")
        os.makedirs(self.root)
        os.chmod(self.root, 0o500)
        self.addCleanup(os.chmod, self.root, 0o700)
        with self.assertRaises(runlens.RunLensError):
            runlens.start_run()

    def test_the_nearest_runlens_folder_above_the_working_directory(self):
        del os.environ["RUNLENS_DIR"]
        project = os.path.join(self.tmp, "project")
        deep = os.path.join(project, "src", "models")
        os.makedirs(os.path.join(project, ".runlens"))
        os.makedirs(deep)
        cwd = os.getcwd()
        os.chdir(deep)
        self.addCleanup(os.chdir, cwd)
        with runlens.start_run() as run:
            pass
        self.assertTrue(run.log_path.startswith(os.path.join(project, ".runlens", "runs")))

    def test_logging_to_an_ended_run_object_is_an_error_not_a_loss(self):
        with runlens.start_run() as run:
            pass
        with self.assertRaisesRegex(runlens.RunLensError, "has ended"):
            run._append(("late", 1.0, 0, 0.0))
