/**
 * A script as it was at a commit: `git show <commit>:<path>` in the repository that holds it, for
 * runs whose script was not copied (imported MLflow runs record their commit). Node only, no
 * VS Code; the caller decides whether the workspace is trusted enough to run git in it.
 */
import { execFile } from 'node:child_process';
import * as path from 'node:path';

const GIT_TIMEOUT_MS = 10_000;

export async function gitShow(commit: string, script: string, warn: (message: string) => void = () => {}): Promise<string> {
  const dir = path.dirname(script);
  const git = (args: string[]) => new Promise<string>((resolve, reject) => {
    // GIT_OPTIONAL_LOCKS=0: reading never takes the index lock a person's own git command needs.
    execFile('git', args, { cwd: dir, timeout: GIT_TIMEOUT_MS, maxBuffer: 16 * 1024 * 1024, env: { ...process.env, GIT_OPTIONAL_LOCKS: '0' } }, (e, stdout, stderr) => {
      if (e) { warn(`git ${args.join(' ')} in ${dir}: ${stderr || e.message}`); reject(e); } else resolve(stdout);
    });
  });
  let top: string;
  try {
    top = (await git(['rev-parse', '--show-toplevel'])).trim();
  } catch {
    throw new Error(`${dir} is not in a git repository, so the script cannot be read at commit ${commit.slice(0, 12)}`);
  }
  const rel = path.relative(top, script).split(path.sep).join('/');
  try {
    return await git(['show', `${commit}:${rel}`]);
  } catch {
    throw new Error(`the repository has no ${rel} at commit ${commit.slice(0, 12)} (a commit not fetched here, or the file moved)`);
  }
}
