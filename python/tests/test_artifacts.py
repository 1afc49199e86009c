"""Artifacts: files copied under .runlens/artifacts/<run id>/ and recorded by an `artifact` line."""

import hashlib
import io
import json
import os
import shutil
import tracemalloc
import unittest

import runlens
from runlens import _artifacts, _logread

from .faults import Disk, store_reading
from .support import REPO, RunLensTestCase, events, read_log

try:
    import numpy
except ImportError:  # Debian's python3-numpy comes with python3-sklearn (system-packages.sh)
    numpy = None
try:
    import yaml
except ImportError:
    yaml = None
try:
    import pandas
except ImportError:
    pandas = None
try:
    from PIL import Image
except ImportError:
    Image = None
try:
    import matplotlib
    matplotlib.use("Agg")
    from matplotlib import pyplot
except ImportError:
    pyplot = None


def sha256(data):
    return hashlib.sha256(data).hexdigest()


class ArtifactCase(RunLensTestCase):
    def file(self, name, data):
        path = os.path.join(self.tmp, "src", name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as f:
            f.write(data)
        return path

    def stored(self, run, path):
        with open(os.path.join(self.root, "artifacts", run.id, *path.split("/")), "rb") as f:
            return f.read()

    def artifact_lines(self, run):
        return events(read_log(run.log_path), "artifact")

    def left_in_artifacts(self):
        """Every file under .runlens/artifacts/, temporary ones included."""
        found = []
        for folder, _, names in os.walk(os.path.join(self.root, "artifacts")):
            found += [os.path.relpath(os.path.join(folder, n), self.root) for n in names]
        return sorted(found)


class LoggingArtifacts(ArtifactCase):
    def test_a_file_is_copied_and_recorded_with_its_size_hash_and_media_type(self):
        data = b"step,loss\n0,2.0\n1,0.5\n"
        source = self.file("metrics.csv", data)
        with runlens.start_run() as run:
            runlens.log_artifact(source, artifact_path="data")
        self.assertEqual(self.stored(run, "data/metrics.csv"), data)
        [line] = self.artifact_lines(run)
        self.assertEqual({k: v for k, v in line.items() if k != "t"}, {
            "e": "artifact", "path": "data/metrics.csv", "size": len(data), "sha256": sha256(data),
            "media_type": "text/csv"})
        self.assertEqual(read_log(run.log_path)[0]["v"], 2)
        self.assertEqual(run.info.artifact_uri,
                         "file://" + os.path.join(os.path.abspath(self.root), "artifacts", run.id))

    def test_the_store_reads_every_line_the_client_writes(self):
        with runlens.start_run() as run:
            runlens.log_text("hello", "notes/readme.md")
            runlens.log_dict({"a": 1}, "config.json")
        kinds = [event["e"] for event in store_reading(run.log_path)]
        self.assertEqual(kinds, ["start", "artifact", "artifact", "end"])

    def test_a_folder_keeps_its_layout_under_artifact_path(self):
        self.file("out/a.txt", b"a")
        self.file("out/sub/b.json", b"{}")
        self.file("out/sub/deeper/c.bin", b"\x00\x01")
        with runlens.start_run() as run:
            runlens.log_artifacts(os.path.join(self.tmp, "src", "out"), "results")
        self.assertEqual([line["path"] for line in self.artifact_lines(run)],
                         ["results/a.txt", "results/sub/b.json", "results/sub/deeper/c.bin"])
        self.assertEqual(self.stored(run, "results/sub/deeper/c.bin"), b"\x00\x01")

    def test_logging_the_same_path_again_replaces_the_file_as_mlflow_does(self):
        with runlens.start_run() as run:
            runlens.log_text("first", "note.txt")
            runlens.log_text("second", "note.txt")
        self.assertEqual(self.stored(run, "note.txt"), b"second")
        self.assertEqual([line["sha256"] for line in self.artifact_lines(run)],
                         [sha256(b"first"), sha256(b"second")])

    def test_logging_without_a_run_starts_one_as_every_logging_call_does(self):
        runlens.log_text("x", "x.txt")
        run = runlens.active_run()
        self.assertIsNotNone(run)
        runlens.end_run()
        self.assertEqual(self.stored(run, "x.txt"), b"x")

    def test_a_run_that_ended_takes_no_more_artifacts(self):
        with runlens.start_run() as run:
            pass
        with self.assertRaisesRegex(runlens.RunLensError, "has ended"):
            runlens._fluent.log_text("late", "late.txt", run=run)
        self.assertEqual(self.left_in_artifacts(), [])

    def test_media_types_are_the_ones_every_reader_shares(self):
        with open(os.path.join(REPO, "test", "vectors", "artifact-media-types.json")) as f:
            shared = json.load(f)["types"]
        self.assertEqual(_artifacts.MEDIA_TYPES, shared)
        self.assertEqual(_artifacts.media_type("PLOT.PNG"), "image/png")
        self.assertEqual(_artifacts.media_type("model.weird-ext"), "application/octet-stream")

    def test_the_run_log_reader_knows_the_artifacts(self):
        with runlens.start_run() as run:
            runlens.log_text("a", "a.txt")
            runlens.log_text("bb", "d/b.txt")
        logged = _logread.read(run.log_path, run.id, True)
        self.assertEqual({p: a[0] for p, a in logged.artifacts.items()}, {"a.txt": 1, "d/b.txt": 2})


class WhatIsRefused(ArtifactCase):
    def test_paths_that_leave_the_runs_folder_are_refused_before_anything_is_written(self):
        source = self.file("x.txt", b"x")
        with runlens.start_run() as run:
            for bad in ("../x", "a/../../x", "/etc", "a//b", "./x", "a\\b"):
                with self.subTest(path=bad), self.assertRaisesRegex(ValueError, "inside the run's folder"):
                    runlens.log_text("x", bad)
            with self.assertRaisesRegex(ValueError, "'..'"):
                runlens.log_artifact(source, artifact_path="../..")
        self.assertEqual(self.artifact_lines(run), [])
        self.assertEqual(self.left_in_artifacts(), [])

    def test_a_missing_file_or_a_folder_is_a_clear_error(self):
        with runlens.start_run() as run:
            with self.assertRaisesRegex(FileNotFoundError, "no such file"):
                runlens.log_artifact(os.path.join(self.tmp, "nope.pt"))
            with self.assertRaisesRegex(IsADirectoryError, "log_artifacts"):
                runlens.log_artifact(self.tmp)
            with self.assertRaisesRegex(NotADirectoryError, "log_artifact\\(\\)"):
                runlens.log_artifacts(self.file("f.txt", b"f"))
        self.assertEqual(self.artifact_lines(run), [])

    def test_a_symbolic_link_is_not_followed_as_a_source(self):
        target = self.file("real.txt", b"secret")
        link = os.path.join(self.tmp, "src", "link.txt")
        os.symlink(target, link)
        with runlens.start_run() as run:
            with self.assertRaisesRegex(runlens.RunLensError, "symbolic link.*real.txt"):
                runlens.log_artifact(link)
        self.assertEqual(self.artifact_lines(run), [])

    def test_a_folder_holding_a_link_logs_nothing_at_all(self):
        self.file("dir/a.txt", b"a")
        os.symlink("/etc", os.path.join(self.tmp, "src", "dir", "z-link"))
        with runlens.start_run() as run:
            with self.assertRaisesRegex(runlens.RunLensError, "z-link.*Nothing was logged"):
                runlens.log_artifacts(os.path.join(self.tmp, "src", "dir"))
        self.assertEqual(self.artifact_lines(run), [])
        self.assertEqual(self.left_in_artifacts(), [])

    def test_a_link_inside_the_artifacts_folder_is_never_written_through(self):
        outside = os.path.join(self.tmp, "outside")
        os.makedirs(outside)
        with runlens.start_run() as run:
            os.makedirs(os.path.join(self.root, "artifacts", run.id))
            os.symlink(outside, os.path.join(self.root, "artifacts", run.id, "plots"))
            with self.assertRaisesRegex(runlens.RunLensError, "symbolic link"):
                runlens.log_text("x", "plots/x.txt")
        self.assertEqual(os.listdir(outside), [])
        self.assertEqual(self.artifact_lines(run), [])

    def test_a_name_taken_by_a_folder_is_an_error_and_registers_nothing(self):
        with runlens.start_run() as run:
            runlens.log_text("x", "plots/a.txt")
            with self.assertRaisesRegex(runlens.RunLensError, "a folder of that name"):
                runlens.log_text("y", "plots")
        self.assertEqual([line["path"] for line in self.artifact_lines(run)], ["plots/a.txt"])


class AFullDisk(ArtifactCase):
    def test_a_copy_the_disk_refuses_leaves_no_file_and_no_line(self):
        source = self.file("model.bin", os.urandom(3 * _artifacts.CHUNK + 5))
        with runlens.start_run() as run:
            with Disk(at={2: "short+full"}).installed():
                with self.assertRaisesRegex(runlens.RunLensError, "disk is full.*nothing was logged"):
                    runlens.log_artifact(source)
            runlens.log_metric("after", 1.0)  # the run goes on
        self.assertEqual(self.left_in_artifacts(), [])
        self.assertEqual(self.artifact_lines(run), [])

    def test_a_line_the_disk_refuses_leaves_no_file_and_the_earlier_version_stands(self):
        with runlens.start_run() as run:
            runlens.log_text("v1", "model.txt")
            # The copy (one write) fits; the artifact line after it does not.
            with Disk(at={2: "full"}).installed():
                with self.assertRaisesRegex(runlens.RunLensError, "could not write the artifact"):
                    runlens.log_text("v2", "model.txt")
        self.assertEqual(self.stored(run, "model.txt"), b"v1")
        self.assertEqual([line["sha256"] for line in self.artifact_lines(run)], [sha256(b"v1")])
        self.assertEqual(self.left_in_artifacts(), [os.path.join("artifacts", run.id, "model.txt")])


class Memory(ArtifactCase):
    def test_a_large_file_is_streamed_through_one_buffer(self):
        source = os.path.join(self.tmp, "big.bin")
        with open(source, "wb") as f:
            for _ in range(64):
                f.write(os.urandom(1 << 20))
        with runlens.start_run() as run:
            tracemalloc.start()
            try:
                runlens.log_artifact(source)
                peak = tracemalloc.get_traced_memory()[1]
            finally:
                tracemalloc.stop()
        self.assertLess(peak, 4 * _artifacts.CHUNK, "64 MB copied with at most 4 MB allocated")
        self.assertEqual(self.artifact_lines(run)[0]["size"], 64 << 20)


class WhatMlflowWrites(ArtifactCase):
    def test_log_dict_writes_json_with_an_indent_of_two(self):
        with runlens.start_run() as run:
            runlens.log_dict({"b": [1, 2], "a": {"x": None}}, "config.json")
        self.assertEqual(self.stored(run, "config.json").decode(),
                         json.dumps({"b": [1, 2], "a": {"x": None}}, indent=2))

    @unittest.skipIf(yaml is None, "needs PyYAML (Debian's python3-yaml) to read the YAML back")
    def test_log_dict_writes_yaml_for_a_yaml_file_that_yaml_reads_back(self):
        data = {"lr": 0.001, "layers": [64, 32], "name": "yes", "note": "a: b # c", "empty": {},
                "nested": [{"k": True, "v": None}], "n": float("inf"), "text": "multi\nline",
                "quote": "'\"", "number_like": "1e-3", "unicode": "r\u00e9sum\u00e9"}
        with runlens.start_run() as run:
            runlens.log_dict(data, "params.yaml")
            runlens.log_dict(data, "params.yml")
        for name in ("params.yaml", "params.yml"):
            self.assertEqual(yaml.safe_load(self.stored(run, name)), data)
        self.assertTrue(self.stored(run, "params.yaml").startswith(b"empty: {}\nlayers:\n"),
                        "block style, keys sorted as PyYAML writes them")

    def test_log_text_writes_utf8(self):
        with runlens.start_run() as run:
            runlens.log_text("\u00e9t\u00e9 \U0001F600", "t.txt")
        self.assertEqual(self.stored(run, "t.txt"), "\u00e9t\u00e9 \U0001F600".encode())

    @unittest.skipIf(pyplot is None, "needs matplotlib (Debian's python3-matplotlib)")
    def test_log_figure_saves_a_matplotlib_figure_in_the_files_format(self):
        fig, ax = pyplot.subplots()
        ax.plot([0, 1, 2], [2.0, 0.5, 0.3])
        with runlens.start_run() as run:
            runlens.log_figure(fig, "plots/loss.png")
            runlens.log_figure(fig, "plots/loss.svg")
        pyplot.close(fig)
        self.assertTrue(self.stored(run, "plots/loss.png").startswith(b"\x89PNG\r\n\x1a\n"))
        self.assertIn(b"<svg", self.stored(run, "plots/loss.svg")[:400])
        self.assertEqual([line["media_type"] for line in self.artifact_lines(run)],
                         ["image/png", "image/svg+xml"])

    def test_log_figure_refuses_what_is_not_a_figure(self):
        with runlens.start_run():
            with self.assertRaisesRegex(TypeError, "matplotlib or plotly figure"):
                runlens.log_figure(object(), "x.png")

    @unittest.skipIf(numpy is None or Image is None, "needs numpy and Pillow to read the PNG back")
    def test_log_image_writes_a_numpy_array_as_png_without_needing_pillow(self):
        gray = numpy.arange(12, dtype=numpy.uint8).reshape(3, 4) * 20
        rgb = numpy.zeros((2, 3, 3))
        rgb[0, 0] = [1.0, 0.5, 0.0]
        with runlens.start_run() as run:
            runlens.log_image(gray, "gray.png")
            runlens.log_image(rgb, "rgb.png")
            runlens.log_image(numpy.zeros((2, 2, 4), dtype=numpy.int64), "rgba.png")
        back = numpy.asarray(Image.open(io.BytesIO(self.stored(run, "gray.png"))))
        self.assertEqual(back.tolist(), gray.tolist())
        back = numpy.asarray(Image.open(io.BytesIO(self.stored(run, "rgb.png"))))
        self.assertEqual(back[0, 0].tolist(), [255, 128, 0])
        self.assertEqual(Image.open(io.BytesIO(self.stored(run, "rgba.png"))).mode, "RGBA")

    @unittest.skipIf(numpy is None, "needs numpy")
    def test_log_image_refuses_values_mlflow_refuses(self):
        with runlens.start_run():
            with self.assertRaisesRegex(ValueError, "from 0 to 1"):
                runlens.log_image(numpy.full((2, 2), 1.5), "x.png")
            with self.assertRaisesRegex(ValueError, "from 0 to 255"):
                runlens.log_image(numpy.full((2, 2), 300), "x.png")
            with self.assertRaisesRegex(ValueError, "shape"):
                runlens.log_image(numpy.zeros((2, 2, 2)), "x.png")

    @unittest.skipIf(Image is None, "needs Pillow")
    def test_log_image_saves_a_pil_image_in_the_files_format(self):
        with runlens.start_run() as run:
            runlens.log_image(Image.new("RGB", (4, 3), (200, 10, 10)), "red.jpg")
        self.assertEqual(Image.open(io.BytesIO(self.stored(run, "red.jpg"))).size, (4, 3))

    def test_log_table_writes_mlflows_split_json_and_lists_the_table_in_a_tag(self):
        with runlens.start_run() as run:
            runlens.log_table({"question": ["a?", "b?"], "score": [1, 0.5]}, "eval/table.json")
        self.assertEqual(json.loads(self.stored(run, "eval/table.json")),
                         {"columns": ["question", "score"], "data": [["a?", 1], ["b?", 0.5]]})
        self.assertEqual(json.loads(run.tags["mlflow.loggedArtifacts"]),
                         [{"path": "eval/table.json", "type": "table"}])
        with runlens.start_run():
            with self.assertRaisesRegex(ValueError, "must end with .json"):
                runlens.log_table({"a": [1]}, "t.csv")
            with self.assertRaisesRegex(ValueError, "different lengths"):
                runlens.log_table({"a": [1], "b": [1, 2]}, "t.json")

    @unittest.skipIf(pandas is None, "needs pandas (Debian's python3-pandas)")
    def test_log_table_takes_a_pandas_dataframe(self):
        frame = pandas.DataFrame({"x": [1, 2], "y": ["p", "q"]})
        with runlens.start_run() as run:
            runlens.log_table(frame, "t.json")
        self.assertEqual(json.loads(self.stored(run, "t.json")),
                         {"columns": ["x", "y"], "data": [[1, "p"], [2, "q"]]})
