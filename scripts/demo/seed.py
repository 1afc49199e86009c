"""Logs the runs the demo workspace starts with by running the demo's own train.py, as if it had
been run before for four of its six combinations (one of which diverges and is recorded as failed).

It runs train.py exactly as RunLens's "Run the missing combinations" does: through the Python
client's loop runner, which executes the file unchanged and skips the other iterations of its loop.
Run by scripts/demo/prepare.mjs with the demo workspace as the working directory, RUNLENS_DIR
pointing into it and the repository's python/ folder on PYTHONPATH (the real client).
"""
import ast
import os

from runlens import _runner

EARLIER = [{"lr": 0.001, "bs": 32}, {"lr": 0.001, "bs": 64}, {"lr": 0.01, "bs": 32},
           {"lr": 0.1, "bs": 32}]

script = os.path.abspath("train.py")
with open(script, encoding="utf-8") as f:
    tree = ast.parse(f.read())
outer = next(node for node in tree.body if isinstance(node, ast.For))
inner = outer.body[0]  # for bs in ...: the loop whose body sees both values
_runner.run({
    "script": script, "line": inner.lineno, "col": inner.col_offset,
    "reads": {"lr": "lr", "bs": "bs"},
    "todo": [{"index": i, "values": values} for i, values in enumerate(EARLIER)],
})
