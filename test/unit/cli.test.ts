import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { cli } from './support/cli';
import { findWorkspace } from '../../src/cli/main';
import { WorkspaceStore } from '../../src/core/store/workspaceStore';
import { CollectingReporter, tempWorkspace, writeRun } from './support/workspace';
import { FIXTURE_DB } from './mlflow-fixtures';

describe('the runlens command line', () => {
  it('prints its help and version', async () => {
    const help = await cli(['--help']);
    assert.equal(help.code, 0);
    for (const command of ['analyze', 'runs', 'exists', 'import', 'rebuild', 'version']) assert.match(help.out, new RegExp(`\\n  ${command}\\b`));
    assert.match((await cli(['version', '--json'])).out, /^\{"version":"\d+\.\d+\.\d+"\}\n$/);
    assert.equal((await cli(['frobnicate'])).code, 2);
  });

  it('exists: 0 when logged, 1 when not, 2 for a question it cannot answer', async () => {
    const ws = tempWorkspace();
    writeRun(ws, { id: 'a', params: { lr: '0.001', bs: '32' } });
    assert.equal((await cli(['exists', 'lr=1e-3 bs=32.0', '--workspace', ws])).code, 0);
    assert.equal((await cli(['exists', '{"lr": 0.001, "bs": 64}', '--workspace', ws])).code, 1);
    const empty = await cli(['exists', '{}', '--workspace', ws]);
    assert.equal(empty.code, 2);
    assert.match(empty.err, /has no parameters/);
    assert.equal((await cli(['exists', '{not json', '--workspace', ws])).code, 2);
  });

  it('reading commands write nothing, not even a .runlens/', async () => {
    const ws = tempWorkspace();
    assert.equal((await cli(['runs', '--workspace', ws])).code, 0);
    assert.equal((await cli(['exists', 'lr=1', '--workspace', ws])).code, 1);
    assert.deepEqual(fs.readdirSync(ws), []);
  });

  it('finds the workspace as the Python client does: the nearest folder up with a .runlens/', () => {
    const ws = tempWorkspace();
    fs.mkdirSync(path.join(ws, '.runlens'));
    fs.mkdirSync(path.join(ws, 'src', 'models'), { recursive: true });
    assert.equal(findWorkspace(path.join(ws, 'src', 'models')), ws);
  });

  it('import hands the store to a VS Code window that writes it, through the journal', async () => {
    const ws = tempWorkspace();
    const window = await WorkspaceStore.open(ws, { reporter: new CollectingReporter(), followEveryMs: 0 });
    const db = path.join(ws, 'mlflow.db');
    fs.copyFileSync(FIXTURE_DB, db);
    const r = await cli(['import', db, '--workspace', ws, '--json']);
    assert.equal(r.code, 0, r.err);
    assert.equal(JSON.parse(r.out).queued, true);
    await window.refresh();
    await window.imported.follow(true);
    assert.ok(Object.keys(window.sources()).includes(db));
    assert.ok(window.catalog.experimentIds.has('tune-mlp'));
    await window.close();
  });
});

describe('the command line parses strictly, as a command line should', () => {
  it('refuses an option the command does not take, naming it and what was meant, instead of listing everything', async () => {
    const ws = tempWorkspace();
    writeRun(ws, { id: 'a', params: { lr: '0.001' } });
    const r = await cli(['runs', '--fitler', 'params.lr = 1', '--workspace', ws]);
    assert.equal(r.code, 2);
    assert.equal(r.out, '', 'nothing listed');
    assert.equal(r.err, "runlens runs: unknown option --fitler (did you mean --filter?); see 'runlens runs --help'\n");
    assert.equal((await cli(['exists', 'lr=1', '--all', '--workspace', ws])).code, 2, 'an option of another command');
    assert.match((await cli(['runs', '--filter'])).err, /--filter needs a value/);
    assert.match((await cli(['runs', '--json=yes', '--workspace', ws])).err, /--json takes no value/);
  });

  it('answers -h and --help on every command with what it takes', async () => {
    for (const command of ['analyze', 'runs', 'exists', 'import', 'rebuild', 'version']) {
      for (const flag of ['-h', '--help']) {
        const r = await cli([command, flag]);
        assert.equal(r.code, 0, `${command} ${flag}`);
        assert.match(r.out, new RegExp(`^Usage: runlens ${command}\\b`));
      }
    }
    assert.match((await cli(['runs', '--help'])).out, /--filter Q\s+only the runs a filter keeps/);
  });

  it('takes the global options before the command too', async () => {
    const ws = tempWorkspace();
    writeRun(ws, { id: 'a', params: { lr: '0.001' } });
    assert.equal((await cli(['--workspace', ws, 'exists', 'lr=1e-3'])).code, 0);
  });
});
