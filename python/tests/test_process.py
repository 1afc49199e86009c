"""How a run's record ends when its process does: real child processes, real signals."""

import contextlib
import hashlib
import io
import os
import shutil
import signal
import subprocess
import sys
import textwrap
import unittest

import runlens

from .support import (RunLensTestCase, child_env, events, logs_in, metric_points, run_child,
                      start_child, wait_for, write_script)

POSIX = os.name == "posix"


def wait_ready(proc):
    line = proc.stdout.readline().decode().strip()
    if line != "ready":
        proc.kill()
        raise AssertionError("child did not start: %r %s" % (line, proc.stderr.read().decode()))


class Kills(RunLensTestCase):
    @unittest.skipUnless(POSIX, "SIGKILL")
    def test_sigkill_leaves_a_run_without_end_that_reads_as_crashed(self):
        proc = start_child(self.tmp, self.root, """
            import sys, time
            import runlens
            from runlens import _lifecycle
            _lifecycle.HEARTBEAT_S = 0.2
            runlens.start_run(params={"lr": 0.1})
            for step in range(1000):
                runlens.log_metric("loss", 1.0 / (step + 1), step=step)
            print("ready", flush=True)
            time.sleep(60)
        """)
        wait_ready(proc)

        def flushed_and_beating():
            logs = logs_in(self.root)
            log = next(iter(logs.values()), [])
            return len(metric_points(log)) == 1000 and events(log, "heartbeat") and log
        # Buffered points reach the file within a second, so a kill now loses none of them.
        log = wait_for(flushed_and_beating, timeout=5.0)
        self.assertTrue(log, "metrics were not flushed and heartbeats not written in time")
        proc.send_signal(signal.SIGKILL)
        proc.communicate(timeout=10)
        self.assertEqual(proc.returncode, -signal.SIGKILL)

        log = self.only_log()
        self.assertEqual(events(log, "end"), [])
        self.assertEqual(log[0]["pid"], proc.pid)
        self.assertEqual(len(metric_points(log)), 1000)
        [found] = runlens.find({"lr": 0.1})
        self.assertEqual(found.status, "crashed")
        self.assertFalse(runlens.exists({"lr": 0.1}))

    @unittest.skipUnless(POSIX, "SIGTERM with a default handler")
    def test_sigterm_ends_the_run_as_killed_and_dies_by_the_signal(self):
        proc = start_child(self.tmp, self.root, """
            import time
            import runlens
            with runlens.start_run():
                runlens.log_metric("loss", 0.5)
                print("ready", flush=True)
                time.sleep(60)
        """)
        wait_ready(proc)
        proc.send_signal(signal.SIGTERM)
        proc.communicate(timeout=10)
        self.assertEqual(proc.returncode, -signal.SIGTERM)
        log = self.only_log()
        self.assertEqual(log[-1]["e"], "end")
        self.assertEqual(log[-1]["status"], "killed")
        self.assertEqual(metric_points(log), [("loss", 0.5, 0)])

    @unittest.skipUnless(POSIX, "SIGTERM")
    def test_sigterm_still_reaches_the_users_own_handler(self):
        marker = os.path.join(self.tmp, "handler-ran")
        proc = start_child(self.tmp, self.root, """
            import signal, sys, time
            import runlens

            def stop(signum, frame):
                open(%r, "w").close()
                sys.exit(3)

            signal.signal(signal.SIGTERM, stop)
            with runlens.start_run():
                print("ready", flush=True)
                time.sleep(60)
        """ % marker)
        wait_ready(proc)
        proc.send_signal(signal.SIGTERM)
        proc.communicate(timeout=10)
        self.assertEqual(proc.returncode, 3)
        self.assertTrue(os.path.exists(marker))
        self.assertEqual(self.only_log()[-1]["status"], "killed")

    @unittest.skipUnless(POSIX, "SIGTERM")
    def test_a_run_wound_down_after_sigterm_is_killed_not_finished(self):
        proc = start_child(self.tmp, self.root, """
            import signal, time
            import runlens
            stopping = []
            signal.signal(signal.SIGTERM, lambda signum, frame: stopping.append(True))
            with runlens.start_run():
                print("ready", flush=True)
                for step in range(600):
                    if stopping:
                        break
                    time.sleep(0.1)
        """)
        wait_ready(proc)
        proc.send_signal(signal.SIGTERM)
        proc.communicate(timeout=10)
        self.assertEqual(proc.returncode, 0)
        self.assertEqual(self.only_log()[-1]["status"], "killed")

    @unittest.skipUnless(POSIX, "SIGINT")
    def test_ctrl_c_kills_the_run(self):
        proc = start_child(self.tmp, self.root, """
            import time
            import runlens
            with runlens.start_run():
                print("ready", flush=True)
                time.sleep(60)
        """)
        wait_ready(proc)
        proc.send_signal(signal.SIGINT)
        proc.communicate(timeout=10)
        self.assertNotEqual(proc.returncode, 0)
        self.assertEqual(self.only_log()[-1]["status"], "killed")


