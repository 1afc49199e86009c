import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { WorkspaceStore } from '../../src/core/store/workspaceStore';
import { getRun } from '../../src/core/store/queries';
import { loadSqlJs } from '../../src/core/store/sqljs';
import { readFileStore } from '../../src/core/mlflow/fileStore';
import { readSqliteStore } from '../../src/core/mlflow/sqliteStore';
import { artifactFolder, checkedArtifactPath, importedArtifactFolder, listArtifactFolder, readArtifact } from '../../src/core/artifacts/files';
import { MEDIA_TYPES, mediaTypeOf } from '../../src/core/artifacts/mediaTypes';
import { decodeText, parseCsv, previewKind } from '../../src/core/artifacts/preview';
import { ARTIFACT_PATHS, RUNS_WITH_ARTIFACTS, mlflowStoresWithArtifacts } from '../harness/mlflowArtifacts.mjs';
import { MLFLOW_FIXTURE } from './mlflow-fixtures';
import { cli } from './support/cli';
import { repoRoot } from './support/repo';
import { appendLog, CollectingReporter, DAY, line, T0, tempWorkspace, writeRun } from './support/workspace';

const SHA = 'e'.repeat(64);

async function open(folder: string, reporter = new CollectingReporter()) {
  return WorkspaceStore.open(folder, { reporter, saveDelayMs: 10, followEveryMs: 0 });
}

function artifactLine(p: string, size: number, t = T0): string {
  return line({ e: 'artifact', t, path: p, size, sha256: SHA, media_type: 'image/png' });
}

describe('artifacts in the store', () => {
  it('indexes the artifacts a run log records, by path: a later line of the same path replaces it', async () => {
    const ws = tempWorkspace();
    writeRun(ws, { id: 'a1', status: null });
    appendLog(ws, 'a1', artifactLine('plots/loss.png', 10) + artifactLine('data/m.csv', 3) + artifactLine('plots/loss.png', 12)
      + line({ e: 'end', t: T0 + 5, status: 'finished', error: null }));
    const store = await open(ws);
    const run = getRun(store.catalog, 'a1')!;
    assert.deepEqual(run.artifacts, [
      { path: 'data/m.csv', size: 3, sha256: SHA, mediaType: 'image/png' },
      { path: 'plots/loss.png', size: 12, sha256: SHA, mediaType: 'image/png' },
    ]);
    assert.equal(run.artifactUri, null);
    assert.deepEqual(artifactFolder(store.dir, run), { dir: path.join(ws, '.runlens', 'artifacts', 'a1') });
    await store.close();
  });

  it('skips, and reports, an artifact line whose path would leave the run\'s folder', async () => {
    const ws = tempWorkspace();
    writeRun(ws, { id: 'a2' });
    appendLog(ws, 'a2', line({ e: 'artifact', t: T0, path: '../../runs/x.jsonl', size: 1 }));
    const reporter = new CollectingReporter();
    const store = await open(ws, reporter);
    assert.deepEqual(getRun(store.catalog, 'a2')!.artifacts, []);
    assert.match(reporter.problems.join('\n'), /'artifact' path "..\/..\/runs\/x.jsonl" has an empty, '.' or '..' part; the line was skipped/);
    await store.close();
  });

  it('removes a deleted tag (an untag line)', async () => {
    const ws = tempWorkspace();
    writeRun(ws, { id: 'a3', status: null });
    appendLog(ws, 'a3', line({ e: 'tags', t: T0, tags: { stage: 'dev', keep: 'y' } }) + line({ e: 'untag', t: T0, key: 'stage' }));
    const store = await open(ws);
    assert.deepEqual(getRun(store.catalog, 'a3')!.tags, { keep: 'y' });
    await store.close();
  });

  it('follows a resumed run: its ended log grows, its folder changes, and it runs again until its new end', async () => {
    const ws = tempWorkspace();
    const file = writeRun(ws, { id: 'a4', metrics: [['loss', 1, 0]], t: Date.now() - 10_000 });
    const store = await open(ws);
    assert.equal(getRun(store.catalog, 'a4')!.status, 'finished');
    await store.refresh();
    // Resumed (as the Python client does it): a start line with resume, then the folder's mtime moves.
    fs.appendFileSync(file, line({ e: 'start', t: Date.now(), v: 2, run: 'a4', experiment: 'exp', resume: true, host: 'elsewhere', pid: 2 })
      + line({ e: 'metrics', t: Date.now(), points: [['loss', 0.5, 1, Date.now()]] }));
    touchFolder(path.dirname(file));
    await store.refresh();
    let run = getRun(store.catalog, 'a4')!;
    assert.equal(run.status, 'running');
    assert.equal(run.endTime, null);
    assert.equal(run.metrics.loss.last, 0.5);
    assert.equal(run.name, 'run-a4', 'a resumed run keeps what its first start said');
    fs.appendFileSync(file, line({ e: 'end', t: Date.now(), status: 'finished', error: null }));
    await store.refresh();
    run = getRun(store.catalog, 'a4')!;
    assert.equal(run.status, 'finished');
    assert.equal(run.metrics.loss.count, 2);
    await store.close();
  });
});

