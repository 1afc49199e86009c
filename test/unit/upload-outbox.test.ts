import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { normalizeServerUri } from '../../src/core/mlflowServer/uri';
import { byServer, readUploadOutput, uploadCredentials, uploaderArgs, uploaderEnv, uploadMark, waitingRuns } from '../../src/core/upload/outbox';
import { repoRoot } from './support/repo';
import { tempWorkspace } from './support/workspace';

const vectors = JSON.parse(fs.readFileSync(path.join(repoRoot(), 'test/vectors/server-uri.json'), 'utf8')) as { vectors: [string, string | null][] };

describe('a tracking server is named in run logs as the Python client names it (shared vectors)', () => {
  for (const [uri, identity] of vectors.vectors) {
    const credentials = identity !== null && new URL(uri.trim()).username !== '';
    if (identity === null || credentials) {
      it(`${JSON.stringify(uri)} is refused${credentials ? ' (credentials are kept out of URIs here)' : ''}`, () => assert.throws(() => normalizeServerUri(uri), credentials ? /credentials/ : /not (a|an http\(s\)) URI/));
    } else {
      it(`${JSON.stringify(uri)} -> ${identity}`, () => assert.equal(normalizeServerUri(uri), identity));
    }
  }
});

describe('the runs waiting to be uploaded (.runlens/outbox)', () => {
  const outbox = (files: Record<string, string>): string => {
    const store = path.join(tempWorkspace(), '.runlens');
    fs.mkdirSync(path.join(store, 'outbox'), { recursive: true });
    for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(store, 'outbox', name), text);
    return store;
  };

  it('are counted per server, a file being written too, anything else in the folder not', () => {
    const store = outbox({
      'a1.json': '{"server":"http://127.0.0.1:5000","log":"runs/2024-01-01/a1.jsonl"}',
      'b2.json': '{"server":"http://127.0.0.1:5000","log":"runs/2024-01-01/b2.jsonl"}',
      'c3.json': '{"server":"https://mlflow.example.com","log":"runs/2024-01-01/c3.jsonl"}',
      'd4.json': '',
      'notes.txt': 'x',
      'bad name!.json': '{}',
    });
    const runs = waitingRuns(store);
    assert.deepEqual(runs.map((r) => r.runId), ['a1', 'b2', 'c3', 'd4']);
    assert.deepEqual([...byServer(runs)], [['http://127.0.0.1:5000', 2], ['https://mlflow.example.com', 1], ['', 1]]);
  });

  it('are read for the runs asked about only (a page of the Runs view)', () => {
    const store = outbox({
      'a1.json': '{"server":"http://127.0.0.1:5000","log":"runs/2024-01-01/a1.jsonl"}',
      'b2.json': '{"server":"https://mlflow.example.com","log":"runs/2024-01-01/b2.jsonl"}',
    });
    assert.deepEqual(waitingRuns(store, new Set(['b2', 'zz'])), [{ runId: 'b2', server: 'https://mlflow.example.com' }]);
  });

  it('are marked in the Runs view: uploading while their process runs, not uploaded once it ended', () => {
    const waiting = { runId: 'a1', server: 'http://127.0.0.1:5000' };
    assert.equal(uploadMark(waiting, true).label, 'uploading');
    const ended = uploadMark(waiting, false);
    assert.equal(ended.label, 'not uploaded');
    assert.match(ended.tooltip, /^Not uploaded to http:\/\/127\.0\.0\.1:5000 yet/);
    assert.match(ended.tooltip, /Upload Pending Runs/);
    assert.match(uploadMark({ runId: 'a1' }, false).tooltip, /its tracking server/);
  });

  it('are none in a folder without an outbox, or whose outbox is a link', () => {
    const store = path.join(tempWorkspace(), '.runlens');
    fs.mkdirSync(store, { recursive: true });
    assert.deepEqual(waitingRuns(store), []);
    const elsewhere = outbox({ 'a1.json': '{"server":"http://x"}' });
    fs.symlinkSync(path.join(elsewhere, 'outbox'), path.join(store, 'outbox'));
    assert.deepEqual(waitingRuns(store), []);
  });
});

