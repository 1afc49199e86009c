"""Runs a script with one of its loops guarded, so only chosen combinations of the loop execute.

    python -m runlens._runner SPEC.json

The extension's "Run the missing combinations" uses this for a loop whose values are written in
the script: the script runs once, unchanged on disk, and every iteration of the loop whose
combination is not on the to-do list is skipped at the top of its body, before it costs anything.
SPEC is JSON:

    {"script": "/abs/train.py", "line": 20, "col": 4,
     "reads": {"lr": "lr", "bs": "cfg[\\"bs\\"]"},
     "todo": [{"index": 3, "values": {"lr": 0.1, "bs": 32}}, ...],
     "args": [], "report": "/tmp/report.json"}

`line` and `col` (1-based line, 0-based column in characters) name the `for` statement whose body
is guarded; `reads` say how to read each key's value there (from the extension's analysis); a
combination is wanted when its values, compared by canonical meaning as everywhere in RunLens,
equal one of `todo`'s (a list, tuple or dict is sent as the text `str()` gives it, `"(64, 64)"`).
The script runs as `__main__` under its own file name, so its tracebacks point at its own lines,
and with `sys.argv` = [script] + args. The `report` file, if named, gets which to-do combinations
the loop reached and how many iterations it skipped.
"""

import ast
import builtins
import json
import os
import sys
import types

from ._canonical import canonical_value

GUARD_NAME = "__runlens_guard__"
# A read is an expression of names, constant subscripts and attributes: reading it cannot run code.
_READ_NODES = (ast.Expression, ast.Name, ast.Load, ast.Subscript, ast.Attribute, ast.Constant)


class RunnerError(Exception):
    """The spec does not fit the script: nothing of the script ran."""


def _comparable(value):
    # By str(), as everywhere: the extension sends a list, tuple or dict as the text str() gives it
    # ("(64, 64)"), so a tuple the loop yields matches it and the list [64, 64] does not.
    return canonical_value(value)


class Guard:
    """Answers, per iteration, whether its combination is on the to-do list; counts what it saw."""

    def __init__(self, keys, todo):
        self.keys = list(keys)
        self._todo = {}
        for item in todo:
            values = item["values"]
            if all(k in values for k in self.keys):
                self._todo.setdefault(self._key(values), []).append(item["index"])
        self.reached = []
        self.skipped = 0

    def _key(self, values):
        return tuple(_comparable(values[k]) for k in self.keys)

    def wants(self, values):
        indices = self._todo.get(self._key(values))
        if indices is None:
            self.skipped += 1
            return False
        for index in indices:
            if index not in self.reached:
                self.reached.append(index)
        return True

    def report(self, todo):
        wanted = [item["index"] for item in todo]
        return {"reached": self.reached, "unreached": [i for i in wanted if i not in self.reached],
                "skipped": self.skipped}


def _read_expression(key, text):
    try:
        tree = ast.parse(text, mode="eval")
    except SyntaxError:
        raise RunnerError("the read of %r (%r) is not a Python expression" % (key, text)) from None
    for node in ast.walk(tree):
        if not isinstance(node, _READ_NODES):
            raise RunnerError("the read of %r (%r) may only use names, subscripts and attributes"
                              % (key, text))
    return tree.body


def _column_in_bytes(source_lines, line, col):
    # ast counts columns in UTF-8 bytes; the extension counts characters.
    text = source_lines[line - 1] if 0 < line <= len(source_lines) else ""
    return len(text[:col].encode("utf-8"))


def _find_loop(tree, line, col_bytes):
    for node in ast.walk(tree):
        if isinstance(node, (ast.For, ast.AsyncFor)) and node.lineno == line \
                and node.col_offset == col_bytes:
            return node
    return None


def guarded_code(source, filename, line, col, reads):
    """The script's code with `if not __runlens_guard__.wants({...}): continue` atop the loop's body."""
    tree = ast.parse(source, filename=filename)
    text = source.decode("utf-8") if isinstance(source, bytes) else source
    loop = _find_loop(tree, line, _column_in_bytes(text.splitlines(), line, col))
    if loop is None:
        raise RunnerError("there is no for loop at line %d of %s any more (the file changed since "
                          "RunLens read it): nothing was run" % (line, os.path.basename(filename)))
    values = ast.Dict(keys=[ast.Constant(value=k) for k in reads],
                      values=[_read_expression(k, reads[k]) for k in reads])
    call = ast.Call(func=ast.Attribute(value=ast.Name(id=GUARD_NAME, ctx=ast.Load()),
                                       attr="wants", ctx=ast.Load()),
                    args=[values], keywords=[])
    guard = ast.If(test=ast.UnaryOp(op=ast.Not(), operand=call), body=[ast.Continue()], orelse=[])
    # On the line of the body's first statement: the user's lines keep their numbers.
    first = loop.body[0]
    for node in ast.walk(guard):
        ast.copy_location(node, first)
        node.end_lineno, node.end_col_offset = first.lineno, first.col_offset
    loop.body.insert(0, guard)
    return compile(tree, filename, "exec")


def run(spec):
    script = os.path.abspath(spec["script"])
    try:
        with open(script, "rb") as f:
            source = f.read()
    except OSError as e:
        raise RunnerError("cannot read %s: %s" % (script, e.strerror or e)) from None
    reads = spec["reads"]
    code = guarded_code(source, script, int(spec["line"]), int(spec["col"]), reads)
    guard = Guard(reads.keys(), spec["todo"])
    main = types.ModuleType("__main__")
    main.__file__ = script
    main.__builtins__ = builtins
    setattr(main, GUARD_NAME, guard)
    sys.modules["__main__"] = main
    sys.argv = [script] + list(spec.get("args") or [])
    sys.path[0] = os.path.dirname(script)
    try:
        exec(code, main.__dict__)  # noqa: S102 - the user's own script, as `python script.py` would
    finally:
        outcome = guard.report(spec["todo"])
        report = spec.get("report")
        if report:
            with open(report, "w", encoding="utf-8") as f:
                json.dump(outcome, f)
        sys.stderr.write("runlens: ran %d of the loop's combinations on the list, skipped %d "
                         "iterations%s\n" % (
                             len(outcome["reached"]), outcome["skipped"],
                             "; %d on the list never came up" % len(outcome["unreached"])
                             if outcome["unreached"] else ""))


def main(argv):
    if len(argv) != 2:
        sys.stderr.write("usage: python -m runlens._runner SPEC.json\n")
        return 2
    try:
        with open(argv[1], encoding="utf-8") as f:
            spec = json.load(f)
        run(spec)
    except RunnerError as e:
        sys.stderr.write("runlens: %s\n" % e)
        return 3
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