function touchFolder(dir: string): void {
  // Folder mtimes move in clock ticks: wait for the next one, as a later resume would.
  const before = fs.statSync(dir).mtimeMs;
  for (let i = 0; i < 100 && fs.statSync(dir).mtimeMs === before; i++) {
    const f = path.join(dir, `.touch-${i}`);
    fs.writeFileSync(f, '');
    fs.rmSync(f);
    if (fs.statSync(dir).mtimeMs === before) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 5);
  }
}

describe('artifacts of imported MLflow runs', () => {
  let into: string;
  let made: ReturnType<typeof mlflowStoresWithArtifacts>;

  before(async () => {
    into = path.join(tempWorkspace(), 'ml-project');
    made = mlflowStoresWithArtifacts(MLFLOW_FIXTURE, into, await loadSqlJs());
  });

  it('lists the files of a file store run\'s artifacts/ folder, with sizes and media types', async () => {
    const snap = await readFileStore(path.join(into, 'mlruns'));
    for (const name of RUNS_WITH_ARTIFACTS) {
      const run = snap.runs.find((r) => r.runId === made.file[name].runId)!;
      assert.deepEqual(run.artifacts!.map((a) => a.path), ARTIFACT_PATHS, name);
      assert.equal(run.artifacts![1].mediaType, 'image/png');
      assert.equal(run.artifacts![2].size, fs.statSync(path.join(made.file[name].dir, 'summary.json')).size);
    }
    // The fixture's own: a run MLflow 2.17.2 itself logged two artifacts to (log_text, log_dict).
    const real = snap.runs.find((r) => r.name === 'batch-logging')!;
    assert.deepEqual(real.artifacts!.map((a) => [a.path, a.mediaType]), [['config.json', 'application/json'], ['notes/hello.txt', 'text/plain']]);
    assert.equal(snap.runs.filter((r) => r.artifacts?.length).length, 4, 'the other runs have none');
  });

  it('lists the files of an mlflow.db run\'s local artifact location', async () => {
    const snap = await readSqliteStore(path.join(into, 'mlflow.db'));
    const run = snap.runs.find((r) => r.runId === made.sqlite[RUNS_WITH_ARTIFACTS[1]].runId)!;
    assert.equal(run.artifactUri, made.sqlite[RUNS_WITH_ARTIFACTS[1]].dir);
    assert.deepEqual(run.artifacts!.map((a) => [a.path, a.sha256]), ARTIFACT_PATHS.map((p) => [p, null]));
    // The other runs' artifact_uri names a folder of another machine (/home/alice/…): nothing listed, nothing reported.
    assert.deepEqual(snap.runs.filter((r) => r.artifacts?.length).map((r) => r.runId).sort(), Object.values(made.sqlite).map((m) => m.runId).sort());
  });

  it('notices an artifact MLflow adds to a file store run later, at the next full read', async () => {
    const first = await readFileStore(path.join(into, 'mlruns'));
    const dir = made.file[RUNS_WITH_ARTIFACTS[0]].dir;
    fs.writeFileSync(path.join(dir, 'later.txt'), 'added');
    try {
      // An ended run's late change waits for a full read (every 10 minutes; here at once), as a late tag does.
      const next = await readFileStore(path.join(into, 'mlruns'), { previous: first.fingerprint, fullEveryMs: 0 });
      assert.deepEqual(next.runs.map((r) => r.runId), [made.file[RUNS_WITH_ARTIFACTS[0]].runId]);
      assert.ok(next.runs[0].artifacts!.some((a) => a.path === 'later.txt'));
    } finally {
      fs.rmSync(path.join(dir, 'later.txt'));
    }
  });

  it('keeps them in the store, and `runlens runs --json` lists them with where they are', async () => {
    const ws = tempWorkspace();
    const project = path.join(ws, 'ml-project');
    const here = mlflowStoresWithArtifacts(MLFLOW_FIXTURE, project, await loadSqlJs());
    for (const store of ['mlruns', 'mlflow.db']) {
      const r = await cli(['import', path.join(project, store), '--workspace', ws]);
      assert.equal(r.code, 0, r.err);
    }
    const r = await cli(['runs', '--json', '--workspace', ws, '--filter', `name = '${RUNS_WITH_ARTIFACTS[2]}'`]);
    assert.equal(r.code, 0, r.err);
    const runs = JSON.parse(r.out).runs;
    assert.equal(runs.length, 2);
    for (const run of runs) {
      assert.deepEqual(run.artifacts.map((a: any) => a.path), ARTIFACT_PATHS);
      assert.deepEqual(Object.keys(run.artifacts[0]), ['path', 'size', 'sha256', 'media_type']);
    }
    const fromFiles = runs.find((x: any) => x.source.startsWith('mlflow-file:'));
    assert.equal(fromFiles.artifact_uri, pathToFileURL(here.file[RUNS_WITH_ARTIFACTS[2]].dir).href);
    const fromDb = runs.find((x: any) => x.source.startsWith('mlflow-db:'));
    assert.equal(fromDb.artifact_uri, pathToFileURL(here.sqlite[RUNS_WITH_ARTIFACTS[2]].dir).href);
  });

  it('reads no artifact location outside the folder that holds the store', async () => {
    // A copy of the database elsewhere: its artifact_uri still names the first folder.
    const elsewhere = path.join(tempWorkspace(), 'copy');
    fs.mkdirSync(elsewhere);
    fs.copyFileSync(path.join(into, 'mlflow.db'), path.join(elsewhere, 'mlflow.db'));
    const snap = await readSqliteStore(path.join(elsewhere, 'mlflow.db'));
    assert.deepEqual(snap.runs.filter((r) => r.artifacts?.length), []);
    const folder = importedArtifactFolder('mlflow-db', path.join(elsewhere, 'mlflow.db'), undefined, 'x', made.sqlite[RUNS_WITH_ARTIFACTS[0]].dir);
    assert.equal(folder.dir, null);
    assert.match(folder.why!, /is outside .*copy, the folder of the MLflow store, and RunLens reads artifacts only there/);
    assert.equal(importedArtifactFolder('mlflow-db', path.join(elsewhere, 'mlflow.db'), undefined, 'x', 's3://bucket/1/x/artifacts').why,
      'its artifacts are not on this machine (s3://bucket/1/x/artifacts)');
  });
});

