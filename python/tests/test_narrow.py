"""The questions a check asks a tracking server (runlens._narrow): every run that holds a
combination asked about, however its values are spelled, must answer at least one of them.

The filters are read here as MLflow's SQL backends read them, in the strictest dialect: LIKE
case-sensitive (PostgreSQL, MySQL as MLflow sets it up; SQLite's LIKE would also match what
differs only in letter case), ILIKE not; and as MLflow's file store reads them, which turns a LIKE
pattern into a regular expression without escaping it (`_` any character, `%` any run of them).
"""

import itertools
import random
import re
import unittest

from runlens._canonical import canonical_param, canonical_value
from runlens._narrow import MAX_MAIN, net, number_spellings, plan

_CLAUSE = re.compile(r"params\.`([^`]+)` (=|LIKE|ILIKE) '([^']*)'$")


def like(value, pattern, fold=False):
    regex = "".join(".*" if c == "%" else "." if c == "_" else re.escape(c) for c in pattern)
    return re.fullmatch(regex, value, re.S | (re.I if fold else 0)) is not None


def like_as_file_store(value, pattern, fold=False):
    """LIKE as MLflow 2.17's file store reads it: anchored where the pattern has no `%` at that end,
    `_` and `%` made `.` and `.*`, every other character left to the regular expression."""
    regex = ("" if pattern.startswith("%") else "^") + pattern + ("" if pattern.endswith("%") else "$")
    return re.compile(regex.replace("_", ".").replace("%", ".*"), re.I if fold else 0) \
        .match(value) is not None


def answers(filter_string, params, status="FINISHED", matcher=like):
    """Whether a run with `params` (key -> string as logged) and `status` answers the filter."""
    for clause in filter_string.split(" and "):
        if clause == "attributes.status = 'FINISHED'":
            if status != "FINISHED":
                return False
            continue
        key, op, value = _CLAUSE.match(clause).groups()
        if key not in params:
            return False
        logged = params[key]
        if not (logged == value if op == "=" else matcher(logged, value, fold=op == "ILIKE")):
            return False
    return True


def spellings(canon, rng, n=40):
    """Strings a client could have logged for the number `canon`, each canonically equal to it:
    signs, leading and trailing zeros, a point anywhere, exponents in either case."""
    body = canon[2:]
    negative = body.startswith("-")
    digits, exponent = ("0", 0) if body == "0" else body.lstrip("-").split("e")
    exponent = int(exponent)
    out = set()
    for _ in range(n):
        trail = rng.choice([0, 0, 1, 2])  # value = (digits + zeros) * 10**(exponent - trail)
        whole = "0" * rng.choice([0, 0, 1, 2]) + digits + "0" * trail
        point = rng.randint(0, len(whole))
        frac = len(whole) - point
        written = exponent - trail + frac  # the exponent to write after the point is placed
        text = whole[:point] + "." + whole[point:] if frac or rng.random() < 0.2 else whole
        if written or rng.random() < 0.2:
            text += rng.choice("eE") + ("+" if written >= 0 and rng.random() < 0.5 else "") + \
                str(written)
        sign = "-" if negative or (body == "0" and rng.random() < 0.2) else \
            rng.choice(["", "", "", "+"])
        out.add(sign + text)
    return {s for s in out if canonical_param(s) == canon}


class Spellings(unittest.TestCase):
    def test_the_generator_spells_each_value_many_ways(self):
        rng = random.Random(1)
        for value in (3, 0.001, -2.5, 0, 1e-05, 12, 100):
            found = spellings(canonical_value(value), rng)
            self.assertGreater(len(found), 8, (value, found))

    def test_the_plain_and_the_clients_spellings(self):
        self.assertEqual(number_spellings(canonical_value(1e-05)), {"0.00001", "1e-05"})
        self.assertEqual(number_spellings(canonical_value(3)), {"3"})
        self.assertEqual(number_spellings(canonical_value(-0.25)), {"-0.25"})
        self.assertEqual(number_spellings(canonical_value(1e21)), {"1" + "0" * 21, "1e+21"})
        self.assertEqual(number_spellings("n:0"), {"0"})


