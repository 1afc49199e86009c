"""The package stays what the extension can ship: standard library only, Python 3.8 syntax."""

import ast
import os
import sys
import unittest

from .support import PYTHON_DIR

PACKAGE = os.path.join(PYTHON_DIR, "runlens")


def modules():
    for name in sorted(os.listdir(PACKAGE)):
        if name.endswith(".py"):
            with open(os.path.join(PACKAGE, name), encoding="utf-8") as f:
                yield name, f.read()


class Package(unittest.TestCase):
    @unittest.skipUnless(hasattr(sys, "stdlib_module_names"), "needs Python 3.10+ to know")
    def test_imports_only_the_standard_library(self):
        for name, source in modules():
            for node in ast.walk(ast.parse(source)):
                if isinstance(node, ast.Import):
                    roots = [alias.name.split(".")[0] for alias in node.names]
                elif isinstance(node, ast.ImportFrom) and node.level == 0:
                    roots = [node.module.split(".")[0]]
                else:
                    continue
                for root in roots:
                    with self.subTest(module=name, imports=root):
                        self.assertIn(root, sys.stdlib_module_names)

    def test_parses_as_python_3_8(self):
        for name, source in modules():
            with self.subTest(module=name):
                ast.parse(source, filename=name, feature_version=(3, 8))
