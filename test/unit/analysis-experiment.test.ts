// Which experiment a loop's runs are logged to, when the source names it: the start call's own
// argument, else the last set_experiment before the runs, else W&B's project; never a guess.
import * as assert from 'node:assert/strict';
import { analyzeNotebook, analyzePython } from '../../src/core/analysis';

/** The experiment of each experiment loop of `source`, in source order. */
function experiments(source: string): (string | undefined)[] {
  return analyzePython(source).map(l => l.experiment);
}

const LOOP = `
for lr in [0.1, 0.2]:
    with mlflow.start_run():
        mlflow.log_param("lr", lr)
`;

describe('analysis: the experiment a loop logs to', () => {
  it('reads runlens.start_run(experiment=..), by keyword or as the second argument', () => {
    for (const call of ['runlens.start_run(experiment="resnet", params={"lr": lr})', 'runlens.start_run(None, "resnet", {"lr": lr})']) {
      assert.deepEqual(experiments(`
import runlens
for lr in [0.1]:
    with ${call}:
        pass
`), ['resnet'], call);
    }
  });

  it('prefers the start call\'s experiment to the active one', () => {
    assert.deepEqual(experiments(`
import runlens
runlens.set_experiment("default")
for lr in [0.1]:
    runlens.start_run(experiment="chosen", params={"lr": lr})
`), ['chosen']);
  });

  it('takes the last set_experiment before the loop, under any alias, from a literal or a name bound to one', () => {
    for (const setup of [
      'import mlflow\nmlflow.set_experiment("a")\nmlflow.set_experiment("sweep")',
      'import mlflow as mf\nmlflow = mf\nmf.set_experiment(experiment_name="sweep")',
      'import mlflow\nfrom mlflow import set_experiment as use\nNAME = "sweep"\nuse(NAME)',
      'import mlflow\nexp = mlflow.set_experiment("sweep")',
    ]) {
      assert.deepEqual(experiments(setup + LOOP), ['sweep'], setup);
    }
  });

  it('gives each loop the experiment set before it, not one set later', () => {
    assert.deepEqual(experiments(`
import mlflow
mlflow.set_experiment("first")
${LOOP}
mlflow.set_experiment("second")
${LOOP}
`), ['first', 'second']);
  });

  it('sees set_experiment earlier in the function, or in the __main__ block that calls it', () => {
    assert.deepEqual(experiments(`
import mlflow

def main():
    mlflow.set_experiment("in-main")
    for lr in [0.1]:
        mlflow.log_param("lr", lr)
`), ['in-main']);
    assert.deepEqual(experiments(`
import mlflow

def main():
    for lr in [0.1]:
        mlflow.log_param("lr", lr)

if __name__ == "__main__":
    mlflow.set_experiment("from-script")
    main()
`), ['from-script']);
  });

  it('takes a set_experiment in the loop, also in a function the loop calls', () => {
    assert.deepEqual(experiments(`
import mlflow
mlflow.set_experiment("outside")

def setup():
    mlflow.set_experiment("from-setup")

for lr in [0.1]:
    mlflow.set_experiment("inside")
    mlflow.log_param("lr", lr)

for bs in [8]:
    setup()
    mlflow.log_param("bs", bs)
`), ['inside', 'from-setup']);
  });

  it('sees set_experiment in an earlier notebook cell', () => {
    const cells = analyzeNotebook(['import mlflow\nmlflow.set_experiment("nb")', 'x = 1', LOOP.trim()]);
    assert.deepEqual(cells.map(c => c.loops.map(l => l.experiment)), [[], [], ['nb']]);
  });

  it('uses W&B\'s project when nothing else names the experiment', () => {
    assert.deepEqual(experiments(`
import wandb
for lr in [0.1]:
    wandb.init(project="vision", config={"lr": lr})
`), ['vision']);
  });

  it('reads runlens.mlflow\'s experiment_id as the name it is there', () => {
    assert.deepEqual(experiments(`
import runlens.mlflow as mlflow
for lr in [0.1]:
    with mlflow.start_run(experiment_id="by-name"):
        mlflow.log_param("lr", lr)
`), ['by-name']);
  });

  it('lets start_run(experiment=None) defer to set_experiment', () => {
    assert.deepEqual(experiments(`
import runlens
runlens.set_experiment("active")
for lr in [0.1]:
    runlens.start_run(experiment=None, params={"lr": lr})
`), ['active']);
  });

  it('knows no name for MLflow\'s experiment_id, even after a set_experiment', () => {
    const loops = analyzePython(`
import mlflow
mlflow.set_experiment("ignored")
for lr in [0.1]:
    with mlflow.start_run(experiment_id="3"):
        mlflow.log_param("lr", lr)
`);
    assert.equal(loops.length, 1);
    assert.ok(!('experiment' in loops[0]), 'an unknown experiment is absent, not undefined');
  });

  it('knows no name when it depends on a loop variable, an attribute, a branch or **kwargs', () => {
    for (const source of [
      `import mlflow\nfor lr in [0.1]:\n    mlflow.set_experiment(f"exp-{lr}")\n    mlflow.log_param("lr", lr)`,
      `import mlflow\nmlflow.set_experiment("a")\nfor lr in [0.1]:\n    mlflow.set_experiment(f"exp-{lr}")\n    mlflow.log_param("lr", lr)`,
      `import mlflow\nfor ds in ["a", "b"]:\n    mlflow.set_experiment(ds)\n${LOOP.replace(/^/gm, '    ')}`,
      `import mlflow\nmlflow.set_experiment("a")\ndef use(ds):\n    mlflow.set_experiment(ds)\nfor ds in ["b"]:\n    use(ds)\n${LOOP.replace(/^/gm, '    ')}`,
      `import mlflow\nmlflow.set_experiment(args.experiment)\n${LOOP}`,
      `import mlflow\nmlflow.set_experiment("a")\nif debug:\n    mlflow.set_experiment("debug")${LOOP}`,
      `import runlens\nrunlens.set_experiment("a")\nfor lr in [0.1]:\n    runlens.start_run(**opts, params={"lr": lr})`,
      `import mlflow\nfor lr in [0.1]:\n    mlflow.log_param("lr", lr)\nmlflow.set_experiment("after")`,
      `import mlflow\nmlflow.set_experiment("a")\ndef setup():\n    mlflow.set_experiment("b")\nsetup()${LOOP}`,
    ]) {
      assert.deepEqual(experiments(source), [undefined], source);
    }
  });

  it('does not fall back to W&B\'s project when a set_experiment before it cannot be read', () => {
    assert.deepEqual(experiments(`
import mlflow, wandb
if debug:
    mlflow.set_experiment("debug")
for lr in [0.1]:
    wandb.init(project="vision", config={"lr": lr})
`), [undefined]);
  });

  it('does not take a set_experiment of something other than a tracker', () => {
    assert.deepEqual(experiments(`
import mlflow
mlflow.set_experiment("real")
tracker.set_experiment("other")
${LOOP}
`), [undefined]);
  });
});
