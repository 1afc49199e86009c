import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { cli } from './support/cli';
import { builtStudies, optunaStudies, pyNumber, type OptunaDump, type OptunaStudyView } from './support/optuna';
import { CollectingReporter, tempWorkspace } from './support/workspace';
import { WorkspaceStore } from '../../src/core/store/workspaceStore';
import { lookupCombinations } from '../../src/core/store/queries';
import { triedValues } from '../../src/core/store/triedValues';
import { suggestionHoverText } from '../../src/core/loops/suggestion';
import { formatMetric } from '../../src/core/runs/format';

type RunJson = Record<string, any>;

const STATUS: Record<string, string> = { COMPLETE: 'finished', FAIL: 'failed', RUNNING: 'running', WAITING: 'queued', PRUNED: 'pruned' };

async function runsOf(ws: string): Promise<RunJson[]> {
  const listed = await cli(['runs', '--json', '--all', '--workspace', ws]);
  assert.equal(listed.code, 0, listed.err);
  return JSON.parse(listed.out).runs;
}

/** `runlens runs --json --all` against what Optuna's API reports, study by study, trial by trial, field by field. */
function assertRunsAreTrials(runs: RunJson[], want: Record<string, OptunaStudyView>): void {
  const trials = Object.values(want).reduce((n, s) => n + s.trials.length, 0);
  assert.equal(runs.filter((r) => r.lifecycle_stage === 'active').length, trials, 'one run per trial');
  for (const [name, study] of Object.entries(want)) {
    const names = study.metric_names ?? (study.directions.length === 1 ? ['value'] : study.directions.map((_, i) => `value_${i}`));
    for (const t of study.trials) {
      const at = `${name} trial ${t.number}`;
      const r = runs.find((x) => x.experiment === name && x.name === `trial ${t.number}` && x.lifecycle_stage === 'active');
      assert.ok(r, `${at}: no run`);
      assert.equal(r.status, STATUS[t.state], `${at}: status`);
      assert.deepEqual(r.params, t.state === 'WAITING' ? t.fixed_params : t.params, `${at}: params`);
      assert.deepEqual(r.tags, { ...t.user_attrs, 'optuna.trial_number': String(t.number) }, `${at}: tags`);
      assert.equal(r.start_time === null ? null : Math.floor(r.start_time), t.datetime_start === null ? null : Math.floor(t.datetime_start), `${at}: start`);
      // The objective values: each a metric, its final value Optuna's value.
      names.forEach((m, i) => {
        const v = t.values?.[i];
        if (v === undefined) return;
        assert.ok(r.metrics[m], `${at}: metric ${m}`);
        assert.deepEqual(pyNumber(r.metrics[m].final), pyNumber(v), `${at}: ${m}`);
      });
      // The intermediate values: the first metric's history, by step.
      const reported = Object.entries(t.intermediate_values);
      if (reported.length) {
        assert.deepEqual(r.metrics[names[0]].history.map((p: { step: number; value: unknown }) => [String(p.step), pyNumber(p.value as number)]),
          reported.map(([s, v]) => [s, pyNumber(v)]), `${at}: intermediate values`);
      } else if (t.values === null) {
        assert.deepEqual(r.metrics, {}, `${at}: no metrics`);
      }
    }
  }
}

