import * as assert from 'node:assert/strict';
import * as childProcess from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { LOCK_STALE_MS, WriterLock } from '../../src/core/store/writerLock';
import { tempWorkspace } from './support/workspace';

describe('the writer lock', () => {
  const lockFile = () => path.join(tempWorkspace(), 'runlens.lock');

  it('one of two processes gets it; the other gets it once the first lets go', () => {
    const file = lockFile();
    const a = new WriterLock(file);
    const b = new WriterLock(file);
    assert.equal(a.tryAcquire(), true);
    assert.equal(b.tryAcquire(), false);
    assert.equal(b.activeHolder()?.token, a.token);
    a.release();
    assert.equal(b.tryAcquire(), true);
  });

  it('is taken over when its holder stopped renewing it, and the old holder learns it lost it', () => {
    const file = lockFile();
    let now = 1_000_000;
    const a = new WriterLock(file, () => now);
    const b = new WriterLock(file, () => now);
    assert.equal(a.tryAcquire(), true);
    now += LOCK_STALE_MS + 1;
    assert.equal(b.tryAcquire(), true);
    assert.equal(a.renew(), false);
    assert.equal(a.isHeld, false);
  });

  it('of two processes taking over a stale lock together, only one holds it', () => {
    const file = lockFile();
    let now = 1_000_000;
    new WriterLock(file, () => now).tryAcquire();
    now += LOCK_STALE_MS + 1;
    const a = new WriterLock(file, () => now);
    const b = new WriterLock(file, () => now);
    const got = [a.tryAcquire(), b.tryAcquire()];
    assert.deepEqual(got.filter(Boolean).length, 1);
    assert.equal([a, b].filter((l) => l.renew()).length, 1);
  });

  it('a lock file that cannot be read is someone writing it, unless it is old', () => {
    const file = lockFile();
    fs.writeFileSync(file, '');
    assert.equal(new WriterLock(file).tryAcquire(), false);
    const old = new Date(Date.now() - LOCK_STALE_MS - 5000);
    fs.utimesSync(file, old, old);
    assert.equal(new WriterLock(file).tryAcquire(), true);
  });

  it('leaves no temporary files behind', () => {
    const file = lockFile();
    const a = new WriterLock(file);
    a.tryAcquire();
    a.renew();
    new WriterLock(file).tryAcquire();
    assert.deepEqual(fs.readdirSync(path.dirname(file)), ['runlens.lock']);
  });
});

describe('the writer lock, raced for by real processes', function () {
  this.timeout(180_000);
  const racer = path.join(__dirname, 'lock-racer.js');
  const PROCESSES = 8;

  /** A lock left by a process that is gone: a pid above Linux's largest (2^22) is never alive. */
  function staleLock(dir: string): void {
    const t = Date.now();
    fs.writeFileSync(path.join(dir, 'runlens.lock'), JSON.stringify({ token: 'gone', pid: 2 ** 22 + 99, host: os.hostname(), since: t, beat: t }));
  }

  function fork(): Promise<ChildProcess> {
    return new Promise((resolve, reject) => {
      const child = childProcess.fork(racer, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
      child.once('message', () => resolve(child));
      child.once('error', reject);
    });
  }

  /** The holders' log as holding periods: [id, id] per period, in order; throws if two overlap. */
  function periods(dir: string): number[] {
    const lines = fs.readFileSync(path.join(dir, 'holders.log'), 'utf8').trim().split('\n');
    const held: number[] = [];
    for (let i = 0; i < lines.length; i += 2) {
      const [enter, leave] = [lines[i], lines[i + 1]];
      if (!enter.startsWith('+') || leave !== `-${enter.slice(1)}`) throw new Error(`two writers at once: ${lines.slice(i, i + 3).join(' ')}`);
      held.push(Number(enter.slice(1)));
    }
    return held;
  }

  it('of 8 processes that find a stale lock at once, one writes at a time, in 50 of 50 trials', async () => {
    const children = await Promise.all(Array.from({ length: PROCESSES }, fork));
    let clean = 0;
    const overlaps: string[] = [];
    try {
      for (let trial = 0; trial < 50; trial++) {
        const dir = tempWorkspace();
        staleLock(dir);
        // Each takes the lock once, holds it 5 ms, releases it: the first of them took over the stale one.
        const got = await Promise.all(children.map((c, id) => new Promise<boolean>((resolve) => {
          c.once('message', (m: { got: boolean }) => resolve(m.got));
          c.send({ dir, id, then: 'release', holdMs: 5 });
        })));
        assert.equal(got.filter(Boolean).length, PROCESSES, `trial ${trial}: every process got the lock in turn`);
        try {
          assert.equal(periods(dir).length, PROCESSES);
          clean++;
        } catch (e) {
          overlaps.push(`trial ${trial}: ${(e as Error).message}`);
        }
        assert.deepEqual(fs.readdirSync(dir), ['holders.log'], 'no lock, claim or temporary file is left');
      }
    } finally {
      for (const c of children) c.send('exit');
    }
    console.log(`      lock race: one writer at a time in ${clean} of 50 trials with ${PROCESSES} processes (${50 * PROCESSES} holdings)`);
    assert.deepEqual(overlaps, []);
  });

  it('of 8 processes that each die holding the lock, the next one takes it over, one at a time, in 10 of 10 trials', async () => {
    let clean = 0;
    const overlaps: string[] = [];
    for (let trial = 0; trial < 10; trial++) {
      const dir = tempWorkspace();
      staleLock(dir);
      const children = await Promise.all(Array.from({ length: PROCESSES }, fork));
      await Promise.all(children.map((c, id) => new Promise<void>((resolve) => {
        c.once('exit', () => resolve());
        c.send({ dir, id, then: 'die', holdMs: 5 });
      })));
      try {
        assert.equal(periods(dir).length, PROCESSES);
        clean++;
      } catch (e) {
        overlaps.push(`trial ${trial}: ${(e as Error).message}`);
      }
      assert.deepEqual(fs.readdirSync(dir).sort(), ['holders.log', 'runlens.lock'], 'only the last (stale) lock is left');
    }
    console.log(`      lock race: one writer at a time in ${clean} of 10 trials of ${PROCESSES} processes dying with the lock in turn`);
    assert.deepEqual(overlaps, []);
  });
});
