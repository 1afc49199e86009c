import * as assert from 'assert';
import * as vscode from 'vscode';
import { runlensExtension } from './support/host';

const minor = (v: string) => /(\d+)\.(\d+)/.exec(v)!.slice(1, 3).map(Number);
const atLeast = (v: string, min: string) => { const [a, b] = minor(v); const [c, d] = minor(min); return a > c || (a === c && b >= d); };

describe('the VS Code this suite runs in', () => {
  const engines: string = runlensExtension().packageJSON.engines.vscode;

  it('is the one its tier of `npm test` is for (RUNLENS_TEST_VSCODE)', function () {
    const wanted = process.env.RUNLENS_TEST_VSCODE;
    if (!wanted) this.skip();
    assert.deepStrictEqual(minor(vscode.version), minor(wanted!), `VS Code ${vscode.version}`);
  });

  it(`is one the manifest says RunLens runs in (engines.vscode ${engines})`, () => {
    assert.ok(atLeast(vscode.version, engines), `VS Code ${vscode.version}`);
  });

  it('is, in the tier for the oldest, the oldest the manifest allows: what RunLens claims is what is tested', function () {
    if (process.env.RUNLENS_TEST_VSCODE_OLDEST !== '1') this.skip();
    assert.deepStrictEqual(minor(vscode.version), minor(engines),
      `engines.vscode is ${engines} but this tier runs VS Code ${vscode.version}: move the tier to that version (test/harness/versions.mjs)`);
  });
});
