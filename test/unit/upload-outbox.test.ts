import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { normalizeServerUri } from '../../src/core/mlflowServer/uri';
import { byServer, readUploadOutput, uploadCredentials, uploaderArgs, uploaderEnv, waitingRuns } from '../../src/core/upload/outbox';
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

  it('drops it for another server', () => {
    assert.equal(envFor('http://other:5000').MLFLOW_TRACKING_TOKEN, undefined);
    assert.equal(envFor('http://127.0.0.1:5000', { ...base, MLFLOW_TRACKING_URI: undefined }).MLFLOW_TRACKING_TOKEN, undefined);
  });

  it('reads what the uploader said', () => {
    const out = readUploadOutput([
      '{"run": "a1", "server": "http://127.0.0.1:5000", "state": "done", "message": null}',
      '{"run": "b2", "server": "http://127.0.0.1:5000", "state": "waiting", "message": "http://127.0.0.1:5000 cannot be reached (connection refused)"}',
      '{"run": "c3", "server": "http://127.0.0.1:5000", "state": "waiting", "message": "http://127.0.0.1:5000 cannot be reached (connection refused)"}',
      'not json',
      '{"summary": {"server": "http://127.0.0.1:5000", "folder": "/w/.runlens", "points": 12, "done": 1, "stopped": 0, "waiting": 2, "busy": 0}}',
    ].join('\n'));
    assert.deepEqual(out, { done: 1, stopped: 0, waiting: 2, busy: 0, points: 12, problems: ['http://127.0.0.1:5000 cannot be reached (connection refused)'] });
  });
});