for (const kind of ['db', 'journal'] as const) {
  describe(`runlens import of an Optuna ${kind === 'db' ? 'SQLite storage' : 'journal file'}, read back with runlens runs --json --all`, function () {
    this.timeout(120_000);
    let built: ReturnType<typeof builtStudies>;
    let want: OptunaDump;
    let runs: RunJson[];
    before(async () => {
      built = builtStudies();
      want = built.dump();
      // The storage is inside the workspace folder: nothing to allow.
      const target = kind === 'db' ? `sqlite:///${built.db}` : built.journal;
      const imported = await cli(['import', target, '--workspace', built.dir, '--json']);
      assert.equal(imported.code, 0, imported.err);
      assert.deepEqual(JSON.parse(imported.out).kind, `optuna-${kind}`);
      const again = await cli(['import', built[kind], '--workspace', built.dir]);
      assert.equal(again.code, 0, again.err);
      runs = await runsOf(built.dir);
    });

    it("lists every trial once, with the study as its experiment, as Optuna's API reports it", () => {
      assertRunsAreTrials(runs, want[kind]);
    });

    it('counts trials for `runlens exists`: a finished trial yes, a pruned or failed one no', async () => {
      const grid = want[kind].grid.trials[0];
      const yes = await cli(['exists', JSON.stringify(grid.params), '--workspace', built.dir, '--experiment', 'grid']);
      assert.equal(yes.code, 0, yes.out + yes.err);
      const pruned = want[kind].tpe.trials.find((t) => t.state === 'PRUNED')!;
      const no = await cli(['exists', JSON.stringify(pruned.params), '--workspace', built.dir, '--experiment', 'tpe', '--json']);
      assert.equal(no.code, 1, no.out + no.err);
      assert.equal(JSON.parse(no.out).runs[0].status, 'pruned');
    });

    it("ranks by the study's direction: the best of a maximised grid is its highest value", async () => {
      const store = await WorkspaceStore.open(built.dir, { reporter: new CollectingReporter(), role: 'read-only' });
      const grid = want[kind].grid.trials;
      const values = grid.map((t) => Number(t.values![0]));
      const [state] = lookupCombinations(store.catalog, ['optimizer'], [{ optimizer: 'adam' }], { metric: 'value', experimentId: store.catalog.experimentIds.get('grid') });
      assert.equal(state.best, Math.max(...grid.filter((t) => t.params.optimizer === 'adam').map((t) => Number(t.values![0]))));
      assert.ok(values.some((v) => v < state.best!), 'a lower value exists, and is not the best');
      await store.close();
    });

    /**
     * The study's best trial by its direction, over the values Optuna reports. Optuna 3.1's own
     * best_trial agrees, but for an RDB storage and a study minimised with an infinite value: it
     * stores infinity as NULL, which SQL sorts first, so it calls that trial the best.
     */
    function bestOf(study: OptunaStudyView): OptunaStudyView['trials'][number] {
      const sign = study.directions[0] === 'maximize' ? -1 : 1;
      const complete = study.trials.filter((t) => t.state === 'COMPLETE');
      const best = complete.reduce((a, b) => (sign * pyNumber(b.values![0])! < sign * pyNumber(a.values![0])! ? b : a));
      const optunas = complete.find((t) => t.number === study.best_trial)!;
      if (Number.isFinite(pyNumber(optunas.values![0]))) assert.equal(best.number, optunas.number, "Optuna's own best_trial");
      return best;
    }

    it("a suggest call's hover: the values its study's trials tried, and the best trial's, by the study's direction", async () => {
      const store = await WorkspaceStore.open(built.dir, { reporter: new CollectingReporter(), role: 'read-only' });
      for (const [name, param] of [['tpe', 'lr'], ['grid', 'lr']] as const) {
        const study = want[kind][name];
        const experimentId = store.catalog.experimentIds.get(name);
        const tried = triedValues(store.catalog, param, { experimentId });
        const holding = study.trials.filter((t) => param in (t.state === 'WAITING' ? t.fixed_params : t.params));
        assert.equal(tried.runs, holding.length, name);
        assert.equal(tried.distinct, new Set(holding.map((t) => Number(t.params[param]))).size, name);
        const best = bestOf(study);
        assert.deepEqual([tried.metric, tried.best?.name, tried.best?.value], ['value', `trial ${best.number}`, best.params[param]], `${name}: the best trial`);
      }
      const text = suggestionHoverText('lr', 'grid', triedValues(store.catalog, 'lr', { experimentId: store.catalog.experimentIds.get('grid') }));
      const best = bestOf(want[kind].grid);
      assert.match(text, new RegExp(`^\\*\\*RunLens\\*\\* · \`lr\` in study \`grid\`: 4 trials tried 3 values, from \`0\\.001\` to \`0\\.1\`\\.`));
      assert.ok(text.endsWith(`Best: trial ${best.number} with \`lr=${best.params.lr}\` · value ${formatMetric(Number(best.values![0]))}`), text);
      await store.close();
    });

    it("runlens analyze: a GridSampler's study.optimize counts the grid points its study has done, with the best by its direction", async () => {
      const script = path.join(built.dir, 'search.py');
      fs.writeFileSync(script, `import optuna
space = {"lr": [0.001, 0.01, 0.1], "optimizer": ["adam", "sgd"]}
study = optuna.create_study(study_name="grid", storage="sqlite:///studies.db", direction="maximize",
                            sampler=optuna.samplers.GridSampler(space), load_if_exists=True)
study.optimize(objective, n_trials=6)
`);
      const r = await cli(['analyze', script, '--workspace', built.dir]);
      assert.equal(r.code, 0, r.err);
      const best = bestOf(want[kind].grid);
      assert.equal(r.out.split('\n')[0], `${script}:5  RunLens: 4 of 6 grid points done · best value ${formatMetric(Number(best.values![0]))} (lr=${best.params.lr}, optimizer=${best.params.optimizer})`);
      const json = JSON.parse((await cli(['analyze', script, '--workspace', built.dir, '--json'])).out);
      assert.deepEqual(json.loops[0].states.filter((s: string) => s === 'finished').length, 4);
    });

    it('follows the storage: trials added later, the running and waiting ones as they end, a study deleted: agree with Optuna again', async () => {
      const store = await WorkspaceStore.open(built.dir, { reporter: new CollectingReporter(), followEveryMs: 0 });
      optunaStudies('more', built.dir);
      optunaStudies('drop', built.dir);
      await store.refresh();
      await store.save();
      await store.close();
      const runs = await runsOf(built.dir);
      assertRunsAreTrials(runs, built.dump()[kind]);
      assert.deepEqual(runs.filter((r) => r.experiment === 'multi').map((r) => r.lifecycle_stage), ['deleted', 'deleted', 'deleted'], "the deleted study's trials");
    });
  });
}

describe('runlens import of what is not a source', () => {
  it('says what it takes', async () => {
    const dir = tempWorkspace();
    const other = path.join(dir, 'notes.log');
    fs.writeFileSync(other, 'hello\n');
    const r = await cli(['import', other, '--workspace', dir]);
    assert.equal(r.code, 2);
    assert.match(r.err, /is neither an MLflow store .* nor an Optuna storage/);
  });
});
