"""Which tracking server a process talks to, how run logs name it, and whose credentials go there."""

import io
import json
import os
import subprocess
import sys
import unittest
from unittest import mock

import runlens
from runlens import _tracking

from .support import REPO, RunLensTestCase, child_env

with open(os.path.join(REPO, "test", "vectors", "server-uri.json"), encoding="utf-8") as f:
    URIS = json.load(f)["vectors"]


class ServerNames(unittest.TestCase):
    def test_as_the_extension_names_them(self):
        for uri, identity in URIS:
            with self.subTest(uri=uri):
                self.assertEqual(_tracking.identity(uri), identity)


class Choice(RunLensTestCase):
    def test_the_code_then_runlens_then_mlflows_variable(self):
        self.assertIsNone(runlens.get_tracking_uri())
        os.environ["MLFLOW_TRACKING_URI"] = "http://mlflow:5000"
        self.assertEqual(runlens.get_tracking_uri(), "http://mlflow:5000")
        os.environ["RUNLENS_TRACKING_URI"] = "http://runlens:5000/"
        self.assertEqual(runlens.get_tracking_uri(), "http://runlens:5000")
        runlens.set_tracking_uri("https://code.example.com")
        self.assertEqual(runlens.get_tracking_uri(), "https://code.example.com")
        runlens.set_tracking_uri(None)
        self.assertEqual(runlens.get_tracking_uri(), "http://runlens:5000")

    def test_mlflows_local_stores_are_left_to_mlflow_quietly(self):
        os.environ["MLFLOW_TRACKING_URI"] = "sqlite:///mlflow.db"
        with mock.patch("sys.stderr", io.StringIO()) as err:
            self.assertIsNone(runlens.get_tracking_uri())
        self.assertEqual(err.getvalue(), "")

    def test_credentials_from_mlflows_variables(self):
        os.environ["RUNLENS_TRACKING_URI"] = "http://runlens:5000"
        os.environ["MLFLOW_TRACKING_TOKEN"] = "t0ken"
        self.assertEqual(_tracking.server().auth, "Bearer t0ken")
        del os.environ["MLFLOW_TRACKING_TOKEN"]
        os.environ["MLFLOW_TRACKING_USERNAME"] = "alice"
        os.environ["MLFLOW_TRACKING_PASSWORD"] = "pw"
        self.assertEqual(_tracking.server().auth, "Basic YWxpY2U6cHc=")


class UploaderCommand(RunLensTestCase):
    def test_status_lists_what_waits_as_json_lines(self):
        os.makedirs(os.path.join(self.root, "outbox"))
        with open(os.path.join(self.root, "outbox", "a1.json"), "w") as f:
            f.write('{"server":"http://127.0.0.1:5000","log":"runs/2024-01-01/a1.jsonl"}')
        proc = subprocess.run([sys.executable, "-m", "runlens.upload", "--status", "--json"],
                              env=child_env(self.root), stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, timeout=60)
        lines = [json.loads(line) for line in proc.stdout.decode().splitlines()]
        self.assertEqual(proc.returncode, 0)
        self.assertEqual(lines, [
            {"run": "a1", "server": "http://127.0.0.1:5000", "state": "waiting", "message": None,
             "problem": None, "note": None},
            {"summary": {"waiting": 1, "folder": self.root}}])

    def test_without_a_server_it_says_so(self):
        proc = subprocess.run([sys.executable, "-m", "runlens.upload"], env=child_env(self.root),
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=60)
        self.assertEqual(proc.returncode, 2)
        self.assertIn("no tracking server named", proc.stderr.decode())


if __name__ == "__main__":
    unittest.main()
