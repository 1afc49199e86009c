import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { checkTable, errorSentence, guarded, type CommandSurface } from '../../src/core/commands/guard';

function surface(trusted: boolean) {
  const seen = { refused: [] as string[], logged: [] as string[], told: [] as string[] };
  const s: CommandSurface = {
    isTrusted: () => trusted,
    refuseUntrusted: (id) => { seen.refused.push(id); },
    logError: (id, e) => { seen.logged.push(`${id}: ${(e as Error).stack}`); },
    tell: (m) => { seen.told.push(m); },
  };
  return { s, seen };
}

describe('the one path every command takes', () => {
  it('refuses a launch in an untrusted workspace, saying why, without running it', async () => {
    const { s, seen } = surface(false);
    let ran = false;
    const result = await guarded({ id: 'runlens.runExperiment', runsWorkspaceCode: true, run: () => { ran = true; } }, s)();
    assert.deepEqual([ran, result, seen.refused], [false, undefined, ['runlens.runExperiment']]);
  });

  it('runs anything else in an untrusted workspace, and returns what the handler returns', async () => {
    const { s } = surface(false);
    assert.equal(await guarded({ id: 'runlens.addTag', run: (a: never) => `tagged ${a}` }, s)('x'), 'tagged x');
  });

  it('logs an error with its stack and tells the person once, in one sentence', async () => {
    const { s, seen } = surface(true);
    const result = await guarded({ id: 'runlens.addTag', run: async () => { throw new Error("EROFS: read-only file system, open '/ro/.runlens/journal.jsonl'\n  more detail"); } }, s)();
    assert.equal(result, undefined);
    assert.equal(seen.logged.length, 1);
    assert.match(seen.logged[0], /^runlens\.addTag: Error: EROFS[\s\S]*at /, 'the log has the stack');
    assert.deepEqual(seen.told, ["RunLens: EROFS: read-only file system, open '/ro/.runlens/journal.jsonl'"]);
  });

  it('never says nothing', () => {
    assert.equal(errorSentence(new TypeError('')), 'TypeError');
    assert.equal(errorSentence('plain'), 'plain');
  });

  it('refuses a table that declares a command twice', () => {
    assert.throws(() => checkTable([{ id: 'runlens.a', run: () => 1 }, { id: 'runlens.a', run: () => 2 }]), /declared twice/);
  });

  it('the source registers commands in one place only', () => {
    const offenders: string[] = [];
    const walk = (dir: string) => {
      for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
        const f = path.join(dir, e.name);
        if (e.isDirectory()) walk(f);
        else if (f.endsWith('.ts') && f !== path.join('src', 'commands.ts') && fs.readFileSync(f, 'utf8').includes('registerCommand(')) offenders.push(f);
      }
    };
    walk('src');
    assert.deepEqual(offenders, [], 'every command belongs in the command table (src/commands.ts registers them)');
  });
});
