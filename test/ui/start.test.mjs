import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { REPO, keepScreenshot } from './helpers.mjs';

// `npm start` is how a developer first sees RunLens: prove that path, end to end, in its
// screenshot mode (the same build, demo workspace, runs logged by python/runlens and code-server).
describe('npm start', function () {
  let out = '';
  let code;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'runlens-start-'));
  const png = path.join(dir, 'demo.png');

  before(async function () {
    this.timeout(240000);
    const child = spawn('npm', ['start', '--silent', '--', '--screenshot', png], {
      cwd: REPO,
      env: { ...process.env, RUNLENS_DEMO_DIR: path.join(dir, 'runlens-demo') },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout.on('data', (d) => { out += d; });
    child.stderr.on('data', (d) => { out += d; });
    code = await new Promise((resolve) => child.on('close', (c) => resolve(c)));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('builds, logs the demo runs, and shows the RunLens view in the workbench', function () {
    assert.equal(code, 0, `npm start -- --screenshot exited ${code}:\n${out}`);
    assert.match(out, /the RunLens view is showing/);
    assert.ok(fs.statSync(png).size > 10000, 'the screenshot is a real picture');
    keepScreenshot(png, 'demo', { readme: true });
  });

  it('shows the runs the demo logged in the Runs view', function () {
    const rows = JSON.parse(/runs view rows: (.*)/.exec(out)?.[1] ?? '[]');
    assert.ok(rows.length > 0, `the Runs view listed nothing:\n${out}`);
  });
});
