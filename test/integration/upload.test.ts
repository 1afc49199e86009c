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
import { spawn, type ChildProcess } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as readline from 'readline';
import * as vscode from 'vscode';
import { runlensExtension, waitFor, workspaceFolder } from './support/host';
import { api, logEvents, runsOf, TRAIN_SCRIPT, writeWorkspaceFile } from './support/launch';
import type { SweepResult } from '../../src/launch/sweep';

const LIVE = process.env.RUNLENS_TEST_MLFLOW_URI;
const PYTHON = fs.existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';

/** The recorded server in a process of its own; its requests are read from a log it appends to. */
class RecordedServer {
  uri = '';
  private proc: ChildProcess | undefined;
  readonly requestLog = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'runlens-recorded-')), 'requests.jsonl');
  unexpected = '';

  /** `auth`: the Authorization header a proxy in front of the server wants (else it answers 401). */
  async start(port = 0, auth?: string): Promise<this> {
    const pythonDir = path.join(runlensExtension().extensionPath, 'python');
    const proc = this.proc = spawn(PYTHON, ['-m', 'tests.mlflowrecorded', '--port', String(port), '--log', this.requestLog, ...(auth ? ['--auth', auth] : []),
      'experiments/get-by-name=017-experiments-get-by-name', 'runs/create=024-runs-create-sweep-parent,025-runs-create-sweep-lr-0-001,026-runs-create-sweep-lr-0-01',
      'runs/log-batch=049-runs-log-batch-child1', 'runs/update=075-runs-update-finished', 'metrics/get-history=157-history-unknown-key',
      'runs/search=113-runs-search-filter-metrics-nan',
      // The window follows the server MLFLOW_TRACKING_URI names (its read side): its experiments, none of whose runs it has.
      'experiments/search=008-experiments-search-all'], { cwd: pythonDir, stdio: ['ignore', 'pipe', 'pipe'] });
    proc.stderr!.on('data', (d: Buffer) => { this.unexpected += d.toString(); });
    const first = await new Promise<string>((resolve, reject) => {
      readline.createInterface({ input: proc.stdout! }).once('line', resolve);
      proc.once('exit', (code) => reject(new Error(`the recorded server exited (${code}): ${this.unexpected}`)));
    });
    this.uri = first.trim();
    return this;
  }

  requests(endpoint: string): Record<string, any>[] {
    if (!fs.existsSync(this.requestLog)) return [];
    return fs.readFileSync(this.requestLog, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l))
      .filter((r) => r.path.endsWith(`/${endpoint}`));
  }

  stop(): void { this.proc?.kill(); }
}

function uploadSteps(logFile: string): string[] {
  return logEvents(logFile).filter((e) => e.e === 'upload').map((e) => e.step);
}

function logFileOf(runId: string): string {
  const runs = path.join(workspaceFolder().uri.fsPath, '.runlens', 'runs');
  for (const day of fs.readdirSync(runs)) {
    const file = path.join(runs, day, `${runId}.jsonl`);
    if (fs.existsSync(file)) return file;
  }
  throw new Error(`no log of run ${runId}`);
}

/** What a process leaves when the server was down for its whole run: a finished log that says it goes to the server, and its outbox entry. */
function leaveWaiting(id: string, serverUri: string): string {
  const day = new Date().toISOString().slice(0, 10);
  const t = Date.now() - 60_000;
  const lines = [
    { e: 'start', v: 1, t, run: id, experiment: 'rec-alpha', name: null, parent: null, script: null, git: null, host: 'test', pid: 1 },
    { e: 'params', t, params: { lr: '0.125' } },
    { e: 'upload', t, server: serverUri, step: 'queued' },
    { e: 'metrics', t, points: [['accuracy', 0.5, 0, t], ['accuracy', 0.75, 1, t + 1]] },
    { e: 'end', t: t + 1000, status: 'finished', error: null },
  ];
  writeWorkspaceFile(path.join('.runlens', 'runs', day, `${id}.jsonl`), lines.map((l) => JSON.stringify(l)).join('\n') + '\n');
  writeWorkspaceFile(path.join('.runlens', 'outbox', `${id}.json`), JSON.stringify({ server: serverUri, log: `runs/${day}/${id}.jsonl` }));
  return path.join(workspaceFolder().uri.fsPath, '.runlens', 'runs', day, `${id}.jsonl`);
}

