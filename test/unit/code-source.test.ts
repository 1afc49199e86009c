import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { codeSource, keptCodePath } from '../../src/core/code/source';
import { gitShow } from '../../src/core/code/git';

const SHA = 'ab'.repeat(32);
const run = (over: Partial<{ scriptPath: string | null; scriptSha256: string | null; commit: string | null }> = {}) => ({
  scriptPath: over.scriptPath === undefined ? '/w/train.py' : over.scriptPath,
  scriptSha256: over.scriptSha256 === undefined ? SHA : over.scriptSha256,
  git: { commit: over.commit === undefined ? 'deadbeef' : over.commit },
});

describe('where a run\'s code is read back from', () => {
  it('is the copy kept by its content\'s sha256 when there is one', () => {
    assert.deepEqual(codeSource(run(), '/w/.runlens', '/w', () => true), { kind: 'copy', file: keptCodePath('/w/.runlens', SHA), name: 'train.py' });
    assert.equal(keptCodePath('/w/.runlens', SHA), path.join('/w/.runlens', 'code', SHA));
  });

  it('is the run\'s commit in git when no copy was kept (an imported run), a relative script read from the folder', () => {
    assert.deepEqual(codeSource(run({ scriptSha256: null, scriptPath: 'src/train.py' }), '/w/.runlens', '/w', () => false),
      { kind: 'git', commit: 'deadbeef', script: path.join('/w', 'src/train.py'), name: 'train.py' });
    assert.equal(codeSource(run(), '/w/.runlens', '/w', () => false).kind, 'git');
  });

  it('is nowhere, with the reason, without a script, or without a copy and a commit', () => {
    assert.match((codeSource(run({ scriptPath: null }), '/r', '/w', () => true) as { reason: string }).reason, /no script/);
    assert.match((codeSource(run({ commit: null }), '/r', '/w', () => false) as { reason: string }).reason, /no copy/);
    assert.equal(codeSource(run({ commit: '--upload-pack=x', scriptSha256: null }), '/r', '/w', () => false).kind, 'none', 'not a commit: never handed to git');
    assert.equal(codeSource(run({ scriptSha256: '../../etc/passwd', commit: null }), '/r', '/w', () => true).kind, 'none', 'not a sha256: never a path');
  });
});

describe('an imported run\'s script read from git', () => {
  const repo = fs.mkdtempSync(path.join(os.tmpdir(), 'runlens-git-'));
  const git = (...args: string[]) => execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', ...args], { cwd: repo, encoding: 'utf8' }).trim();
  let first = '';
  before(() => {
    git('init', '-q');
    fs.mkdirSync(path.join(repo, 'src'));
    fs.writeFileSync(path.join(repo, 'src', 'train.py'), 'lr = 0.1\n');
    git('add', '.');
    git('commit', '-qm', 'one');
    first = git('rev-parse', 'HEAD');
    fs.writeFileSync(path.join(repo, 'src', 'train.py'), 'lr = 0.2\n');
    git('commit', '-qam', 'two');
  });
  after(() => fs.rmSync(repo, { recursive: true, force: true }));

  it('is the file as it was at the run\'s commit, whatever it is now', async () => {
    assert.equal(await gitShow(first, path.join(repo, 'src', 'train.py')), 'lr = 0.1\n');
    assert.equal(await gitShow(first.slice(0, 10), path.join(repo, 'src', 'train.py')), 'lr = 0.1\n', 'an abbreviated commit');
  });

  it('says why when the commit or the file is not there, or there is no repository', async () => {
    await assert.rejects(gitShow('0123456789abcdef', path.join(repo, 'src', 'train.py')), /has no src\/train\.py at commit 0123456789ab/);
    await assert.rejects(gitShow(first, path.join(repo, 'src', 'gone.py')), /has no src\/gone\.py/);
    const elsewhere = fs.mkdtempSync(path.join(os.tmpdir(), 'runlens-nogit-'));
    try {
      await assert.rejects(gitShow(first, path.join(elsewhere, 'train.py')), /not in a git repository/);
    } finally {
      fs.rmSync(elsewhere, { recursive: true, force: true });
    }
  });
});
