"""The copy of the script a run ran, kept under .runlens/code/<sha256> for Compare Code."""

import hashlib
import os

from .support import RunLensTestCase, run_child

SCRIPT = """
    import runlens
    with runlens.start_run(params={"lr": 0.1}):
        runlens.log_metric("loss", 0.5)
    with runlens.start_run(params={"lr": 0.2}):
        pass
"""


class KeptCode(RunLensTestCase):
    def code_dir(self):
        return os.path.join(self.root, "code")

    def run_script(self, source=SCRIPT, **env):
        code, out, err = run_child(self.tmp, self.root, source, **env)
        self.assertEqual(code, 0, err)
        with open(os.path.join(self.tmp, "experiment.py"), "rb") as f:
            return f.read()

    def test_the_script_is_kept_once_by_the_sha256_of_its_content(self):
        data = self.run_script()
        sha = hashlib.sha256(data).hexdigest()
        self.assertEqual(os.listdir(self.code_dir()), [sha], "two runs of one script: one copy")
        with open(os.path.join(self.code_dir(), sha), "rb") as f:
            self.assertEqual(f.read(), data)
        # Run again, unchanged: still one copy; changed: a second one beside it.
        self.run_script()
        self.assertEqual(len(os.listdir(self.code_dir())), 1)
        changed = self.run_script(SCRIPT + "    print('changed')\n")
        self.assertEqual(sorted(os.listdir(self.code_dir())),
                         sorted([sha, hashlib.sha256(changed).hexdigest()]))

    def test_nothing_is_kept_when_turned_off_or_over_the_size_cap(self):
        self.run_script(RUNLENS_KEEP_CODE="0")
        self.assertFalse(os.path.exists(self.code_dir()))
        self.run_script(RUNLENS_CODE_MAX_BYTES="20")
        self.assertFalse(os.path.exists(self.code_dir()))

    def test_a_copy_that_cannot_be_written_does_not_fail_the_run(self):
        os.makedirs(self.root, exist_ok=True)
        with open(self.code_dir(), "w") as f:  # a file where the folder should be
            f.write("in the way")
        self.run_script()
        self.assertTrue(os.path.isfile(self.code_dir()))
