import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { PARALLEL_MIN_RUNS, readFileStore, setMlflowReaderWorker } from '../../src/core/mlflow/fileStore';
import type { MlflowSnapshot } from '../../src/core/mlflow/model';
import { addFileStoreRuns } from '../../bench/mlflow-stores';
import { FIXTURE_MLRUNS } from './mlflow-fixtures';
import { repoRoot } from './support/repo';

// A large first read of an mlruns/ folder shares its runs with a second thread (the bundled
// dist/mlflowReader.js, as the extension's store thread starts it): what it reads must be exactly
// what one thread reads, problems and order included, and a thread that fails costs nothing.
describe('a large mlruns/ folder read by two threads', function () {
  this.timeout(120_000);
  const reader = path.join(repoRoot(), 'dist', 'mlflowReader.js');
  let dir: string;
  let mlruns: string;

  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'runlens-threads-'));
    mlruns = path.join(dir, 'mlruns');
    fs.cpSync(FIXTURE_MLRUNS, mlruns, { recursive: true }); // MLflow's own runs, deleted ones too
    addFileStoreRuns(mlruns, 0, PARALLEL_MIN_RUNS + 200);
    // Damage in the share the second thread reads (the last runs): reported as one thread reports it.
    const bench = fs.readdirSync(mlruns).find((d) => fs.existsSync(path.join(mlruns, d, 'meta.yaml')) && fs.readdirSync(path.join(mlruns, d)).length > PARALLEL_MIN_RUNS) as string;
    const runs = fs.readdirSync(path.join(mlruns, bench)).filter((d) => d !== 'meta.yaml' && d !== 'tags').sort();
    const late = path.join(mlruns, bench, runs[runs.length - 3]);
    fs.appendFileSync(path.join(late, 'metrics', fs.readdirSync(path.join(late, 'metrics'))[0]), 'not a metric line\n');
    fs.writeFileSync(path.join(mlruns, bench, runs[runs.length - 7], 'meta.yaml'), 'status: [unclosed\n');
  });
  after(() => {
    setMlflowReaderWorker(undefined);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const plain = (s: MlflowSnapshot) => JSON.parse(JSON.stringify(s));
  const read = async (worker: string | undefined) => {
    setMlflowReaderWorker(worker);
    return readFileStore(mlruns, { now: () => 1_800_000_000_000 });
  };

  it('gives what one thread gives, to the bit, in the same order', async () => {
    const one = await read(undefined);
    const marker = path.join(dir, 'started');
    const wrapper = path.join(dir, 'reader.js');
    fs.writeFileSync(wrapper, `require('fs').writeFileSync(${JSON.stringify(marker)}, 'yes'); require(${JSON.stringify(reader)});\n`);
    const two = await read(wrapper);
    assert.ok(fs.existsSync(marker), 'the second thread was started');
    assert.equal(two.runs.length, one.runs.length);
    assert.ok(one.problems.length >= 2, JSON.stringify(one.problems));
    assert.deepEqual(plain(two), plain(one));
    // Histories made again on this side are histories, with every bit of their points.
    const run = two.runs[two.runs.length - 1];
    const [key] = Object.keys(run.metrics);
    assert.equal(typeof run.metrics[key].latest, 'function');
    assert.deepEqual(run.metrics[key].toArray(), plain(one).runs[one.runs.length - 1].metrics[key]);
  });

  it('reads everything on one thread when the second cannot start or fails', async () => {
    const one = plain(await read(undefined));
    assert.deepEqual(plain(await read(path.join(dir, 'no-such-reader.js'))), one);
    const failing = path.join(dir, 'failing.js');
    fs.writeFileSync(failing, "require('worker_threads').parentPort.once('message', () => { throw new Error('a reader that breaks'); });\n");
    assert.deepEqual(plain(await read(failing)), one);
  });
});
