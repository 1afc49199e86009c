// Run logs for the UI tests' workspaces, written the way the Python client writes them
// (docs/run-log.md): a small learning-rate sweep with smooth curves, for panels worth looking at.
import fs from 'node:fs';
import path from 'node:path';

/** Writes one finished (or failed) run's log into WORKSPACE/.runlens/runs/<day>/. */
export function logRun(workspace, { id, experiment, name = null, params = {}, history = {}, status = 'finished', t = Date.now(), script = null, git = null }) {
  const dir = path.join(workspace, '.runlens', 'runs', new Date(t).toISOString().slice(0, 10));
  fs.mkdirSync(dir, { recursive: true });
  const points = Object.entries(history).flatMap(([k, values]) => values.map((v, step) => [k, v, step, t + step * 1000]));
  const lines = [
    { e: 'start', v: 1, t, run: id, experiment, name, parent: null, script, git, host: 'gpu-box', pid: 1 },
    { e: 'params', t, params },
    ...(points.length ? [{ e: 'metrics', t, points }] : []),
    { e: 'end', t: t + 60_000, status, error: status === 'failed' ? { type: 'FloatingPointError', message: 'loss is NaN at step 12' } : null },
  ];
  fs.writeFileSync(path.join(dir, `${id}.jsonl`), lines.map((l) => JSON.stringify(l)).join('\n') + '\n');
}

/** Six runs of experiment `mnist`: lr × depth, loss falling and accuracy rising at rates set by lr. */
export function logSweep(workspace) {
  const t0 = Date.now() - 3 * 3600_000;
  let i = 0;
  for (const lr of ['0.001', '0.01', '0.1']) {
    for (const depth of ['2', '4']) {
      const rate = { '0.001': 0.04, '0.01': 0.12, '0.1': 0.3 }[lr] * (depth === '4' ? 1.2 : 1);
      const floor = { '0.001': 0.35, '0.01': 0.12, '0.1': 0.28 }[lr] - (depth === '4' ? 0.04 : 0);
      const wobble = (s) => 0.015 * Math.sin(s * 1.7 + i);
      const loss = Array.from({ length: 40 }, (_, s) => +(floor + (2.3 - floor) * Math.exp(-rate * s) + wobble(s)).toFixed(4));
      const acc = loss.map((l) => +(Math.min(0.99, 1.02 - l / 2.4)).toFixed(4));
      logRun(workspace, {
        id: `run${i}`, experiment: 'mnist', t: t0 + i * 600_000,
        params: { lr, depth, optimizer: i % 2 ? 'adam' : 'sgd', batch_size: '64' },
        history: { loss, accuracy: acc },
        script: { path: path.join(workspace, 'train.py'), sha256: '0'.repeat(64) },
        git: { commit: '3f9c2ab1e4d5c6b7a8f9e0d1c2b3a4f5e6d7c8b9', branch: 'main', dirty: i === 5 },
      });
      i++;
    }
  }
}
