import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { codeSource, keptCodePath } from '../../src/core/code/source';

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
