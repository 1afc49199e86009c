/**
 * Runs reach an MLflow tracking server from VS Code: a launched sweep's runs are uploaded by their
 * own processes, and the window that writes the store uploads the runs left waiting (a server that
 * was down, a process that died), with `RunLens: Upload Pending Runs` to do it now.
 *
 * Contract tier (always): the recorded answers of a real MLflow 2.17.2 server, served by the Python
 * tests' helper in a process of its own (python/tests/mlflowrecorded.py), which refuses any request
 * the real server was not sent. Live tier (RUNLENS_TEST_MLFLOW_URI, with the server-following side
 * of issue 16 in the extension): the sweep lands on the real server, and the lens counts its runs
 * once the workspace, without the runs' logs, follows the server.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import { runlensExtension, waitFor, workspaceFolder } from './support/host';
import { api, runsOf, TRAIN_SCRIPT, writeWorkspaceFile } from './support/launch';
import type { SweepResult } from '../../src/launch/sweep';
import { RecordedServer, uploadSteps, writeWaitingRun } from '../support/recordedServer';

const LIVE = process.env.RUNLENS_TEST_MLFLOW_URI;
/** The recorded server (python/tests/mlflowrecorded.py), run from the extension's own python/ folder. */
const recorded = () => new RecordedServer(path.join(runlensExtension().extensionPath, 'python'));

/** A wait's failure, with what the recorded server has written down by then (and said on stderr). */
const saying = (server: RecordedServer) => (e: Error): never => {
  const paths = server.requests('').map((r) => `${r.path.replace(/^.*\/api\/2\.0\/mlflow\//, '')} (${r.answered})`);
  throw new Error(`${e.message}; the server has written down: ${paths.join(', ') || 'nothing'}${server.unexpected ? `; it said: ${server.unexpected}` : ''}`);
};

function logFileOf(runId: string): string {
  const runs = path.join(workspaceFolder().uri.fsPath, '.runlens', 'runs');
  for (const day of fs.readdirSync(runs)) {
    const file = path.join(runs, day, `${runId}.jsonl`);
    if (fs.existsSync(file)) return file;
  }
  throw new Error(`no log of run ${runId}`);
}

/** A run left waiting for the server in the test workspace. */
const leaveWaiting = (id: string, serverUri: string) => writeWaitingRun(workspaceFolder().uri.fsPath, id, serverUri);

/** The Runs view's row of a run of rec-alpha, as VS Code shows it. */
async function treeRow(runId: string): Promise<vscode.TreeItem | undefined> {
  const { tree } = await api();
  const experiment = (await tree.getChildren()).find((n) => n.kind === 'experiment' && n.experiment.name === 'rec-alpha');
  if (!experiment) return undefined;
  const row = (await tree.getChildren(experiment)).find((n) => n.kind === 'run' && n.run.uid === runId);
  return row && tree.getTreeItem(row);
}

/** Every file under `dir` (Node 20 of VS Code 1.90 has no `parentPath` for a recursive listing). */
function filesUnder(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((d) => {
    const full = path.join(dir, d.name);
    return d.isDirectory() ? filesUnder(full) : d.isFile() ? [full] : [];
  });
}

function outbox(): string[] {
  const dir = path.join(workspaceFolder().uri.fsPath, '.runlens', 'outbox');
  return fs.existsSync(dir) ? fs.readdirSync(dir) : [];
}

