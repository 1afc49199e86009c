import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { listZip } from '../harness/zip.mjs';
import { REPO, useWorkbench } from './helpers.mjs';

const { version } = JSON.parse(fs.readFileSync(path.join(REPO, 'package.json'), 'utf8'));
const VSIX = path.join(REPO, `runlens-${version}.vsix`);
// The code is about 0.8 MB; the rest is the README's screenshots (27, about 2.1 MB), which the
// extension's page in VS Code shows. Anything past this is something packaged by mistake.
const MAX_BYTES = 3 * 1024 * 1024;

describe('npm run package', function () {
  let names = [];
  let output = '';

  before(function () {
    this.timeout(120000);
    fs.rmSync(VSIX, { force: true });
    const r = spawnSync('npm', ['run', '--silent', 'package'], { cwd: REPO, encoding: 'utf8' });
    assert.equal(r.status, 0, `npm run package failed:\n${r.stdout}${r.stderr}`);
    output = `${r.stdout}${r.stderr}`;
    names = listZip(VSIX).map((e) => e.name);
  });
  after(function () {
    this.timeout(60000);
    // `npm run package` left a minified build without source maps in dist/: put the
    // development build back for the tests that come after and for the developer.
    spawnSync(process.execPath, ['esbuild.mjs'], { cwd: REPO, stdio: 'inherit' });
  });

  it(`writes runlens-${version}.vsix, under 3 MB`, function () {
    const size = fs.statSync(VSIX).size;
    assert.ok(size < MAX_BYTES, `${size} bytes`);
  });

  it('packages without a warning from vsce (icon, repository, bugs, homepage, README links)', function () {
    // vsce colours its labels: ' WARNING ' sits between escape codes.
    const warnings = output.split('\n').filter((l) => /\bWARNING\b/.test(l));
    assert.deepEqual(warnings, []);
  });

  it('ships its icon, a PNG of at least 128×128', function () {
    const { icon } = JSON.parse(fs.readFileSync(path.join(REPO, 'package.json'), 'utf8'));
    assert.ok(icon, 'package.json has an icon');
    assert.ok(names.includes(`extension/${icon}`), `${icon} is in the .vsix`);
    const png = fs.readFileSync(path.join(REPO, icon));
    assert.equal(png.subarray(1, 4).toString('latin1'), 'PNG');
    const [width, height] = [png.readUInt32BE(16), png.readUInt32BE(20)];
    assert.ok(width >= 128 && height >= 128, `${width}×${height}`);
  });

  it('ships the bundles, the sql.js WASM, the media, the Python client and the docs', function () {
    const required = [
      'extension/package.json', 'extension/dist/extension.js', 'extension/dist/storeWorker.js', 'extension/dist/mlflowReader.js',
      'extension/dist/cli.js', 'extension/dist/sql-wasm.wasm', 'extension/python/runlens/__init__.py',
      'extension/python/pyproject.toml', 'extension/readme.md', 'extension/changelog.md', 'extension/LICENSE.txt',
    ];
    assert.deepEqual(required.filter((n) => !names.includes(n)), [], `missing from the .vsix; it has:\n${names.join('\n')}`);
    assert.ok(names.some((n) => n.startsWith('extension/media/')), 'media/');
    const webviews = fs.existsSync(path.join(REPO, 'src/webview'))
      && fs.readdirSync(path.join(REPO, 'src/webview')).some((f) => /^[a-z]\w*\.ts$/i.test(f) && !f.startsWith('protocol'));
    if (webviews) assert.ok(names.some((n) => /^extension\/dist\/webview\/\w+\.js$/.test(n)), 'dist/webview/*.js');
  });

  it('ships no sources, tests, dependencies, source maps or Python caches', function () {
    const unwanted = names.filter((n) => /(^|\/)(node_modules|src|test|tests|out|bench|scripts|__pycache__)\/|\.(map|ts|pyc)$/.test(n));
    assert.deepEqual(unwanted, []);
  });

  describe('installed into VS Code from the .vsix', function () {
    // No extension under development here: only what a user installing the .vsix gets.
    const wb = useWorkbench({ workspace: 'python-project', vsix: [VSIX], extensionDevelopmentPath: null });

    it('puts RunLens in the activity bar, and its Runs view opens', async function () {
      await wb.activityBarItem('RunLens').waitFor({ timeout: 30000 });
      await wb.openView('RunLens');
      await wb.view('Runs');
      await wb.screenshot('installed-vsix');
    });

    it('runs the packaged extension: RunLens: Show Output opens its log', async function () {
      await wb.openFile('train.py');
      await wb.runCommand('RunLens: Show Output');
      await wb.page.locator('.part.panel .monaco-select-box[title="RunLens"], .part.panel select.monaco-select-box').first().waitFor({ timeout: 20000 });
      const channel = await wb.page.locator('.part.panel .monaco-select-box').first().evaluate((el) => el.title || el.value || el.textContent);
      assert.match(channel, /RunLens/);
    });
  });
});