class Coverage(unittest.TestCase):
    """Random runs holding a combination of the grid, spelled every which way, each answering at
    least one question; and the questions stay few."""

    GRIDS = [
        {"lr": [1e-4, 1e-3, 1e-2, 0.1, 1.0], "batch_size": list(range(20)), "depth": list(range(10))},
        {"lr": [3e-4, 0.0025], "optimizer": ["adam", "sgd", "adamw"], "nesterov": [True, False]},
        {"shift": [-3, -0.5, 0, 2.5, 1e21], "seed": [0, 1, 2]},
        {"momentum": [0.9, 0.99], "model": ["résnet-🚀", "vit/b-16"], "dropout": [0.0, 0.5]},
        {"x": [10, 100, 1000, 7, 70]},
    ]

    def check(self, grid, seed):
        rng = random.Random(seed)
        canons = {k: {canonical_value(v) for v in vs} for k, vs in grid.items()}
        written = {k: {v if isinstance(v, str) else str(v) for v in vs} for k, vs in grid.items()}
        filters = plan(canons, True, written)
        self.assertIsNotNone(filters)
        nets = {"params.`%s` %s '%s'" % (key, op, pattern) for key in grid
                for op, pattern in net([c for c in canons[key] if c.startswith("n:")])}
        main = [f for f in filters if f.split(" and ")[0] not in nets]
        self.assertLessEqual(len(filters), 48)
        self.assertTrue(0 < len(main) <= MAX_MAIN, main)
        misses = []
        for _ in range(400):
            params = {}
            for key, values in grid.items():
                canon = canonical_value(rng.choice(values))
                if canon.startswith("n:") and canon not in ("n:nan", "n:inf", "n:-inf"):
                    choices = sorted(spellings(canon, rng, 12) | number_spellings(canon))
                    params[key] = rng.choice(choices)
                elif canon == "b:true":
                    params[key] = rng.choice(["True", "true"])
                elif canon == "b:false":
                    params[key] = rng.choice(["False", "false"])
                else:
                    params[key] = canon[2:]
            if not any(answers(f, params) for f in filters):
                misses.append(params)
        self.assertEqual(misses[:5], [])
        # A run that did not finish, or holds another value, answers none of the main questions.
        first = {k: (v[0] if isinstance(v[0], str) else str(v[0])) for k, v in grid.items()}
        self.assertFalse(any(answers(f, first, status="FAILED") for f in filters))

    def test_each_grid(self):
        for n, grid in enumerate(self.GRIDS):
            with self.subTest(grid=n):
                self.check(grid, n)

    def test_the_net_is_needed(self):
        """Each net question is there for a spelling the others miss: without it, a miss."""
        grid = {"lr": [1e-3, 0.5, 2, 0], "n": [-4, -0.25]}
        canons = {k: {canonical_value(v) for v in vs} for k, vs in grid.items()}
        odd = {"lr": ["1E-3", "+2", ".5", "2.", "0.50", "002", "-0", "00.5"],
               "n": ["-.25", "-04", "-4e0", "-0.250"]}
        filters = plan(canons, False)
        for key, spelled in odd.items():
            other = "lr" if key == "n" else "n"
            for text in spelled:
                run = {key: text, other: str(grid[other][0])}
                self.assertTrue(canonical_param(text) in canons[key], text)
                hits = [f for f in filters if answers(f, run)]
                self.assertTrue(hits, text)
                self.assertTrue(all(f.count("params.") == 1 for f in hits), (text, hits))

    def test_a_bench_sized_grid_asks_a_few_questions(self):
        grid = self.GRIDS[0]
        canons = {k: {canonical_value(v) for v in vs} for k, vs in grid.items()}
        filters = plan(canons, True, {k: {str(v) for v in vs} for k, vs in grid.items()})
        self.assertLessEqual(len(filters), 30)
        # every key constrained in the main questions, none left as '%'
        for f in filters:
            self.assertNotIn("LIKE '%'", f)