/** The Runs view's row of a run of rec-alpha, as VS Code shows it. */
async function treeRow(runId: string): Promise<vscode.TreeItem | undefined> {
  const { tree } = await api();
  const experiment = (await tree.getChildren()).find((n) => n.kind === 'experiment' && n.experiment.name === 'rec-alpha');
  if (!experiment) return undefined;
  const row = (await tree.getChildren(experiment)).find((n) => n.kind === 'run' && n.run.uid === runId);
  return row && tree.getTreeItem(row);
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
    server = await new RecordedServer().start();
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
    await waitFor('the server\'s record of both updates', () => server.requests('runs/update').length >= 2, 10_000);
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
    await waitFor('the server\'s record of both runs', () => server.requests('runs/update').length >= 4, 10_000);
    const points = server.requests('runs/log-batch').filter((r) => r.body.params?.some((p: any) => p.value === '0.125'));
    assert.strictEqual(points.length, 2, 'each waiting run sent once');
  });

  it('a run waiting is marked "not uploaded" in the Runs view, and goes up with the credentials entered once in the editor', async () => {
    const guarded = await new RecordedServer().start(0, 'Bearer k3pt');
    // The person's answers: VS Code's own prompts, stood in for (restored below).
    const window = vscode.window as unknown as Record<'showWarningMessage' | 'showQuickPick' | 'showInputBox', unknown>;
    const { showWarningMessage, showQuickPick, showInputBox } = window;
    const asked: string[] = [];
    try {
      process.env.MLFLOW_TRACKING_URI = guarded.uri; // the person's server; its token is not in VS Code's environment
      const log = leaveWaiting('waiting03', guarded.uri);
      const row = await waitFor('the run in the Runs view', () => treeRow('waiting03'));
      assert.match(String(row.description), /not uploaded/);
      assert.ok((row.tooltip as vscode.MarkdownString).value.replace(/\\/g, '').includes(`Not uploaded to ${guarded.uri} yet`));
      assert.match(String(row.contextValue), /\.notUploaded$/);
      // The server refuses: the window says so and offers to take credentials (a person clicks, then gives a token).
      window.showWarningMessage = async (message: string, ...items: unknown[]) => { asked.push(message); return items.find((i) => typeof i === 'string' && i.startsWith('Enter Credentials')); };
      window.showQuickPick = async (items: readonly vscode.QuickPickItem[] | Thenable<readonly vscode.QuickPickItem[]>) => (await items)[0];
      window.showInputBox = async () => 'k3pt';
      await waitFor('the run uploaded with the token kept in secret storage', () => uploadSteps(log).at(-1) === 'done', 60_000);
      assert.ok(asked.some((m) => m.includes('refused the credentials (401)')), asked.join('\n'));
      await waitFor('its row no longer marked', async () => !String((await treeRow('waiting03'))?.description).includes('not uploaded'), 15_000);
      await waitFor('the server\'s record of the run', () => guarded.requests('runs/update').length >= 1, 10_000);
      assert.ok(guarded.requests('experiments/get-by-name').some((r) => r.answered === 'unauthorized'), 'the first try was refused');
      // Nowhere on disk in the clear: not in the folder's .runlens, not in the run log.
      const files = fs.readdirSync(path.join(workspaceFolder().uri.fsPath, '.runlens'), { recursive: true, withFileTypes: true }).filter((d) => d.isFile());
      for (const f of files) assert.ok(!fs.readFileSync(path.join(f.parentPath, f.name)).includes('k3pt'), `${f.name} holds the token`);
    } finally {
      Object.assign(window, { showWarningMessage, showQuickPick, showInputBox });
      guarded.stop();
    }
    assert.strictEqual(guarded.unexpected, '');
  });

  it('the lens counts the sweep\'s runs in a workspace that only follows the server (live tier)', async function () {
    const follows = runlensExtension().packageJSON.contributes?.configuration?.properties?.['runlens.mlflow.trackingServers'];
    if (!LIVE || !follows) {
      // Needs a real server, and the extension's side that follows one (issue 16).
      this.skip();
    }
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
    try {
      await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(loop));
      await waitFor('the lens counting the server\'s runs', async () => {
        const lenses = await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', vscode.Uri.file(loop));
        return lenses.map((l) => l.command?.title ?? '').find((t) => t.includes('2 of 2'));
      }, 90_000);
    } finally {
      await config.update('mlflow.trackingServers', undefined, vscode.ConfigurationTarget.Workspace);
    }
  });
});
