#!/usr/bin/env node
// Fails on an import cycle among the Python client's modules (python/runlens), as
// dependency-cruiser does for the TypeScript (`npm run deps` runs both). Reads each module's
// relative imports with Python's own parser (Debian's /usr/bin/python3, else python3).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const PACKAGE = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../python/runlens');
const python = fs.existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';
// Imports inside functions count too: deferring an import hides a cycle, it does not break it.
const reader = String.raw`
import ast, json, os, sys
pkg = sys.argv[1]
graph = {}
def module_of(path):
    rel = os.path.relpath(path, pkg)[:-3].replace(os.sep, ".")
    return rel[:-len(".__init__")] if rel.endswith(".__init__") else ("" if rel == "__init__" else rel)
modules = set()
for folder, _, names in os.walk(pkg):
    for name in names:
        if name.endswith(".py"):
            modules.add(module_of(os.path.join(folder, name)))
for folder, _, names in sorted(os.walk(pkg)):
    for name in sorted(names):
        if not name.endswith(".py"):
            continue
        path = os.path.join(folder, name)
        mod = module_of(path)
        package = mod if name == "__init__.py" else mod.rpartition(".")[0]
        tree = ast.parse(open(path, encoding="utf-8").read(), name)
        deps = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.level >= 1:
                base = package.split(".") if package else []
                base = base[:len(base) - (node.level - 1)] if node.level > 1 else base
                prefix = ".".join(base + ([node.module] if node.module else []))
                if node.module and prefix in modules:
                    deps.add(prefix)
                for alias in node.names:
                    target = (prefix + "." if prefix else "") + alias.name
                    if target in modules:
                        deps.add(target)
                    elif not node.module and prefix in modules:
                        deps.add(prefix)
        graph[mod or "runlens"] = sorted((d or "runlens") for d in deps if (d or "runlens") != (mod or "runlens"))
print(json.dumps(graph))
`;
const r = spawnSync(python, ['-c', reader, PACKAGE], { encoding: 'utf8' });
if (r.status !== 0) {
  console.error(`reading python/runlens's imports failed:\n${r.stderr}`);
  process.exit(2);
}
const graph = JSON.parse(r.stdout);
const cycles = [];
const state = new Map();
const stack = [];
const visit = (m) => {
  state.set(m, 'open');
  stack.push(m);
  for (const d of graph[m] ?? []) {
    if (state.get(d) === 'open') cycles.push([...stack.slice(stack.indexOf(d)), d].join(' -> '));
    else if (!state.has(d)) visit(d);
  }
  stack.pop();
  state.set(m, 'done');
};
for (const m of Object.keys(graph).sort()) if (!state.has(m)) visit(m);
if (cycles.length) {
  for (const c of cycles) console.error(`import cycle in python/runlens: ${c}`);
  console.error('Break it: move what both need into a module of its own, or import inside the function that needs it.');
  process.exit(1);
}
console.log(`no import cycle among python/runlens's ${Object.keys(graph).length} modules`);