class CannotAsk(unittest.TestCase):
    def test_a_value_no_filter_can_hold_leaves_its_key_unconstrained(self):
        filters = plan({"name": {"s:it's"}, "lr": {canonical_value(0.1)}}, False)
        self.assertTrue(filters)
        self.assertFalse(any("`name`" in f for f in filters))
        self.assertEqual(plan({"name": {"s:it's"}}, False), None)
        self.assertEqual(plan({"x": {"n:nan"}}, False), None)
        self.assertEqual(plan({"x": {"s:a\\b"}}, False), None)

    def test_a_wildcard_in_a_string_is_asked_exactly(self):
        self.assertEqual(plan({"x": {"s:50%"}}, False), ["params.`x` = '50%'"])
        self.assertEqual(plan({"x": {"s:adam_w", "s:sgd_m"}}, False),
                         ["params.`x` = 'adam_w'", "params.`x` = 'sgd_m'"])
        self.assertEqual(plan({"x": {"s:"}}, False), ["params.`x` = ''"])

    def test_absurd_exponents_cost_nothing_and_break_nothing(self):
        for canon in ("n:1e99999999", "n:1e1e+21", "n:-5e-99999999"):
            filters = plan({"x": {canon}}, True, {"x": {"1e99999999"}})
            self.assertTrue(filters, canon)
            self.assertLess(max(len(f) for f in filters), 200, canon)
            self.assertTrue(any("ILIKE '%e%'" in f for f in filters), canon)

    def test_words_and_strings_are_asked_as_spelled(self):
        filters = plan({"flag": {"b:true"}, "opt": {"s:adam"}}, False)
        self.assertEqual(filters, [
            "params.`flag` = 'True' and params.`opt` = 'adam'",
            "params.`flag` = 'true' and params.`opt` = 'adam'"])

    def test_the_file_store_reads_each_main_question_as_a_superset(self):
        """The file store reads a LIKE pattern as a regular expression: a folded pattern holding
        `[`, `(`, `+`... would select other runs, or none. Such spellings stay exact (`=`), so its
        reading of every main question still holds every run spelled as the clients spell."""
        grids = [{"arch": ["[64, 64]", "[128, 128]", "[256, 256]"], "act": ["relu", "gelu", "tanh"]},
                 {"x": [1e21, 2e21, 3e21, 4e21], "f": ["a+b", "a*b", "(c)", "x|y", "d$"]},
                 {"m": ["résnet 🚀/b", "résnet 🚀/c", "vit 🚀/d"], "n": [1, 2, 3]}]
        for grid in grids:
            canons = {k: {canonical_value(v) for v in vs} for k, vs in grid.items()}
            written = {k: {v if isinstance(v, str) else str(v) for v in vs} for k, vs in grid.items()}
            filters = plan(canons, True, written)
            nets = {"params.`%s` %s '%s'" % (key, op, pattern) for key in grid
                    for op, pattern in net([c for c in canons[key] if c.startswith("n:")])}
            main = [f for f in filters if f.split(" and ")[0] not in nets]
            for combo in itertools.product(*[[(k, v) for v in vs] for k, vs in grid.items()]):
                for spelled in itertools.product(*[
                        [(k, s) for s in ({v} if isinstance(v, str) else number_spellings(
                            canonical_value(v)) | {str(v)})] for k, v in combo]):
                    run = dict(spelled)
                    self.assertTrue(any(answers(f, run, matcher=like_as_file_store)
                                        for f in main), (run, main))

    def test_no_numbers_no_net(self):
        self.assertEqual(net([]), [])


if __name__ == "__main__":
    unittest.main()
