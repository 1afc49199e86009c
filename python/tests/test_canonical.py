"""The Python twin of src/core/params/canonical.ts agrees with the shared vectors."""

import enum
import json
import os
import pathlib
import unittest
from decimal import Decimal

from runlens._canonical import canonical_param, canonical_value

from .support import REPO

with open(os.path.join(REPO, "test", "vectors", "canonical.json"), encoding="utf-8") as f:
    VECTORS = json.load(f)

class RawVectors(unittest.TestCase):
    def test_every_raw_string_has_the_shared_canonical_form(self):
        for raw, expected in VECTORS["raw"].items():
            with self.subTest(raw=raw):
                self.assertEqual(canonical_param(raw), expected)

    def test_groups_that_mean_the_same_value_agree(self):
        for group in VECTORS["same"]:
            with self.subTest(group=group):
                self.assertEqual(len({canonical_param(raw) for raw in group}), 1)

    def test_pairs_that_differ_stay_apart(self):
        for a, b in VECTORS["different"]:
            with self.subTest(a=a, b=b):
                self.assertNotEqual(canonical_param(a), canonical_param(b))

    def test_python_str_of_json_values(self):
        for case in VECTORS["python_str"]:
            value = json.loads(json.dumps(case["json"]))
            with self.subTest(json=case["json"]):
                self.assertEqual(str(value), case["str"])
                self.assertEqual(canonical_value(value), canonical_param(case["str"]))

    def test_python_str_of_values_json_cannot_spell(self):
        def typed(v):
            if isinstance(v, list):
                return [typed(x) for x in v]
            if isinstance(v, dict):
                if "$tuple" in v:
                    return tuple(typed(x) for x in v["$tuple"])
                if "$float" in v:
                    return float(v["$float"])
                return {k: typed(x) for k, x in v.items()}
            return v

        for case in VECTORS["python_str_typed"]:
            value = typed(case["py"])
            with self.subTest(py=case["py"]):
                self.assertEqual(str(value), case["str"])
                self.assertEqual(canonical_value(value), canonical_param(case["str"]))


class JavaScriptAgreement(unittest.TestCase):
    """Cases where Python's defaults differ from JavaScript's, which the store's side uses."""

    def test_only_ascii_digits_make_a_number(self):
        self.assertEqual(canonical_param("\u0663\u0662"), "s:\u0663\u0662")  # Arabic-Indic 32
        self.assertEqual(canonical_param("\uff13\uff12"), "s:\uff13\uff12")  # full-width 32

    def test_a_trailing_newline_is_part_of_a_string(self):
        self.assertEqual(canonical_param("32\n"), "s:32\n")

    def test_huge_exponents_are_spelled_as_javascript_computes_them(self):
        # Expected values printed by canonical.ts under Node.
        cases = {
            "1e1234567890123456789": "n:1e1234567890123456800",
            "1e123456789012345": "n:1e123456789012345",
            "1e-1234567890123456789": "n:1e-1234567890123456800",
            "1.5e99999999999999999999999": "n:15e1e+23",
            "1e" + "9" * 400: "n:1eInfinity",
            "-1e+9007199254740993": "n:-1e9007199254740992",
            "100e9007199254740993": "n:1e9007199254740994",
            "1e" + "0" * 5000 + "5": "n:1e5",
        }
        for raw, expected in cases.items():
            with self.subTest(raw=raw[:30]):
                self.assertEqual(canonical_param(raw), expected)


class PythonValues(unittest.TestCase):
    """Values of any type compare through the string MLflow stores for them, str()."""

    def test_numbers_and_their_strings(self):
        self.assertEqual(canonical_value(1e-3), canonical_value("0.001"))
        self.assertEqual(canonical_value(32), canonical_value(32.0))
        self.assertEqual(canonical_value(True), canonical_value("true"))
        self.assertEqual(canonical_value(None), "z:null")
        self.assertNotEqual(canonical_value(1), canonical_value(True))

    def test_other_types_use_str(self):
        class Optimizer(enum.Enum):
            ADAM = "adam"

        self.assertEqual(canonical_value(pathlib.PurePosixPath("/data/x")), "s:/data/x")
        self.assertEqual(canonical_value(Optimizer.ADAM), "s:Optimizer.ADAM")
        self.assertEqual(canonical_value([1, "a"]), "s:[1, 'a']")
        self.assertEqual(canonical_value(Decimal("0.0010")), "n:1e-3")

    def test_numpy_scalars(self):
        try:
            import numpy as np
        except ImportError:
            self.skipTest("numpy is not installed")
        self.assertEqual(canonical_value(np.float32(0.001)), "n:1e-3")
        self.assertEqual(canonical_value(np.float64(1e-3)), "n:1e-3")
        self.assertEqual(canonical_value(np.int64(32)), "n:32e0")
        self.assertEqual(canonical_value(np.bool_(True)), "b:true")