class Exits(RunLensTestCase):
    def test_an_exception_fails_the_run_and_keeps_the_error(self):
        code, _, err = run_child(self.tmp, self.root, """
            import runlens
            with runlens.start_run():
                runlens.log_metric("loss", 0.5)
                raise ValueError("learning rate too high")
        """)
        self.assertEqual(code, 1)
        self.assertIn("ValueError: learning rate too high", err)
        end = self.only_log()[-1]
        self.assertEqual(end["status"], "failed")
        self.assertEqual(end["error"]["type"], "ValueError")
        self.assertEqual(end["error"]["message"], "learning rate too high")
        self.assertIn('raise ValueError("learning rate too high")', end["error"]["traceback"])

    def test_an_uncaught_exception_fails_a_run_started_without_with(self):
        code, _, err = run_child(self.tmp, self.root, """
            import runlens
            class DivergedError(Exception):
                pass
            runlens.log_metric("loss", 1e9)
            raise DivergedError("loss is 1e9")
        """)
        self.assertEqual(code, 1)
        self.assertIn("DivergedError: loss is 1e9", err)  # the user's traceback still printed
        log = self.only_log()
        self.assertEqual(log[-1]["status"], "failed")
        self.assertEqual(log[-1]["error"]["type"], "__main__.DivergedError")
        self.assertEqual(metric_points(log), [("loss", 1e9, 0)])

    def test_a_normal_exit_keeps_every_buffered_metric(self):
        code, _, err = run_child(self.tmp, self.root, """
            import runlens
            runlens.start_run()  # never ended: the exit does it
            for step in range(200000):
                runlens.log_metric("loss", step * 0.5, step=step)
        """)
        self.assertEqual(code, 0, err)
        log = self.only_log()
        points = metric_points(log)
        self.assertEqual(len(points), 200000)
        self.assertEqual(points[-1], ("loss", 199999 * 0.5, 199999))
        self.assertEqual([p[2] for p in points], list(range(200000)))
        self.assertEqual(log[-1]["status"], "finished")

    def test_a_forked_child_neither_ends_nor_duplicates_the_parents_run(self):
        if not hasattr(os, "fork"):
            self.skipTest("no fork")
        code, _, err = run_child(self.tmp, self.root, """
            import os, sys
            import runlens
            with runlens.start_run():
                runlens.log_metric("before", 1.0)
                pid = os.fork()
                if pid == 0:
                    runlens.log_metric("in-child", 2.0)
                    sys.exit(0)  # unwinds the with block in the child too
                os.waitpid(pid, 0)
                runlens.log_metric("after", 3.0)
        """)
        self.assertEqual(code, 0, err)
        log = self.only_log()
        self.assertEqual(len(events(log, "end")), 1)
        self.assertEqual(log[-1]["status"], "finished")
        self.assertEqual(sorted(metric_points(log)),
                         [("after", 3.0, 0), ("before", 1.0, 0), ("in-child", 2.0, 0)])


class Parallel(RunLensTestCase):
    def test_parallel_processes_never_corrupt_each_others_records(self):
        script = write_script(self.tmp, """
            import os
            import runlens
            from runlens import _lifecycle
            _lifecycle.FLUSH_S = 0.001  # many small writes, to give interleaving every chance
            with runlens.start_run():
                for step in range(20000):
                    runlens.log_metric("loss/" + os.environ["WORKER"], step, step=step)
                    if step % 1000 == 0:
                        runlens.set_tag("progress", step)
        """)
        procs = []
        for worker in range(8):
            env = child_env(self.root, WORKER=str(worker),
                            RUNLENS_PARAMS='{"lr": 0.%d, "seed": 1}' % (worker + 1))
            procs.append(subprocess.Popen([sys.executable, script], env=env,
                                          stderr=subprocess.PIPE))
        for proc in procs:
            _, err = proc.communicate(timeout=120)
            self.assertEqual(proc.returncode, 0, err.decode())

        logs = logs_in(self.root)  # read_log checks every line is whole JSON
        self.assertEqual(len(logs), 8)
        workers = set()
        for run_id, log in logs.items():
            self.assertEqual(log[0]["run"], run_id)
            self.assertEqual([e["e"] for e in log].count("start"), 1)
            self.assertEqual(log[-1]["status"], "finished")
            points = metric_points(log)
            keys = {p[0] for p in points}
            self.assertEqual(len(keys), 1)
            workers |= keys
            self.assertEqual([p[2] for p in points], list(range(20000)))
        self.assertEqual(len(workers), 8)
        with contextlib.redirect_stderr(io.StringIO()):
            sweep = runlens.grid(lr=[0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9], seed=1)
        self.assertEqual(sweep.skipped, 8)
        self.assertEqual(list(sweep), [{"lr": 0.9, "seed": 1}])


