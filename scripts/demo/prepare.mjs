// Lays out the demo workspace that `npm start` opens: a copy of scripts/demo/workspace/ (train.py,
// a parameter sweep) with a few runs already logged by the real Python client (python/runlens),
// so that the Runs view and the CodeLens have something to show.
//
// The workspace lives outside the checkout, in $RUNLENS_DEMO_DIR or ~/.cache/runlens-demo, and is
// recreated every time.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const REPO = path.resolve(HERE, '../..');
// Only a folder carrying this marker is ever deleted, so a mistyped RUNLENS_DEMO_DIR costs nothing.
const MARKER = '.runlens-demo';

export const DEFAULT_DEMO_DIR = path.resolve(process.env.RUNLENS_DEMO_DIR
  || path.join(process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache'), 'runlens-demo'));

/** Recreates the demo workspace in `dir` and logs its first runs; returns `dir`. Throws with a reason. */
export function prepareDemo(dir = DEFAULT_DEMO_DIR) {
  const client = path.join(REPO, 'python/runlens/__init__.py');
  if (!fs.existsSync(client)) {
    throw new Error(`the demo needs the RunLens Python client to log its first runs, and ${path.relative(REPO, client)} does not exist yet`);
  }
  if (fs.existsSync(dir)) {
    if (!fs.existsSync(path.join(dir, MARKER))) {
      throw new Error(`${dir} exists and is not a RunLens demo workspace (no ${MARKER} file): not touching it; remove it or set RUNLENS_DEMO_DIR`);
    }
    fs.rmSync(dir, { recursive: true, force: true });
  }
  fs.cpSync(path.join(HERE, 'workspace'), dir, { recursive: true });
  fs.writeFileSync(path.join(dir, MARKER), 'Created by RunLens `npm start`; deleted and recreated on every start.\n');

  const seed = spawnSync('python3', [path.join(HERE, 'seed.py')], {
    cwd: dir,
    encoding: 'utf8',
    env: {
      ...process.env,
      RUNLENS_DIR: path.join(dir, '.runlens'),
      PYTHONPATH: [path.join(REPO, 'python'), process.env.PYTHONPATH].filter(Boolean).join(path.delimiter),
      PYTHONDONTWRITEBYTECODE: '1', // no __pycache__ in python/runlens (it would be packaged)
    },
  });
  if (seed.error || seed.status !== 0) {
    throw new Error(`logging the demo's first runs with python/runlens failed (python3 scripts/demo/seed.py, exit ${seed.status ?? seed.error}):\n${seed.stdout}${seed.stderr}`);
  }
  return dir;
}