describe('runlens runs --json lists a run\'s artifacts', () => {
  it('with path, size, sha256 and media type, and the folder as a file: URI', async () => {
    const ws = tempWorkspace();
    writeRun(ws, { id: 'j1', status: null });
    appendLog(ws, 'j1', artifactLine('model/model.pkl', 42) + line({ e: 'end', t: T0 + 1, status: 'finished', error: null }));
    const r = await cli(['runs', '--json', '--workspace', ws]);
    const [run] = JSON.parse(r.out).runs;
    assert.deepEqual(run.artifacts, [{ path: 'model/model.pkl', size: 42, sha256: SHA, media_type: 'image/png' }]);
    assert.equal(run.artifact_uri, pathToFileURL(path.join(ws, '.runlens', 'artifacts', 'j1')).href);
    assert.ok(DAY);
  });
});

describe('reading an artifact', () => {
  it('reads up to a cap, and says how big the file is', () => {
    const dir = tempWorkspace();
    fs.mkdirSync(path.join(dir, 'd'));
    fs.writeFileSync(path.join(dir, 'd', 'a.txt'), 'abcdef');
    assert.deepEqual(readArtifact(dir, 'd/a.txt', 4), { bytes: Buffer.from('abcd'), size: 6, truncated: true });
    assert.equal(readArtifact(dir, 'd/a.txt', 100).truncated, false);
  });

  it('never follows a link, and never leaves the run\'s folder', () => {
    const dir = tempWorkspace();
    const outside = tempWorkspace();
    fs.writeFileSync(path.join(outside, 'secret'), 'secret');
    fs.symlinkSync(outside, path.join(dir, 'linked'));
    fs.symlinkSync(path.join(outside, 'secret'), path.join(dir, 'file'));
    assert.throws(() => readArtifact(dir, 'linked/secret', 100), /linked is a symbolic link/);
    assert.throws(() => readArtifact(dir, 'file', 100), /file is a symbolic link/);
    assert.throws(() => readArtifact(dir, '../' + path.basename(outside) + '/secret', 100), /not an artifact path/);
    assert.throws(() => checkedArtifactPath(dir, '/etc/passwd'), /is absolute/);
    assert.throws(() => readArtifact(dir, 'missing.txt', 100), /ENOENT/);
  });

  it('lists an imported run\'s folder without following links', () => {
    const dir = tempWorkspace();
    fs.mkdirSync(path.join(dir, 'plots'));
    fs.writeFileSync(path.join(dir, 'plots', 'a.png'), 'x');
    fs.symlinkSync('/etc', path.join(dir, 'etc'));
    const problems: { path: string; message: string }[] = [];
    assert.deepEqual(listArtifactFolder(dir, problems), [{ path: 'plots/a.png', size: 1, sha256: null, mediaType: 'image/png' }]);
    assert.match(problems[0].message, /symbolic link/);
  });

  it('has the media types the Python client records', () => {
    const shared = JSON.parse(fs.readFileSync(path.join(repoRoot(), 'test/vectors/artifact-media-types.json'), 'utf8')).types;
    assert.deepEqual(MEDIA_TYPES, shared);
    assert.equal(mediaTypeOf('a/B.SVG'), 'image/svg+xml');
    assert.equal(mediaTypeOf('noext'), null);
    assert.equal(mediaTypeOf('dir.d/noext'), null);
  });
});