class Capture(RunLensTestCase):
    SCRIPT = """
        import runlens
        with runlens.start_run() as run:
            pass
    """

    def test_script_and_git_state_are_recorded(self):
        if shutil.which("git") is None:
            self.skipTest("git is not installed")
        repo = os.path.join(self.tmp, "repo")
        os.makedirs(repo)
        git = ["git", "-C", repo, "-c", "user.email=t@example.com", "-c", "user.name=t"]
        subprocess.run(git + ["init", "-q", "-b", "trunk"], check=True)
        path = write_script(repo, self.SCRIPT)
        subprocess.run(git + ["add", "."], check=True)
        subprocess.run(git + ["commit", "-q", "-m", "first"], check=True)
        commit = subprocess.run(git + ["rev-parse", "HEAD"], check=True,
                                stdout=subprocess.PIPE).stdout.decode().strip()

        code, _, err = run_child(repo, self.root, self.SCRIPT)
        self.assertEqual(code, 0, err)
        clean = list(logs_in(self.root).values())[0][0]
        with open(path, "rb") as f:
            digest = hashlib.sha256(f.read()).hexdigest()
        self.assertEqual(clean["script"], {"path": os.path.abspath(path), "sha256": digest})
        self.assertEqual(clean["git"], {"commit": commit, "branch": "trunk", "dirty": False})
        self.assertEqual(clean["argv"], [path])

        shutil.rmtree(self.root)
        code, _, err = run_child(repo, self.root, textwrap.dedent(self.SCRIPT) + "# edited\n")
        self.assertEqual(code, 0, err)
        dirty = list(logs_in(self.root).values())[0][0]
        self.assertEqual(dirty["git"]["dirty"], True)
        self.assertNotEqual(dirty["script"]["sha256"], digest)

    def test_without_git_the_field_is_null(self):
        code, _, err = run_child(self.tmp, self.root, self.SCRIPT, PATH=os.path.join(self.tmp, "none"))
        self.assertEqual(code, 0, err)
        self.assertIsNone(self.only_log()[0]["git"])

    def test_a_script_outside_any_repository_has_null_git(self):
        code, _, err = run_child(self.tmp, self.root, self.SCRIPT, GIT_CEILING_DIRECTORIES=self.tmp)
        self.assertEqual(code, 0, err)
        self.assertIsNone(self.only_log()[0]["git"])


class LauncherRunId(RunLensTestCase):
    def test_the_first_top_level_run_takes_the_launchers_id_and_only_it(self):
        code, out, err = run_child(self.tmp, self.root, """
            import os, subprocess, sys
            import runlens
            with runlens.start_run() as first:
                with runlens.start_run() as nested:
                    pass
            with runlens.start_run() as second:
                pass
            print(first.id, nested.id, second.id, os.environ.get("RUNLENS_RUN_ID"))
        """, RUNLENS_RUN_ID="launcher-chosen_1")
        self.assertEqual(code, 0, err)
        first, nested, second, inherited = out.split()
        self.assertEqual(first, "launcher-chosen_1")
        self.assertNotIn("launcher-chosen_1", (nested, second))
        self.assertEqual(inherited, "None")  # a child process cannot reuse it
        self.assertIn("launcher-chosen_1", logs_in(self.root))

    def test_an_invalid_launcher_id_is_refused(self):
        code, _, err = run_child(self.tmp, self.root, """
            import runlens
            runlens.start_run()
        """, RUNLENS_RUN_ID="../escape")
        self.assertEqual(code, 1)
        self.assertIn("RUNLENS_RUN_ID '../escape' is not a run id", err)
        self.assertEqual(logs_in(self.root), {})