describe('runs uploaded to an MLflow tracking server from VS Code', function () {
  this.timeout(180_000);
  let server: RecordedServer;
  let train: string;

  before(async () => {
    server = await recorded().start();
    train = writeWorkspaceFile('upload/train_args.py', TRAIN_SCRIPT);
  });
  afterEach(() => { delete process.env.MLFLOW_TRACKING_URI; });
  after(() => {
    server.stop();
    assert.strictEqual(server.unexpected, '', 'RunLens sent only what the real server was sent');
  });

  it('a sweep launched with a tracking URI lands on the server, each run once, complete', async () => {
    process.env.MLFLOW_TRACKING_URI = server.uri; // as a person's environment names their team's server
    const result = await vscode.commands.executeCommand<SweepResult>('runlens.runSweep', {
      script: train, overrides: 'learning_rate=0.4,0.6', experiment: 'rec-alpha', yes: true,
    });
    assert.ok(result?.started);
    assert.deepStrictEqual(result.runs.map((r) => r.status), ['finished', 'finished']);
    for (const run of result.runs) {
      const steps = await waitFor(`run ${run.runId} uploaded`, () => {
        const s = uploadSteps(logFileOf(run.runId));
        return s.at(-1) === 'done' ? s : undefined;
      }, 30_000);
      assert.deepStrictEqual(steps.slice(0, 3), ['queued', 'creating', 'created']);
    }
    // The server process writes down what it answered a moment later.
    await waitFor('the server\'s record of both updates', () => server.requests('runs/update').length >= 2, 30_000).catch(saying(server));
    const created = server.requests('runs/create').map((r) => r.body.tags.find((t: any) => t.key === 'runlens.run_id')?.value);
    assert.deepStrictEqual(created.sort(), result.runs.map((r) => r.runId).sort(), 'each run created once on the server');
    const params = server.requests('runs/log-batch').flatMap((r) => r.body.params ?? []);
    assert.deepStrictEqual(params.filter((p: any) => p.key === 'learning_rate').map((p: any) => p.value).sort(), ['0.4', '0.6']);
    assert.strictEqual(server.requests('runs/update').filter((r) => r.body.status === 'FINISHED').length, 2);
    assert.deepStrictEqual(outbox(), []);
  });

  it('the window that writes the store uploads a run left waiting, by itself and with Upload Pending Runs', async () => {
    process.env.MLFLOW_TRACKING_URI = server.uri;
    const pending = (id: string) => leaveWaiting(id, server.uri);
    const first = pending('waiting01');
    await waitFor('the waiting run uploaded in the background', () => uploadSteps(first).at(-1) === 'done', 60_000);
    const second = pending('waiting02');
    await vscode.commands.executeCommand('runlens.uploadPendingRuns');
    assert.strictEqual(uploadSteps(second).at(-1), 'done');
    assert.deepStrictEqual(outbox(), []);
    await waitFor('the server\'s record of both runs', () => server.requests('runs/update').length >= 4, 30_000).catch(saying(server));
    const points = server.requests('runs/log-batch').filter((r) => r.body.params?.some((p: any) => p.value === '0.125'));
    assert.strictEqual(points.length, 2, 'each waiting run sent once');
  });

  it('a run waiting is marked "not uploaded" in the Runs view; a server that refuses keeps it waiting, and the token of VS Code\'s environment takes it up', async () => {
    // Entering credentials through VS Code's prompts (kept in secret storage) is driven in the real
    // workbench: test/ui/upload.test.mjs.
    const guarded = await recorded().start(0, 'Bearer k3pt');
    try {
      process.env.MLFLOW_TRACKING_URI = guarded.uri; // the person's server; its token is not in VS Code's environment yet
      const log = leaveWaiting('waiting03', guarded.uri);
      const row = await waitFor('the run in the Runs view', () => treeRow('waiting03'));
      assert.match(String(row.description), /not uploaded/);
      assert.ok((row.tooltip as vscode.MarkdownString).value.replace(/\\/g, '').includes(`Not uploaded to ${guarded.uri} yet`));
      assert.match(String(row.contextValue), /\.notUploaded$/);
      await waitFor('the window\'s own try, refused', () => guarded.requests('experiments/get-by-name').some((r) => r.answered === 'unauthorized'), 30_000).catch(saying(guarded));
      assert.notStrictEqual(uploadSteps(log).at(-1), 'done');
      assert.match(String((await treeRow('waiting03'))?.description), /not uploaded/, 'still waiting');
      // The person sets the token where MLflow reads it, and uploads now (again, if the refused try was still ending).
      process.env.MLFLOW_TRACKING_TOKEN = 'k3pt';
      await waitFor('the run uploaded with the token of the environment', async () => {
        if (uploadSteps(log).at(-1) !== 'done') await vscode.commands.executeCommand('runlens.uploadPendingRuns');
        return uploadSteps(log).at(-1) === 'done';
      }, 60_000);
      await waitFor('its row no longer marked', async () => !String((await treeRow('waiting03'))?.description).includes('not uploaded'), 15_000);
      await waitFor('the server\'s record of the run', () => guarded.requests('runs/update').length >= 1, 30_000).catch(saying(guarded));
      // Nowhere on disk in the clear: not in the folder's .runlens, not in the run log.
      for (const file of filesUnder(path.join(workspaceFolder().uri.fsPath, '.runlens'))) assert.ok(!fs.readFileSync(file).includes('k3pt'), `${file} holds the token`);
    } finally {
      delete process.env.MLFLOW_TRACKING_TOKEN;
      guarded.stop();
    }
    assert.strictEqual(guarded.unexpected, '');
  });

  it('the lens counts the sweep\'s runs in a workspace that only follows the server (live tier)', async function () {
    // Needs a real server.
    if (!LIVE) this.skip();
    const experiment = `upload-live-${Date.now().toString(36)}`;
    process.env.MLFLOW_TRACKING_URI = LIVE;
    const loop = writeWorkspaceFile('upload/live_loop.py', `import runlens
runlens.set_experiment("${experiment}")
for lr in [0.4, 0.6]:
    with runlens.start_run(params={"learning_rate": lr}):
        runlens.log_metric("accuracy", 1 - lr)
`);
    const result = await vscode.commands.executeCommand<SweepResult>('runlens.runSweep', {
      script: train, overrides: 'learning_rate=0.4,0.6', experiment, yes: true,
    });
    assert.deepStrictEqual(result?.runs.map((r) => r.status), ['finished', 'finished']);
    for (const run of result!.runs) {
      await waitFor(`run ${run.runId} on the server`, () => uploadSteps(logFileOf(run.runId)).at(-1) === 'done', 60_000);
    }
    // A fresh workspace: the runs' logs are not here, only the server has them.
    for (const run of result!.runs) fs.rmSync(logFileOf(run.runId));
    await vscode.commands.executeCommand('runlens.rebuildStore');
    assert.deepStrictEqual(await runsOf(experiment), []);
    const config = vscode.workspace.getConfiguration('runlens');
    await config.update('mlflow.trackingServers', [{ uri: LIVE, experiments: [experiment] }], vscode.ConfigurationTarget.Workspace);
    let followed: unknown[] = [];
    const timer = setInterval(() => { void runsOf(experiment).then((r) => { followed = r.map((x) => [x.uid, x.status, x.params]); }); }, 2000);
    try {
      await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(loop));
      let titles: string[] = [];
      await waitFor('the lens counting the server\'s runs', async () => {
        const lenses = await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', vscode.Uri.file(loop));
        titles = lenses.map((l) => l.command?.title ?? '');
        return titles.find((t) => t.includes('all 2 combinations logged'));
      }, 90_000).catch((e: Error) => { throw new Error(`${e.message}; the lens said: ${JSON.stringify(titles)}; the server's runs here: ${JSON.stringify(followed)}`); });
    } finally {
      clearInterval(timer);
      await config.update('mlflow.trackingServers', undefined, vscode.ConfigurationTarget.Workspace);
    }
  });
});
