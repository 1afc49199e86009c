"""The package stays what the extension can ship: standard library only, Python 3.8 syntax."""

import ast
import os
import sys
import unittest

from .support import PYTHON_DIR

PACKAGE = os.path.join(PYTHON_DIR, "runlens")
# The user's own libraries, imported only inside a function that works with their objects (a
# figure, an image, a DataFrame) or that the user calls for them (runlens.mlflow.sklearn.autolog):
# importing runlens never imports them, and a user without them loses nothing else.
OPTIONAL = {"PIL", "numpy", "pandas", "sklearn", "matplotlib", "plotly", "scipy"}


def modules():
    for folder, _, names in sorted(os.walk(PACKAGE)):
        for name in sorted(names):
            if name.endswith(".py"):
                path = os.path.join(folder, name)
                with open(path, encoding="utf-8") as f:
                    yield os.path.relpath(path, PACKAGE), f.read()


def imports(tree):
    """(root module, inside a function?) of every absolute import in a module."""
    found = []

    def visit(node, in_function):
        for child in ast.iter_child_nodes(node):
            inner = in_function or isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda))
            if isinstance(child, ast.Import):
                found.extend((alias.name.split(".")[0], inner) for alias in child.names)
            elif isinstance(child, ast.ImportFrom) and child.level == 0:
                found.append((child.module.split(".")[0], inner))
            visit(child, inner)
    visit(tree, False)
    return found


class Package(unittest.TestCase):
    @unittest.skipUnless(hasattr(sys, "stdlib_module_names"), "needs Python 3.10+ to know")
    def test_imports_only_the_standard_library_and_the_users_own_libraries_when_used(self):
        for name, source in modules():
            for root, in_function in imports(ast.parse(source)):
                with self.subTest(module=name, imports=root):
                    if in_function and root in OPTIONAL:
                        continue
                    self.assertIn(root, sys.stdlib_module_names)

    def test_parses_as_python_3_8(self):
        for name, source in modules():
            with self.subTest(module=name):
                ast.parse(source, filename=name, feature_version=(3, 8))

    def test_importing_runlens_imports_none_of_the_users_libraries(self):
        import subprocess  # noqa: PLC0415
        code = ("import sys, runlens, runlens.mlflow, runlens.mlflow.tracking; "
                "print(sorted(m for m in %r if m in sys.modules))" % sorted(OPTIONAL))
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                             env=dict(os.environ, PYTHONPATH=PYTHON_DIR), check=True)
        self.assertEqual(out.stdout.strip(), "[]")


class Installed(unittest.TestCase):
    def test_pip_installs_every_sub_package(self):
        """`pip install` of the client (python/README.md) brings runlens.mlflow and its own sub-packages too."""
        import shutil
        import subprocess
        import tempfile
        try:  # the build needs no network, but a setuptools that reads pyproject.toml
            import setuptools
        except ImportError:
            self.skipTest("this interpreter has no setuptools to build the client with")
        if int(setuptools.__version__.split(".")[0]) < 61:
            self.skipTest("this interpreter's setuptools %s cannot read pyproject.toml" % setuptools.__version__)
        try:
            import wheel  # noqa: F401 (setuptools builds through it)
        except ImportError:
            self.skipTest("this interpreter has no wheel package to build the client with")
        with tempfile.TemporaryDirectory() as tmp:
            # Built from a copy: a build leaves build/ and *.egg-info beside the sources.
            source = os.path.join(tmp, "src")
            shutil.copytree(PYTHON_DIR, source, ignore=shutil.ignore_patterns("tests", "__pycache__", "build", "*.egg-info"))
            target = os.path.join(tmp, "site")
            proc = subprocess.run(
                [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-build-isolation", "--no-index",
                 "--target", target, source],
                capture_output=True, text=True, timeout=300, check=False)
            if proc.returncode != 0 and "No module named pip" in proc.stderr:
                self.skipTest("this interpreter has no pip")
            self.assertEqual(proc.returncode, 0, proc.stderr)
            check = subprocess.run(
                [sys.executable, "-c", "import runlens, runlens.mlflow, runlens.mlflow.tracking, runlens.mlflow.sklearn; print(runlens.__file__)"],
                cwd=tmp, env={**os.environ, "PYTHONPATH": target}, capture_output=True, text=True, timeout=60, check=False)
            self.assertEqual(check.returncode, 0, check.stderr)
            self.assertTrue(check.stdout.startswith(target), check.stdout)
