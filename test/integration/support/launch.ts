// Helpers for the launch tests: real Python scripts in the workspace, and the runs they log.
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import { runlensExtension, workspaceFolder } from './host';
import type { RunDetail, RunSummary } from '../../../src/core/store/types';
import type { FolderStore } from '../../../src/store/folderStores';

/**
 * A training script as people write them for sweeps: its parameters come from argparse (RunLens
 * passes them as --key value), the run is logged with the client (which logs RUNLENS_PARAMS).
 * LAUNCH_TEST_SLEEP (seconds, read from the environment the extension host passes on) makes a
 * run last long enough to be seen running, or cancelled.
 */
export const TRAIN_SCRIPT = `import argparse, os, sys, time
import runlens

parser = argparse.ArgumentParser()
parser.add_argument("--learning_rate", type=float, default=0.5)
parser.add_argument("--batch", type=int, default=8)
parser.add_argument("--seed", type=int, default=0)
args = parser.parse_args()
with runlens.start_run():
    runlens.set_tag("argv", " ".join(sys.argv[1:]))
    time.sleep(float(os.environ.get("LAUNCH_TEST_SLEEP", "0")))
    runlens.log_metric("accuracy", 1 - args.learning_rate / 10 - args.batch / 1000 + args.seed / 10000)
`;

export const FAILING_SCRIPT = `import runlens
with runlens.start_run():
    runlens.log_metric("loss", 3.5, step=1)
    raise ValueError("diverged at step 3")
`;

/** Fails before it imports the client: only the launcher can record it. */
export const BROKEN_SCRIPT = `import runlens_no_such_module
`;

export function writeWorkspaceFile(relative: string, text: string): string {
  const file = path.join(workspaceFolder().uri.fsPath, relative);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, text);
  return file;
}

export async function api() {
  const ext = runlensExtension();
  return ext.isActive ? ext.exports : ext.activate();
}

export async function store(): Promise<FolderStore> {
  const s = await (await api()).stores.get(workspaceFolder());
  if (!s) throw new Error('the workspace store did not open');
  return s;
}

/** The runs of an experiment, newest first, as the store has them now (after catching up). */
export async function runsOf(experiment: string): Promise<RunSummary[]> {
  const s = await store();
  await s.client.api.refresh();
  const id = await s.client.api.experimentId(experiment);
  return id === undefined ? [] : s.client.api.runs({ experimentId: id, limit: 1000 });
}

export async function runDetail(uid: string): Promise<RunDetail | undefined> {
  const s = await store();
  await s.client.api.refresh();
  return s.client.api.run(uid);
}

/** A finished run's log, as the Python client writes it. */
export function logFinishedRun(id: string, experiment: string, params: Record<string, string>, accuracy: number, seconds: number): void {
  const day = new Date().toISOString().slice(0, 10);
  const t = Date.now() - seconds * 1000 - 60_000;
  const lines = [
    { e: 'start', v: 1, t, run: id, experiment, name: null, parent: null, script: null, git: null, host: 'test', pid: 1 },
    { e: 'params', t, params },
    { e: 'metrics', t, points: [['accuracy', accuracy, 0, t]] },
    { e: 'end', t: t + seconds * 1000, status: 'finished', error: null },
  ];
  writeWorkspaceFile(path.join('.runlens', 'runs', day, `${id}.jsonl`), lines.map((l) => JSON.stringify(l)).join('\n') + '\n');
}

export function logEvents(file: string): Record<string, any>[] {
  return fs.readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
}

export function scriptUri(file: string): vscode.Uri {
  return vscode.Uri.file(file);
}
