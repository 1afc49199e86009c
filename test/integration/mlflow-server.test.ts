/**
 * A tracking server's runs in the real VS Code: in the tree, counted by a loop's lens, skipped by a
 * sweep, and still there, marked offline with the time of the last sync, when the server stops.
 * Contract tier (always): the recorded MLflow 2.17.2 traffic, served back (test/support/mlflowReplay.ts).
 * Live tier: RUNLENS_TEST_MLFLOW_URI names a real server (npm run test:live), reached through a relay
 * the test can stop.
 */
import * as assert from 'assert';
import * as path from 'path';
import * as vscode from 'vscode';
import { runlensExtension, waitFor } from './support/host';
import { runDetail, runsOf, writeWorkspaceFile } from './support/launch';
import type { SweepResult } from '../../src/launch/sweep';
import { MlflowReplay } from '../support/mlflowReplay';
import { Relay, seedRun } from '../support/liveMlflow';

interface ServerUnderTest { uri: string; experiment: string; follow: string[]; stop(): Promise<void>; start(): Promise<void>; close(): Promise<void> }

const LIVE = process.env.RUNLENS_TEST_MLFLOW_URI;

async function contractServer(): Promise<ServerUnderTest> {
  const fixtures = process.env.RUNLENS_FIXTURES ?? path.join(runlensExtension().extensionPath, '..', 'shared', 'fixtures');
  const replay = await MlflowReplay.start(path.join(fixtures, 'mlflow-2.17.2', 'rest'), ['008', '134']);
  // The recording paged by 100 runs; RunLens asks 1,000 a page, the same question otherwise.
  process.env.RUNLENS_MLFLOW_PAGE_SIZE = '100';
  return {
    uri: replay.uri, experiment: 'rec-alpha', follow: ['rec-alpha', 'rec-beta'],
    stop: () => replay.stop(), start: () => replay.restart(),
    close: async () => { await replay.stop(); assert.deepStrictEqual(replay.unmatched, [], 'RunLens asked only what the recorded server was asked'); },
  };
}

async function liveServer(uri: string): Promise<ServerUnderTest> {
  const experiment = `runlens-live-${Date.now().toString(36)}`;
  await seedRun(uri, experiment, 'server-only', { lr: '0.001', batch_size: '32' }, { accuracy: 0.91 });
  const relay = new Relay(new URL(uri));
  await relay.start();
  return { uri: relay.uri, experiment, follow: [experiment], stop: () => relay.stop(), start: () => relay.start(), close: () => relay.stop() };
}

describe(`an MLflow tracking server's runs in the editor (${LIVE ? `live: ${LIVE}` : 'recorded MLflow 2.17.2'})`, function () {
  this.timeout(120_000);
  let server: ServerUnderTest;
  const config = () => vscode.workspace.getConfiguration('runlens');

  before(async () => {
    server = LIVE ? await liveServer(LIVE) : await contractServer();
    await config().update('mlflow.serverPollSeconds', LIVE ? 5 : 3600, vscode.ConfigurationTarget.Workspace);
    await config().update('mlflow.trackingServers', [{ uri: server.uri, experiments: server.follow }], vscode.ConfigurationTarget.Workspace);
  });
  after(async () => {
    await config().update('mlflow.trackingServers', undefined, vscode.ConfigurationTarget.Workspace);
    await config().update('mlflow.serverPollSeconds', undefined, vscode.ConfigurationTarget.Workspace);
    await server.close();
  });

  it('shows the server\'s runs in the tree, each with Open in MLflow', async () => {
    const { tree } = await runlensExtension().activate();
    const experiment = await waitFor(`${server.experiment} in the tree`, async () =>
      (await tree.getChildren()).find((n) => n.kind === 'experiment' && n.experiment.name === server.experiment), 60_000);
    const runs = await tree.getChildren(experiment);
    const items = runs.filter((n) => n.kind === 'run').map((n) => tree.getTreeItem(n));
    assert.ok(items.length >= 1);
    assert.ok(items.every((i) => String(i.contextValue).endsWith('.server')), items.map((i) => i.contextValue).join(', '));
    const run = (await runsOf(server.experiment)).find((r) => r.params.lr === '0.001' && r.status === 'finished');
    const detail = run && await runDetail(run.uid);
    assert.ok(detail?.source.startsWith(`mlflow-server:${server.uri}#`), detail?.source);
  });

  it('counts a combination that exists only on the server in a loop\'s lens, and a sweep skips it', async () => {
    const file = writeWorkspaceFile('server/sweep_lr.py', `import runlens
runlens.set_experiment("${server.experiment}")
for lr in [0.001, 0.25]:
    with runlens.start_run(params={"lr": lr, "batch_size": 32}):
        runlens.log_metric("accuracy", 1 - lr)
`);
    await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(file));
    const title = await waitFor('the lens counting the server\'s run', async () => {
      const lenses = await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', vscode.Uri.file(file));
      return lenses.map((l) => l.command?.title ?? '').find((t) => t.includes('1 of 2'));
    }, 30_000);
    assert.match(title, /1 of 2 combinations logged/);
    const result = await vscode.commands.executeCommand<SweepResult>('runlens.runMissingCombinations', vscode.Uri.file(file), 0, { yes: true });
    assert.deepStrictEqual(result?.runs.map((r) => [r.index, r.status]), [[1, 'finished']], 'only lr=0.25 ran: lr=0.001 is on the server');
  });

  it('keeps everything visible when the server stops, marked offline with the time of the last sync', async () => {
    const { tree, insights } = await runlensExtension().activate();
    await server.stop();
    try {
      await vscode.commands.executeCommand('runlens.refresh');
      const experiment = await waitFor('the offline notice on the experiment', async () => {
        const n = (await tree.getChildren()).find((x) => x.kind === 'experiment' && x.experiment.name === server.experiment);
        return n && String(tree.getTreeItem(n).description).includes('MLflow server offline, as of') ? n : undefined;
      }, 60_000);
      const runs = (await tree.getChildren(experiment)).filter((n) => n.kind === 'run');
      assert.ok(runs.length >= 2, 'the server\'s run and the one the sweep logged');
      const doc = vscode.window.activeTextEditor!.document;
      const [loop] = await waitFor('the lens saying as of when', async () => {
        const ins = await insights.insights(doc);
        return ins[0]?.title.includes('as of') ? ins : undefined;
      }, 30_000);
      assert.match(loop.title, /all 2 combinations logged.* · as of \S+/);
    } finally {
      await server.start();
    }
  });
});
