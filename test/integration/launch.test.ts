import * as assert from 'assert';
import * as vscode from 'vscode';
import { waitFor } from './support/host';
import { api, BROKEN_SCRIPT, FAILING_SCRIPT, logEvents, logFinishedRun, runDetail, runsOf, store, TRAIN_SCRIPT, writeWorkspaceFile } from './support/launch';
import type { LaunchedRun } from '../../src/launch/launcher';
import type { SweepResult } from '../../src/launch/sweep';
import type { RunsNode } from '../../src/runs/tree';

// Real processes: python3 runs each script with the bundled client, as a person's run would.
describe('launching experiments and sweeps, with a real Python', function () {
  this.timeout(120_000);
  let train: string;

  before(() => {
    train = writeWorkspaceFile('launch/train_args.py', TRAIN_SCRIPT);
  });
  afterEach(() => { delete process.env.LAUNCH_TEST_SLEEP; });

  it('Run Experiment runs the script in a task terminal; the run shows at once as running, then finished', async () => {
    process.env.LAUNCH_TEST_SLEEP = '2';
    const launched = await vscode.commands.executeCommand<LaunchedRun>('runlens.runExperiment', vscode.Uri.file(train));
    assert.ok(launched, 'the command launched a run');
    const running = await waitFor('the run in the store, running', async () => {
      const r = await runDetail(launched.runId);
      return r?.status === 'running' ? r : undefined;
    }, 3000);
    assert.strictEqual(running.experiment, 'Default', "the client's default: the script names none");
    const { tree } = await api();
    const roots = await tree.getChildren();
    const experiment = roots.find((n) => n.kind === 'experiment' && n.experiment.name === 'Default');
    assert.ok(experiment, 'the experiment is in the tree');
    const runs = await tree.getChildren(experiment);
    assert.ok(runs.some((n) => n.kind === 'run' && n.run.uid === launched.runId && n.run.status === 'running'), 'the run is in the tree, running');
    await waitFor('the task\'s terminal', () => vscode.window.terminals.some((t) => t.name.includes('train_args.py')));
    assert.ok(vscode.tasks.taskExecutions.some((e) => e.task.source === 'RunLens' && e.task.name === 'train_args.py'), 'it runs as a task');

    const end = await launched.outcome;
    assert.strictEqual(end.status, 'finished');
    const done = await waitFor('the run finished in the store', async () => {
      const r = await runDetail(launched.runId);
      return r?.status === 'finished' ? r : undefined;
    });
    assert.ok(done.metrics.accuracy, 'its metric was logged');
    assert.ok(done.pid && done.pid > 0, "the client's own start line gave the pid");
    const kinds = logEvents(launched.logFile).map((e) => e.e);
    assert.deepStrictEqual(kinds.filter((k) => k === 'start').length, 2, 'the launcher started the log, the client appended to it');
    assert.deepStrictEqual(kinds.filter((k) => k === 'end').length, 1);
  });

  it('a 6-combination sweep with 2 already logged runs exactly the 4 missing, passing each as arguments', async () => {
    logFinishedRun('prelogged1', 'earlier', { learning_rate: '0.1', batch: '16' }, 0.98, 120);
    logFinishedRun('prelogged2', 'earlier', { learning_rate: '2e-1', batch: '32.0' }, 0.97, 60);
    const result = await vscode.commands.executeCommand<SweepResult>('runlens.runSweep', {
      script: train, overrides: 'learning_rate=0.1,0.2,0.3 batch=16,32', experiment: undefined, yes: true,
    });
    assert.ok(result?.started);
    assert.deepStrictEqual([result.plan.total, result.plan.finished.length, result.runs.length], [6, 2, 4]);
    assert.deepStrictEqual(result.runs.map((r) => r.status), ['finished', 'finished', 'finished', 'finished']);
    assert.ok(result.plan.savedMs >= 180_000, 'the skipped runs\' durations are the time saved');
    const runs = await runsOf('earlier');
    const launched = runs.filter((r) => result.runs.some((x) => x.runId === r.uid));
    assert.deepStrictEqual(launched.map((r) => `${r.params.learning_rate}/${r.params.batch}`).sort(), ['0.1/32', '0.2/16', '0.3/16', '0.3/32']);
    const detail = await runDetail(launched.find((r) => r.params.learning_rate === '0.3' && r.params.batch === '32')!.uid);
    assert.strictEqual(detail?.tags.argv, '--learning_rate 0.3 --batch 32');
    // Each combination now has exactly one finished run: nothing ran twice.
    const s = await store();
    const states = await s.client.api.lookup(['learning_rate', 'batch'], [0.1, 0.2, 0.3].flatMap((lr) => [16, 32].map((b) => ({ learning_rate: lr, batch: b }))), {});
    assert.deepStrictEqual(states.map((x) => x.counts.finished), [1, 1, 1, 1, 1, 1]);

    const again = await vscode.commands.executeCommand<SweepResult>('runlens.runSweep', { script: train, overrides: 'learning_rate=0.1,0.2,0.3 batch=16,32', yes: true });
    assert.strictEqual(again?.started, false, 'run again, there is nothing left to run');
  });

  it('a sweep cancelled midway and launched again runs only the rest; the cancelled run is recorded as killed', async () => {
    process.env.LAUNCH_TEST_SLEEP = '1.5';
    const cancel = new vscode.CancellationTokenSource();
    const first = vscode.commands.executeCommand<SweepResult>('runlens.runSweep', { script: train, overrides: 'seed=1,2,3,4', yes: true, token: cancel.token });
    // Cancel while the second combination runs.
    await waitFor('the second combination to be running', async () => (await runsOf('Default')).some((r) => r.params.seed === '2' && r.status === 'running'), 20_000);
    cancel.cancel();
    const stopped = await first;
    assert.strictEqual(stopped?.cancelled, true);
    assert.deepStrictEqual(stopped.runs.map((r) => r.status), ['finished', 'killed']);
    assert.strictEqual(stopped.outcome.notStarted, 2);

    process.env.LAUNCH_TEST_SLEEP = '0';
    const resumed = await vscode.commands.executeCommand<SweepResult>('runlens.runSweep', { script: train, overrides: 'seed=1,2,3,4', yes: true });
    assert.deepStrictEqual(resumed?.plan.finished, [0], 'seed=1 is done');
    const s = await store();
    const launchedSeeds = await Promise.all(resumed.runs.map(async (r) => (await s.client.api.run(r.runId))?.params.seed));
    assert.deepStrictEqual(launchedSeeds, ['2', '3', '4'], 'the killed one and the two never started');
    const states = await s.client.api.lookup(['seed'], [1, 2, 3, 4].map((seed) => ({ seed })), {});
    assert.deepStrictEqual(states.map((x) => x.counts.finished), [1, 1, 1, 1]);
    assert.deepStrictEqual(states.map((x) => x.counts.killed ?? 0), [0, 1, 0, 0]);
  });

  it('a failing script is recorded as failed with its error, whether or not it got as far as the client', async () => {
    const failing = writeWorkspaceFile('launch/fails.py', FAILING_SCRIPT);
    const broken = writeWorkspaceFile('launch/broken.py', BROKEN_SCRIPT);
    const [a, b] = await Promise.all([failing, broken].map((f) => vscode.commands.executeCommand<LaunchedRun>('runlens.runExperiment', vscode.Uri.file(f))));
    assert.strictEqual((await a.outcome).status, 'failed');
    assert.strictEqual((await b.outcome).status, 'failed');
    const logged = await waitFor('the failure in the store', async () => {
      const r = await runDetail(a.runId);
      return r?.status === 'failed' ? r : undefined;
    });
    assert.deepStrictEqual([logged.error?.type, logged.error?.message], ['ValueError', 'diverged at step 3']);
    assert.match(logged.error?.traceback ?? '', /fails\.py", line 4/);
    const early = await waitFor('the early failure in the store', async () => {
      const r = await runDetail(b.runId);
      return r?.status === 'failed' ? r : undefined;
    });
    assert.deepStrictEqual([early.error?.type, early.error?.message], ['ModuleNotFoundError', "No module named 'runlens_no_such_module'"]);
  });

  it('Rerun with the Same Parameters runs the run\'s script again with its parameters', async () => {
    const original = (await runsOf('earlier')).find((r) => r.params.learning_rate === '0.2' && r.params.batch === '16');
    assert.ok(original);
    const node: RunsNode = { kind: 'run', store: await store(), run: original, varying: [], nested: new Map() };
    const launched = await vscode.commands.executeCommand<LaunchedRun>('runlens.rerunWithSameParameters', node);
    assert.strictEqual((await launched.outcome).status, 'finished');
    const rerun = await waitFor('the rerun in the store', async () => {
      const r = await runDetail(launched.runId);
      return r?.status === 'finished' ? r : undefined;
    });
    assert.deepStrictEqual(rerun.params, original.params);
    assert.deepStrictEqual(rerun.tags.argv.split(' ').sort(), ['--batch', '--learning_rate', '0.2', '16']);
  });

  it('an experiment loop gets a second lens that runs its missing combinations', async () => {
    const loop = writeWorkspaceFile('launch/loop.py', 'import runlens\nfor momentum in [0.7, 0.8, 0.9]:\n    with runlens.start_run(params={"momentum": momentum}):\n        pass\n');
    logFinishedRun('momentum1', 'loop', { momentum: '0.8' }, 0.5, 1);
    await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(loop));
    const titles = await waitFor('the lenses of the loop', async () => {
      const lenses = await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', vscode.Uri.file(loop));
      const t = lenses.map((l) => l.command?.title ?? '');
      return t.some((x) => x.includes('1 of 3')) ? t : undefined;
    });
    assert.ok(titles.includes('$(play) Run the 2 missing combinations'), titles.join('\n'));
  });
});
