import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Credentials } from '../mlflowServer/credentials';
import { readUploadOutput, uploaderArgs, uploaderEnv, type UploadOutcome } from './outbox';

/** One run of the Python client's uploader (`python -m runlens.upload`) for a folder and a server. */
export interface UploaderRun {
  readonly child: ChildProcess;
  /** What it said; `failure` instead when it did not run (no such interpreter, a usage error, killed). */
  readonly done: Promise<{ outcome?: UploadOutcome; failure?: string; stderr: string }>;
}

/**
 * Starts the uploader with `python` for the runs of `storeDir` waiting for `server`, with
 * `credentials` in its environment only (core/upload/outbox.ts uploaderEnv). The extension and
 * `runlens sync` both upload through it, so there is one uploader, the Python client's.
 */
export function startUploader(python: string, server: string, storeDir: string, clientDir: string,
  credentials: Credentials | undefined, base: NodeJS.ProcessEnv = process.env): UploaderRun {
  const child = spawn(python, uploaderArgs(server), {
    cwd: path.dirname(storeDir), env: uploaderEnv(base, storeDir, clientDir, credentials), stdio: ['ignore', 'pipe', 'pipe'],
  });
  const done = new Promise<{ outcome?: UploadOutcome; failure?: string; stderr: string }>((resolve) => {
    let out = '';
    let err = '';
    child.stdout!.on('data', (d: Buffer) => { out += d.toString('utf8'); });
    child.stderr!.on('data', (d: Buffer) => { err += d.toString('utf8'); });
    let settled = false;
    const finish = (code: number | null, failure?: Error) => {
      if (settled) return;
      settled = true;
      // 1: some runs still wait (said in the outcome); 2: a usage error; null: killed.
      if (failure || code === 2 || code === null) resolve({ failure: failure?.message ?? (code === null ? 'stopped' : `exit ${code}`), stderr: err });
      else resolve({ outcome: readUploadOutput(out), stderr: err });
    };
    child.on('error', (e) => finish(null, e));
    child.on('close', (code) => finish(code));
  });
  return { child, done };
}

/**
 * The Python client that ships beside the command line (`dist/cli.js` has it at `../python`), or
 * undefined: the first of the folders above `from` that holds `python/runlens/__init__.py`.
 */
export function pythonClientDir(from: string): string | undefined {
  let dir = from;
  for (let i = 0; i < 4; i++) {
    const candidate = path.join(dir, 'python');
    if (fs.existsSync(path.join(candidate, 'runlens', '__init__.py'))) return candidate;
    const up = path.dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  return undefined;
}
