import * as assert from 'assert';
import * as vscode from 'vscode';
import { waitFor } from './support/host';
import { logFinishedRun, runsOf, store, writeWorkspaceFile } from './support/launch';
import type { SweepResult } from '../../src/launch/sweep';
import type { RunsNode } from '../../src/runs/tree';

/** The lenses' titles on a file, once the first one says what `ready` expects. */
async function lensTitles(file: string, ready: (titles: string[]) => boolean): Promise<string[]> {
  return waitFor(`the lenses of ${file}`, async () => {
    const lenses = await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', vscode.Uri.file(file));
    const t = lenses.map((l) => l.command?.title ?? '');
    return ready(t) ? t : undefined;
  }, 20_000);
}

// Each test sweeps keys of its own: the workspace is shared with the other integration tests, whose loops must not count these runs.
const combos = async (experiment: string, a: string, b: string) => (await runsOf(experiment)).map((r) => `${r.params[a]}/${r.params[b]}:${r.status}`).sort();

// The headline action on scripts as people write them: the file's own loop runs once, only the
// combinations without a result execute, with a real Python and the bundled client.
describe('running the missing combinations of a loop, in one process', function () {
  this.timeout(120_000);

  it('runs exactly the missing ones of a literal nested loop, in the experiment of the earlier runs, and the lens then says all are logged', async () => {
    const file = writeWorkspaceFile('loops/nested.py', `import argparse
import runlens

parser = argparse.ArgumentParser()
parser.add_argument("--epochs", type=int, default=2)
args = parser.parse_args()
for alpha in [0.001, 0.01]:
    for units in [32, 64]:
        with runlens.start_run(params={"alpha": alpha, "units": units}):
            runlens.log_metric("accuracy", alpha * 10 + units / 1000)
`);
    logFinishedRun('nested-a', 'nested-earlier', { alpha: '1e-3', units: '32' }, 0.5, 10);
    await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(file));
    const before = await lensTitles(file, (t) => t.some((x) => x.includes('1 of 4')));
    assert.ok(before.includes('$(play) Run the 3 missing combinations'), before.join('\n'));

    const result = await vscode.commands.executeCommand<SweepResult>('runlens.runMissingCombinations', vscode.Uri.file(file), 0, { yes: true });
    assert.ok(result?.started);
    assert.strictEqual(result.mode, 'loop');
    assert.deepStrictEqual(result.destination, { name: 'nested-earlier', from: 'earlier runs' });
    assert.deepStrictEqual(result.notStarted, []);
    assert.deepStrictEqual(result.runs.map((r) => [r.index, r.status]), [[1, 'finished'], [2, 'finished'], [3, 'finished']]);
    assert.deepStrictEqual(await combos('nested-earlier', 'alpha', 'units'), ['0.001/64:finished', '0.01/32:finished', '0.01/64:finished', '1e-3/32:finished'],
      'each missing combination once, the logged one not again, argparse untroubled');

    const after = await lensTitles(file, (t) => t.some((x) => x.includes('all 4 combinations logged')));
    assert.ok(!after.some((t) => t.includes('$(play)')), `nothing left to run: ${after.join(' | ')}`);
  });

  it('runs the missing configs of a loop over a list of dicts, and of an itertools.product', async () => {
    const configs = writeWorkspaceFile('loops/configs.py', `import runlens
configs = [{"gamma": 0.1, "size": 8}, {"gamma": 0.2, "size": 8}, {"gamma": 0.3, "size": 16}]
for cfg in configs:
    with runlens.start_run(experiment="configs", params=cfg):
        runlens.log_metric("accuracy", cfg["gamma"])
`);
    logFinishedRun('configs-a', 'configs', { gamma: '0.2', size: '8' }, 0.2, 1);
    const r1 = await vscode.commands.executeCommand<SweepResult>('runlens.runMissingCombinations', vscode.Uri.file(configs), 0, { yes: true });
    assert.deepStrictEqual([r1?.mode, r1?.destination.name, r1?.runs.map((r) => r.index)], ['loop', 'configs', [0, 2]]);
    assert.deepStrictEqual(await combos('configs', 'gamma', 'size'), ['0.1/8:finished', '0.2/8:finished', '0.3/16:finished']);

    const product = writeWorkspaceFile('loops/product.py', `import itertools
import runlens
runlens.set_experiment("product")
for beta, depth in itertools.product([0.5, 0.6], [1, 2]):
    with runlens.start_run(params={"beta": beta, "depth": depth}):
        runlens.log_metric("accuracy", beta)
`);
    logFinishedRun('product-a', 'product', { beta: '0.6', depth: '1.0' }, 0.6, 1);
    const r2 = await vscode.commands.executeCommand<SweepResult>('runlens.runMissingCombinations', vscode.Uri.file(product), 0, { yes: true });
    assert.deepStrictEqual([r2?.mode, r2?.runs.map((r) => r.index)], ['loop', [0, 1, 3]]);
    assert.deepStrictEqual(await combos('product', 'beta', 'depth'), ['0.5/1:finished', '0.5/2:finished', '0.6/1.0:finished', '0.6/2:finished']);
  });

  it('Run Experiment on a loop script runs only the missing ones; a rerun runs its one iteration again', async () => {
    const file = writeWorkspaceFile('loops/experiment.py', `import runlens
runlens.set_experiment("exp-loop")
for decay in [0.7, 0.8, 0.9]:
    with runlens.start_run(params={"decay": decay, "bs": 1}):
        runlens.log_metric("accuracy", decay)
`);
    logFinishedRun('exp-a', 'exp-loop', { decay: '0.8', bs: '1' }, 0.8, 1);
    const result = await vscode.commands.executeCommand<SweepResult>('runlens.runExperiment', { script: file, yes: true });
    assert.deepStrictEqual(result?.runs.map((r) => r.index), [0, 2]);
    const runs = await runsOf('exp-loop');
    assert.deepStrictEqual(runs.map((r) => r.params.decay).sort(), ['0.7', '0.8', '0.9']);

    const original = runs.find((r) => r.params.decay === '0.9')!;
    const node: RunsNode = { kind: 'run', store: await store(), run: original, varying: [], nested: new Map() };
    const rerun = await vscode.commands.executeCommand<SweepResult>('runlens.rerunWithSameParameters', node);
    assert.deepStrictEqual([rerun?.mode, rerun?.runs.length, rerun?.runs[0].status], ['loop', 1, 'finished']);
    assert.deepStrictEqual((await runsOf('exp-loop')).map((r) => r.params.decay).sort(), ['0.7', '0.8', '0.9', '0.9']);
  });

  it('a script that ignores the arguments it was launched with is reported as not started, not counted as failed', async () => {
    const file = writeWorkspaceFile('loops/ignores.py', `import runlens
with runlens.start_run(params={"depth": 3}):
    pass
`);
    const result = await vscode.commands.executeCommand<SweepResult>('runlens.runSweep', { script: file, overrides: 'depth=4,5', experiment: 'ignores', yes: true });
    assert.strictEqual(result?.mode, 'arguments');
    assert.deepStrictEqual(result.runs, []);
    assert.deepStrictEqual(result.notStarted.map((n) => n.index), [0, 1]);
    assert.match(result.notStarted[0].why, /does not read its parameters from its command line/);
    const s = await store();
    const states = await s.client.api.lookup(['depth'], [{ depth: 4 }, { depth: 5 }], {});
    assert.deepStrictEqual(states.map((x) => x.state), ['never-run', 'never-run'], 'no lens counts them as failed');
  });

  it('a script that fails before its loop is reported as not started, with the reason, and nothing counts as failed', async () => {
    const file = writeWorkspaceFile('loops/broken_setup.py', `import runlens
raise FileNotFoundError("data/train.csv")
for kappa in [1, 2]:
    with runlens.start_run(params={"kappa": kappa}):
        pass
`);
    const result = await vscode.commands.executeCommand<SweepResult>('runlens.runMissingCombinations', vscode.Uri.file(file), 0, { yes: true });
    assert.strictEqual(result?.mode, 'loop');
    assert.deepStrictEqual(result.runs, []);
    assert.deepStrictEqual(result.notStarted.map((n) => n.index), [0, 1]);
    assert.match(result.notStarted[0].why, /failed before the loop reached it: FileNotFoundError: data\/train\.csv/);
    const s = await store();
    const states = await s.client.api.lookup(['kappa'], [{ kappa: 1 }, { kappa: 2 }], {});
    assert.deepStrictEqual(states.map((x) => x.state), ['never-run', 'never-run']);
  });
});
