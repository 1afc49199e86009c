/**
 * A process that races for a workspace's writer lock (writer-lock.test.ts forks eight of these).
 * On `go` it tries to take the lock until it has it; while it holds it, it appends `+<id>` and, a
 * few milliseconds later, `-<id>` to `holders.log`; then it releases the lock (`release`), or dies
 * holding it (`die`), which leaves a stale lock for the others to take over.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { WriterLock } from '../../src/core/store/writerLock';

interface Go { dir: string; id: number; then: 'release' | 'die'; holdMs: number }

const pause = new Int32Array(new SharedArrayBuffer(4));
const sleep = (ms: number) => Atomics.wait(pause, 0, 0, ms);

function race(m: Go): boolean {
  const lock = new WriterLock(path.join(m.dir, 'runlens.lock'));
  const log = path.join(m.dir, 'holders.log');
  for (let attempt = 0; attempt < 20_000; attempt++) {
    if (lock.tryAcquire()) {
      fs.appendFileSync(log, `+${m.id}\n`);
      sleep(m.holdMs);
      fs.appendFileSync(log, `-${m.id}\n`);
      if (m.then === 'die') process.exit(0);
      lock.release();
      return true;
    }
    sleep(1);
  }
  return false;
}

process.on('message', (m: Go | 'exit') => {
  if (m === 'exit') process.exit(0);
  process.send!({ got: race(m) });
});
process.send!('ready');
