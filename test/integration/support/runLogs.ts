// Writes run logs into the test workspace the way the Python client does (docs/run-log.md).
import * as fs from 'fs';
import * as path from 'path';
import { workspaceFolder } from './host';

export interface LoggedRun {
  id: string;
  experiment: string;
  name?: string;
  params?: Record<string, string>;
  /** Each metric's values at steps 0, 1, 2, … */
  history?: Record<string, (number | string)[]>;
  tags?: Record<string, string>;
  script?: { path: string; sha256: string };
  git?: { commit: string; branch: string; dirty: boolean };
  status?: 'finished' | 'failed';
  /** Start time (ms); runs sort newest first by it. */
  t?: number;
}

export function logRun(r: LoggedRun): void {
  const t = r.t ?? Date.now();
  const dir = path.join(workspaceFolder().uri.fsPath, '.runlens', 'runs', new Date(t).toISOString().slice(0, 10));
  fs.mkdirSync(dir, { recursive: true });
  const points = Object.entries(r.history ?? {}).flatMap(([k, values]) => values.map((v, step) => [k, v, step, t + step]));
  const lines = [
    { e: 'start', v: 1, t, run: r.id, experiment: r.experiment, name: r.name ?? null, parent: null, script: r.script ?? null, git: r.git ?? null, host: 'test', pid: 1 },
    { e: 'params', t, params: r.params ?? {} },
    ...(points.length ? [{ e: 'metrics', t, points }] : []),
    ...(r.tags ? [{ e: 'tags', t, tags: r.tags }] : []),
    { e: 'end', t: t + 1000, status: r.status ?? 'finished', error: r.status === 'failed' ? { type: 'ValueError', message: 'diverged' } : null },
  ];
  fs.writeFileSync(path.join(dir, `${r.id}.jsonl`), lines.map((l) => JSON.stringify(l)).join('\n') + '\n');
}
