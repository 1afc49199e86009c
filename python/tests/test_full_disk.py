"""A real disk that fills and frees: a 2 MB tmpfs, mounted for these tests (Linux, as root).

Where it cannot be mounted the tests are skipped, saying why. Each test checks what a user would:
every point a call acknowledged is in the log as the store reads it, once, or the run says it
is not.
"""

import errno
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

import runlens
from runlens import _fluent

from .faults import merged, points_of, store_reading
from .support import RunLensTestCase, child_env, wait_for, write_script

SIZE = "2m"
# Bytes left free as the disk fills: each less than the 300 KB line of 10,000 points.
GAPS = (0, 1000, 4096, 5000, 20000, 100000, 200000, 250000)


def mount_tmpfs():
    """(mount point, None), or (None, why not)."""
    if not sys.platform.startswith("linux"):
        return None, "a tmpfs is mounted only on Linux"
    if os.geteuid() != 0:
        return None, "mounting a tmpfs needs root"
    point = tempfile.mkdtemp(prefix="runlens-full-disk-")
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=" + SIZE, "tmpfs", point],
                          capture_output=True, text=True)
    if done.returncode != 0:
        os.rmdir(point)
        return None, "mount -t tmpfs failed: %s" % (done.stderr.strip() or done.returncode)
    return point, None


class Filler:
    """A file that takes the disk's free space, leaving about `gap` bytes (tmpfs counts pages)."""

    def __init__(self, folder, gap=0):
        self.path = os.path.join(folder, "filler")
        fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND)
        size = 0
        try:
            for block in (1 << 16, 1 << 12, 1):
                try:
                    while True:
                        size += os.write(fd, b"\0" * block)
                except OSError as e:
                    if e.errno != errno.ENOSPC:
                        raise
            if gap:
                os.ftruncate(fd, max(0, size - gap))
        finally:
            os.close(fd)

    def free(self):
        os.remove(self.path)


class RealFullDisk(RunLensTestCase):
    @classmethod
    def setUpClass(cls):
        cls.disk, why = mount_tmpfs()
        if cls.disk is None:
            raise unittest.SkipTest("no real full disk to test on: " + why)

    @classmethod
    def tearDownClass(cls):
        if subprocess.run(["umount", cls.disk]).returncode != 0:
            subprocess.run(["umount", "-l", cls.disk])
        os.rmdir(cls.disk)

    def setUp(self):
        super().setUp()
        self.folder = tempfile.mkdtemp(dir=self.disk)
        self.addCleanup(shutil.rmtree, self.folder, ignore_errors=True)
        os.environ["RUNLENS_DIR"] = os.path.join(self.folder, ".runlens")

    def log_points(self, first, last):
        for step in range(first, last):
            runlens.log_metric("l", float(step % 10), step=step)

    def assert_every_point(self, run, count):
        events = store_reading(run.log_path)  # raises on a line the store would skip
        steps = [step for _, _, step in points_of(events)]
        self.assertEqual(steps, list(range(count)), "each point once, in order")
        self.assertEqual(merged(events, "tags"), {}, "nothing reported lost")
        self.assertEqual([e["status"] for e in events if e["e"] == "end"], ["finished"])
        self.assertEqual(events[-1]["e"], "end")

    def test_a_disk_that_fills_and_frees_during_a_run_keeps_every_point(self):
        kept = []
        for gap in GAPS:
            with self.subTest(gap=gap):
                with runlens.start_run() as run:
                    self.log_points(0, 500)
                    run.flush()
                    filler = Filler(self.folder, gap)
                    try:
                        self.log_points(500, 10500)
                        with self.assertRaisesRegex(runlens.RunLensError, "No space left"):
                            run.flush()  # a short write (into what was left), then ENOSPC
                        self.log_points(10500, 20500)
                    finally:
                        filler.free()
                self.assert_every_point(run, 20500)
                kept.append(len(points_of(store_reading(run.log_path))))
                os.remove(run.log_path)  # room for the next trial
        print("\nfull-then-freed disk: %s of 20,500 points kept in each of %d trials (gaps %s bytes)"
              % (" / ".join(sorted({"{:,}".format(k) for k in kept})), len(kept),
                 ", ".join(map(str, GAPS))), file=sys.stderr)
        self.assertEqual(kept, [20500] * len(GAPS))

    def test_end_run_on_a_full_disk_keeps_the_points_until_the_disk_frees(self):
        for gap in (0, 5000):
            with self.subTest(gap=gap):
                run = runlens.start_run()
                filler = Filler(self.folder, gap)
                try:
                    self.log_points(0, 39500)
                    runlens.end_run()  # does not raise, does not drop: kept and retried
                    self.assertIsNone(runlens.active_run())
                    self.assertIn(run, _fluent.live_runs())
                    self.assertNotIn("end", [e["e"] for e in store_reading(run.log_path)])
                finally:
                    filler.free()
                ended = wait_for(lambda: "end" in [
                    e["e"] for e in store_reading(run.log_path, whole=False)], timeout=10)
                self.assertTrue(ended, "the background thread wrote the end once it could")
                self.assert_every_point(run, 39500)
                os.remove(run.log_path)

    def test_start_run_on_a_full_disk_raises_and_leaves_no_empty_log(self):
        filler = Filler(self.folder)
        with self.assertRaisesRegex(runlens.RunLensError, r"could not start a run: writing its "
                                    r"log .* failed \(No space left on device\)\. Nothing was "
                                    r"recorded\. Free some space"):
            runlens.start_run(params={"lr": 0.1})
        runs = os.path.join(os.environ["RUNLENS_DIR"], "runs")
        self.assertEqual([f for _, _, files in os.walk(runs) for f in files], [])
        filler.free()
        with runlens.start_run(params={"lr": 0.1}) as run:
            pass
        self.assertEqual(merged(store_reading(run.log_path), "params"), {"lr": "0.1"})

    def test_a_process_that_exits_on_a_full_disk_says_what_it_lost(self):
        script = write_script(self.folder, """
            import sys, runlens
            run = runlens.start_run()
            print(run.log_path, flush=True)
            sys.stdin.readline()  # the disk is full now
            for step in range(1000):
                runlens.log_metric("l", 1.0, step=step)
        """)
        proc = subprocess.Popen([sys.executable, script], cwd=self.folder, stdin=subprocess.PIPE,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                env=child_env(os.environ["RUNLENS_DIR"]))
        log_path = proc.stdout.readline().strip()
        filler = Filler(self.folder)
        self.addCleanup(filler.free)
        _, err = proc.communicate("go\n", timeout=60)
        self.assertEqual(proc.returncode, 0, err)
        self.assertIn("1,000 metric points could not be written to %s (No space left on device) "
                      "and are lost" % log_path, err)
        events = store_reading(log_path)
        if "end" in [e["e"] for e in events]:  # the tag and the end fit in the log's last page
            self.assertIn("the run is tagged runlens.lost_points=1000", err)
            self.assertEqual(merged(events, "tags"), {"runlens.lost_points": "1000"})
        else:
            self.assertIn("its end could not be written either, so it shows as crashed", err)
        self.assertEqual(points_of(events), [])


if __name__ == "__main__":
    unittest.main()
