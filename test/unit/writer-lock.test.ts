import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
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
