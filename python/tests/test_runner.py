"""The loop runner: a script runs unchanged, and only the chosen combinations of one loop execute."""

import json
import os
import subprocess
import sys

from .support import RunLensTestCase, child_env, events, logs_in, write_script

NESTED = """
    import argparse
    import runlens

    parser = argparse.ArgumentParser()
    parser.add_argument("--epochs", type=int, default=2)
    args = parser.parse_args()
    for lr in [0.001, 0.01, 0.1]:
        for bs in [32, 64]:
            print("iteration", lr, bs)
            with runlens.start_run(params={"lr": lr, "bs": bs, "epochs": args.epochs}):
                runlens.log_metric("accuracy", 0.5)
"""


class Runner(RunLensTestCase):
    def run_loop(self, source, line, col, reads, todo, name="train.py"):
        script = write_script(self.tmp, source, name)
        report = os.path.join(self.tmp, "report.json")
        spec = os.path.join(self.tmp, "spec.json")
        with open(spec, "w", encoding="utf-8") as f:
            json.dump({"script": script, "line": line, "col": col, "reads": reads, "report": report,
                       "todo": [{"index": i, "values": v} for i, v in todo]}, f)
        with open(script, "rb") as f:
            before = f.read()
        proc = subprocess.run([sys.executable, "-m", "runlens._runner", spec], cwd=self.tmp,
                              env=child_env(self.root), capture_output=True, timeout=60, check=False)
        with open(script, "rb") as f:
            self.assertEqual(f.read(), before, "the script on disk is never changed")
        outcome = None
        if os.path.exists(report):
            with open(report, encoding="utf-8") as f:
                outcome = json.load(f)
        return proc.returncode, proc.stdout.decode(), proc.stderr.decode(), outcome

    def logged(self):
        return sorted(tuple(sorted(events(log, "params")[0]["params"].items()))
                      for log in logs_in(self.root).values())

    def test_only_the_combinations_on_the_list_run_compared_by_meaning(self):
        code, out, err, report = self.run_loop(NESTED, 9, 4, {"lr": "lr", "bs": "bs"},
                                               [(1, {"lr": 1e-3, "bs": 64.0}), (4, {"lr": "0.1", "bs": 32})])
        self.assertEqual(code, 0, err)
        self.assertEqual(out.split("\n")[:-1], ["iteration 0.001 64", "iteration 0.1 32"],
                         "the other iterations are skipped before their body runs")
        self.assertEqual(self.logged(), [(("bs", "32"), ("epochs", "2"), ("lr", "0.1")),
                                         (("bs", "64"), ("epochs", "2"), ("lr", "0.001"))])
        self.assertEqual(report, {"reached": [1, 4], "unreached": [], "skipped": 4})

    def test_the_script_sees_its_own_file_name_and_arguments(self):
        code, _, err, _ = self.run_loop("""
            import sys, runlens
            assert sys.argv == [__file__], sys.argv
            assert __name__ == "__main__"
            for cfg in [{"depth": 3}, {"depth": 5}]:
                with runlens.start_run(params=cfg) as run:
                    pass
        """, 5, 0, {"depth": 'cfg["depth"]'}, [(1, {"depth": 5})])
        self.assertEqual(code, 0, err)
        log = next(iter(logs_in(self.root).values()))
        self.assertEqual(events(log, "start")[0]["script"]["path"], os.path.join(self.tmp, "train.py"),
                         "the run records the user's script, not the runner")

    def test_a_failure_is_the_users_with_a_traceback_on_the_users_lines(self):
        code, _, err, report = self.run_loop("""
            import runlens
            for lr in [0.1, 0.2]:
                with runlens.start_run(params={"lr": lr}):
                    raise ValueError("diverged")
        """, 3, 0, {"lr": "lr"}, [(1, {"lr": 0.2})])
        self.assertEqual(code, 1)
        self.assertIn('train.py", line 5', err)
        self.assertIn("ValueError: diverged", err)
        [log] = logs_in(self.root).values()
        self.assertEqual(events(log, "end")[0]["status"], "failed")
        self.assertEqual(report["reached"], [1])

    def test_a_combination_the_loop_never_produces_is_reported(self):
        code, _, err, report = self.run_loop("""
            import runlens
            for lr in [0.1, 0.2]:
                with runlens.start_run(params={"lr": lr}):
                    pass
        """, 3, 0, {"lr": "lr"}, [(0, {"lr": 0.1}), (7, {"lr": 0.3})])
        self.assertEqual(code, 0, err)
        self.assertEqual(report, {"reached": [0], "unreached": [7], "skipped": 1})
        self.assertIn("1 on the list never came up", err)

    def test_a_file_changed_since_it_was_read_runs_nothing(self):
        code, out, err, _ = self.run_loop(NESTED, 99, 4, {"lr": "lr"}, [(0, {"lr": 0.001})])
        self.assertEqual(code, 3)
        self.assertIn("no for loop at line 99", err)
        self.assertEqual(out, "")
        self.assertEqual(logs_in(self.root), {})

    def test_a_read_that_would_run_code_is_refused(self):
        code, out, err, _ = self.run_loop(NESTED, 9, 4, {"lr": "__import__('os').getpid()"}, [(0, {"lr": 1})])
        self.assertEqual(code, 3)
        self.assertIn("may only use names, subscripts and attributes", err)
        self.assertEqual(logs_in(self.root), {})

    def test_a_loop_in_a_function_reads_a_parameter_of_the_call_as_well(self):
        code, out, err, report = self.run_loop("""
            import runlens

            def sweep(model, lrs):
                for lr in lrs:
                    print("run", model, lr)
                    with runlens.start_run(params={"model": model, "lr": lr}):
                        pass

            sweep("resnet", [0.1, 0.01])
            sweep("vit", [0.1])
        """, 5, 4, {"model": "model", "lr": "lr"}, [(1, {"model": "resnet", "lr": 0.01}), (2, {"model": "vit", "lr": 0.1})])
        self.assertEqual(code, 0, err)
        self.assertEqual(out.split("\n")[:-1], ["run resnet 0.01", "run vit 0.1"])
        self.assertEqual(report, {"reached": [1, 2], "unreached": [], "skipped": 1})

    def test_tuples_compare_by_the_text_str_gives_them_as_the_extension_sends_it(self):
        code, _, err, report = self.run_loop("""
            import runlens
            for shape in [(64, 64), (128, 128), [128, 128], (1.0, 2.0)]:
                with runlens.start_run(params={"shape": shape}):
                    pass
        """, 3, 0, {"shape": "shape"}, [(1, {"shape": "(128, 128)"}), (3, {"shape": "(1.0, 2.0)"})])
        self.assertEqual(code, 0, err)
        self.assertEqual(report["reached"], [1, 3])
        self.assertEqual(report["skipped"], 2, "the list [128, 128] is another value than the tuple")
