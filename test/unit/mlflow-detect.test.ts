import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { detectMlflowStores } from '../../src/core/mlflow/detect';
import { FIXTURE_DB, FIXTURE_MLRUNS, removeScratch } from './mlflow-fixtures';
import { tempWorkspace } from './support/workspace';

describe('Finding MLflow stores in a workspace folder', () => {
  let workspace: string;
  const place = (relative: string, source?: string) => {
    const target = path.join(workspace, relative);
    fs.mkdirSync(path.dirname(target), { recursive: true });
    if (source === FIXTURE_DB) fs.copyFileSync(source, target);
    else if (source === FIXTURE_MLRUNS) {
      fs.mkdirSync(path.join(target, '0'), { recursive: true });
      fs.copyFileSync(path.join(source, '0', 'meta.yaml'), path.join(target, '0', 'meta.yaml'));
    } else fs.mkdirSync(target, { recursive: true });
  };

  beforeEach(() => { workspace = tempWorkspace(); });
  afterEach(() => removeScratch(workspace));

  it('finds mlruns/ folders and mlflow.db files at the top and up to two folders down', async () => {
    place('mlruns', FIXTURE_MLRUNS);
    place('mlflow.db', FIXTURE_DB);
    place('experiments/vision/mlruns', FIXTURE_MLRUNS);
    place('experiments/nlp/mlflow.db', FIXTURE_DB);
    place('a/b/c/mlruns', FIXTURE_MLRUNS); // three down: too deep
    assert.deepEqual(await detectMlflowStores(workspace), [
      { path: path.join(workspace, 'experiments/nlp/mlflow.db'), kind: 'mlflow-db' },
      { path: path.join(workspace, 'experiments/vision/mlruns'), kind: 'mlflow-file' },
      { path: path.join(workspace, 'mlflow.db'), kind: 'mlflow-db' },
      { path: path.join(workspace, 'mlruns'), kind: 'mlflow-file' },
    ]);
  });

  it('does not look inside dependency, version-control, virtualenv or RunLens folders', async () => {
    for (const skipped of ['node_modules/pkg', '.git/x', '.venv', '.runlens']) {
      place(`${skipped}/mlruns`, FIXTURE_MLRUNS);
      place(`${skipped}/mlflow.db`, FIXTURE_DB);
    }
    assert.deepEqual(await detectMlflowStores(workspace), []);
  });

  it('does not offer folders and files that only share the name', async () => {
    place('notes/mlruns/drafts');
    fs.writeFileSync(path.join(workspace, 'notes', 'mlflow.db'), 'not a database');
    assert.deepEqual(await detectMlflowStores(workspace), []);
  });

  it('recognises the folder it is given as a store', async () => {
    place('mlruns', FIXTURE_MLRUNS);
    const mlruns = path.join(workspace, 'mlruns');
    assert.deepEqual(await detectMlflowStores(mlruns), [{ path: mlruns, kind: 'mlflow-file' }]);
  });
});
