/**
 * Where the code a run ran can be read back: the copy the Python client kept under
 * `.runlens/code/<sha256>` (once per distinct content), else the run's commit in the folder's git
 * repository (`git show <commit>:<path>`, for imported runs), else nowhere, with the reason.
 * Pure (paths only), unit-tested in plain Node.
 */
import * as path from 'node:path';

export type CodeSource =
  | { kind: 'copy'; file: string; name: string }
  | { kind: 'git'; commit: string; script: string; name: string }
  | { kind: 'none'; reason: string };

export interface RunCode {
  scriptPath: string | null;
  scriptSha256: string | null;
  git: { commit: string | null };
}

const SHA256 = /^[0-9a-f]{64}$/;
const COMMIT = /^[0-9a-f]{7,64}$/i;

/** The kept copy of a script by its content's sha256: `<storeDir>/code/<sha256>`. */
export function keptCodePath(storeDir: string, sha256: string): string {
  return path.join(storeDir, 'code', sha256);
}

/**
 * Where to read a run's script: `hasCopy` says whether a kept copy exists (the caller looks);
 * `folder` is the workspace folder, against which a relative script path (an import) is read.
 */
export function codeSource(run: RunCode, storeDir: string, folder: string, hasCopy: (file: string) => boolean): CodeSource {
  if (!run.scriptPath) return { kind: 'none', reason: 'it recorded no script (a notebook, `python -c`, or an import without one)' };
  const name = path.basename(run.scriptPath.replace(/\\/g, '/'));
  const sha = run.scriptSha256?.toLowerCase();
  if (sha && SHA256.test(sha)) {
    const file = keptCodePath(storeDir, sha);
    if (hasCopy(file)) return { kind: 'copy', file, name };
  }
  const commit = run.git.commit;
  if (commit && COMMIT.test(commit)) {
    const script = path.isAbsolute(run.scriptPath) ? run.scriptPath : path.join(folder, run.scriptPath);
    return { kind: 'git', commit, script, name };
  }
  return { kind: 'none', reason: sha ? 'no copy of its script was kept (`runlens.pythonClient.keepScriptCopies` off, the script over the size cap, or run before copies were kept) and it recorded no git commit' : 'it recorded neither its script\'s content nor a git commit' };
}