describe('artifact previews', () => {
  it('chooses how a file is shown by its name', () => {
    assert.deepEqual(['a.png', 'b.SVG', 'c.csv', 'd.tsv', 'e.json', 'f.yml', 'g.md', 'h.txt', 'model/MLmodel', 'i.pkl', 'j.bin'].map((p) => previewKind(p)),
      ['image', 'image', 'csv', 'csv', 'json', 'yaml', 'markdown', 'text', 'text', 'none', 'none']);
    assert.equal(previewKind('out.dat', 'text/plain'), 'text');
  });

  it('reads CSV as RFC 4180 says: quoted separators, doubled quotes and line breaks inside quotes', () => {
    assert.deepEqual(parseCsv('a,b\r\n"x, y","say ""hi"""\n"multi\nline",2\n').rows, [['a', 'b'], ['x, y', 'say "hi"'], ['multi\nline', '2']]);
    assert.deepEqual(parseCsv('\ufeffa\tb\n1\t2', 10, '\t').rows, [['a', 'b'], ['1', '2']]);
  });

  it('shows at most the rows it is asked for, and drops a row the byte cap cut', () => {
    const text = Array.from({ length: 20 }, (_, i) => `${i},x`).join('\n') + '\n';
    assert.deepEqual(parseCsv(text, 5), { rows: [['0', 'x'], ['1', 'x'], ['2', 'x'], ['3', 'x'], ['4', 'x']], truncated: true });
    assert.deepEqual(parseCsv('a,b\n1,2\n3,', 10, ',', false), { rows: [['a', 'b'], ['1', '2']], truncated: true });
  });

  it('decodes text, leaving out a character the cap cut, and refuses what is not text', () => {
    const bytes = Buffer.from('été');
    assert.equal(decodeText(bytes.subarray(0, 4), true), 'ét');
    assert.equal(decodeText(bytes, false), 'été');
    assert.equal(decodeText(Buffer.from([0x50, 0, 0x51]), false), undefined);
    assert.equal(decodeText(Buffer.from([0xff, 0xfe]), false), undefined);
  });
});
