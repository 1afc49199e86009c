import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { REPO, useWorkbench } from './helpers.mjs';

/**
 * The recorded MLflow 2.17.2 server (test/support/mlflowReplay.ts), in a process of its own, so the
 * workbench's settings can name it before it opens.
 */
async function startRecordedServer() {
  const fixtures = process.env.RUNLENS_FIXTURES ?? path.join(REPO, '..', 'shared', 'fixtures');
  const child = spawn(process.execPath, [path.join(REPO, 'out/test/support/mlflowReplay.js'), path.join(fixtures, 'mlflow-2.17.2', 'rest'), '008', '134'], { stdio: ['pipe', 'pipe', 'inherit'] });
  const uri = await new Promise((resolve, reject) => {
    child.stdout.once('data', (d) => resolve(String(d).trim()));
    child.once('exit', (code) => reject(new Error(`the recorded server exited (${code})`)));
  });
  // Started when this file loads, so a run whose --grep leaves these tests out never reaches `after`:
  // nothing here keeps the test process alive, and the server ends when its standard input closes.
  child.unref();
  child.stdout.unref?.();
  child.stdin.unref?.();
  return { uri, stop: () => new Promise((resolve) => { child.once('exit', resolve); child.kill('SIGTERM'); }) };
}

const server = await startRecordedServer();

describe('A tracking server\'s runs, as a person sees them', function () {
  const wb = useWorkbench({
    workspace: 'python-project',
    settings: {
      'runlens.mlflow.trackingServers': [{ uri: server.uri, experiments: ['rec-alpha', 'rec-beta'] }],
      'runlens.mlflow.serverPollSeconds': 3600,
    },
    // The recording paged by 100 runs; RunLens asks 1,000 a page, the same question otherwise.
    env: { RUNLENS_MLFLOW_PAGE_SIZE: '100' },
  });
  after(() => server.stop());

  it('lists the server\'s experiments and runs in the RunLens view', async function () {
    await wb.openView('RunLens');
    await wb.expandTreeRow('Runs', 'rec-alpha');
    const items = await wb.treeItems('Runs', { min: 6 });
    const names = items.map((i) => i.label ?? i.text ?? '').join('\n');
    assert.match(names, /rec-alpha/);
    assert.match(names, /sweep-parent/);
    assert.match(names, /still-running/);
    await wb.screenshot('server-runs-tree', { readme: true });
  });

  it('counts a combination only the server has in a loop\'s lens', async function () {
    fs.writeFileSync(path.join(wb.workspace, 'server_sweep.py'), [
      'import runlens', '',
      'runlens.set_experiment("rec-alpha")',
      'for lr in [0.001, 0.01, 0.25]:',
      '    with runlens.start_run(params={"lr": lr, "batch_size": 32, "optimizer": "adamw"}):',
      '        runlens.log_metric("acc", 1 - lr)', '',
    ].join('\n'));
    await wb.openFile('server_sweep.py');
    const lens = wb.page.locator('.codelens-decoration a', { hasText: /RunLens: 1 of 3 combinations logged/ }).first();
    await lens.waitFor({ timeout: 30000 });
    assert.match(await lens.innerText(), /1 failed/);
    await wb.screenshot('server-lens', { readme: true });
  });
});
