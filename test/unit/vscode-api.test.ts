import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { repoRoot } from './support/repo';

const json = (file: string) => JSON.parse(fs.readFileSync(path.join(repoRoot(), file), 'utf8'));
const minor = (v: string) => /(\d+)\.(\d+)/.exec(v)!.slice(1, 3).join('.');

describe('the VS Code API RunLens is written against', () => {
  it('is that of the oldest VS Code it claims (engines.vscode): an API added later fails the typecheck', () => {
    const pkg = json('package.json');
    assert.equal(pkg.devDependencies['@types/vscode'], json('node_modules/@types/vscode/package.json').version, 'pinned exactly, so no install moves it');
    assert.equal(minor(pkg.devDependencies['@types/vscode']), minor(pkg.engines.vscode));
  });
});