describe('the uploader is the Python client, run with the credentials that belong to the server only', () => {
  const base = {
    PATH: '/usr/bin', PYTHONPATH: '/site', MLFLOW_TRACKING_URI: 'http://127.0.0.1:5000/',
    MLFLOW_TRACKING_TOKEN: 't0ken', RUNLENS_DIR: '/elsewhere/.runlens', RUNLENS_RUN_ID: 'x',
  };

  const envFor = (server: string, from: NodeJS.ProcessEnv = base) => uploaderEnv(from, '/w/.runlens', '/ext/python', uploadCredentials(server, from, undefined));

  it('keeps the token for the server the environment names', () => {
    const env = envFor('http://127.0.0.1:5000');
    assert.equal(env.MLFLOW_TRACKING_TOKEN, 't0ken');
    assert.equal(env.RUNLENS_DIR, '/w/.runlens');
    assert.equal(env.RUNLENS_RUN_ID, undefined);
    assert.equal(env.PYTHONPATH, ['/ext/python', '/site'].join(path.delimiter));
    assert.deepEqual(uploaderArgs('http://127.0.0.1:5000'), ['-m', 'runlens.upload', '--json', '--server', 'http://127.0.0.1:5000']);
  });

  it('gives it the credentials the editor keeps for the server, in place of the environment\'s', () => {
    const kept = { username: 'alice', password: 's3cret' };
    const env = uploaderEnv(base, '/w/.runlens', '/ext/python', uploadCredentials('http://other:5000', base, kept));
    assert.deepEqual([env.MLFLOW_TRACKING_USERNAME, env.MLFLOW_TRACKING_PASSWORD, env.MLFLOW_TRACKING_TOKEN], ['alice', 's3cret', undefined]);
    const token = uploaderEnv(base, '/w/.runlens', '/ext/python', uploadCredentials('http://127.0.0.1:5000', base, { token: 'k3pt' }));
    assert.equal(token.MLFLOW_TRACKING_TOKEN, 'k3pt');
    assert.deepEqual(uploaderArgs('http://other:5000').filter((a) => a.includes('s3cret') || a.includes('k3pt')), []);
  });

  it('drops it for another server', () => {
    assert.equal(envFor('http://other:5000').MLFLOW_TRACKING_TOKEN, undefined);
    assert.equal(envFor('http://127.0.0.1:5000', { ...base, MLFLOW_TRACKING_URI: undefined }).MLFLOW_TRACKING_TOKEN, undefined);
  });

  it('reads what the uploader said', () => {
    const out = readUploadOutput([
      '{"run": "a1", "server": "http://127.0.0.1:5000", "state": "done", "message": null}',
      '{"run": "b2", "server": "http://127.0.0.1:5000", "state": "waiting", "message": "http://127.0.0.1:5000 cannot be reached (connection refused)"}',
      '{"run": "c3", "server": "http://127.0.0.1:5000", "state": "waiting", "message": "http://127.0.0.1:5000 cannot be reached (connection refused)", "problem": "unreachable"}',
      'not json',
      '{"summary": {"server": "http://127.0.0.1:5000", "folder": "/w/.runlens", "points": 12, "done": 1, "stopped": 0, "waiting": 2, "busy": 0}}',
    ].join('\n'));
    assert.deepEqual(out, { done: 1, stopped: 0, waiting: 2, busy: 0, points: 12, files: 0, problems: ['http://127.0.0.1:5000 cannot be reached (connection refused)'], notes: [], auth: false });
  });

  it('reads why the artifacts of a run it uploaded stayed here', () => {
    const note = 'the artifacts of run a1 are not uploaded: http://127.0.0.1:5000 does not serve artifacts (404)';
    const out = readUploadOutput([
      `{"run": "a1", "server": "http://127.0.0.1:5000", "state": "done", "message": null, "problem": null, "note": ${JSON.stringify(note)}}`,
      '{"run": "b2", "server": "http://127.0.0.1:5000", "state": "done", "message": null, "problem": null, "note": null}',
      '{"run": "c3", "server": "http://127.0.0.1:5000", "state": "done", "message": null, "problem": null}',
      '{"summary": {"server": "http://127.0.0.1:5000", "points": 3, "files": 4, "bytes": 1024, "done": 3, "stopped": 0, "waiting": 0, "busy": 0}}',
    ].join('\n'));
    assert.deepEqual([out.done, out.files, out.notes, out.problems], [3, 4, [note], []]);
  });

  it('tells a refusal of credentials from a server that is down', () => {
    const refused = 'http://127.0.0.1:5000 refused the credentials (401): set MLFLOW_TRACKING_TOKEN, or MLFLOW_TRACKING_USERNAME and MLFLOW_TRACKING_PASSWORD, for this server';
    const out = readUploadOutput(`{"run": "a1", "server": "http://127.0.0.1:5000", "state": "waiting", "message": ${JSON.stringify(refused)}, "problem": "auth"}\n`);
    assert.deepEqual([out.auth, out.problems], [true, [refused]]);
  });
});
