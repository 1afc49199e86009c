import * as fs from 'node:fs';
import * as path from 'node:path';

/** The checkout's root: the nearest folder up from here whose package.json is RunLens's. */
export function repoRoot(): string {
  let dir = __dirname;
  for (;;) {
    const pkg = path.join(dir, 'package.json');
    if (fs.existsSync(pkg) && JSON.parse(fs.readFileSync(pkg, 'utf8')).name === 'runlens') return dir;
    const up = path.dirname(dir);
    if (up === dir) throw new Error('not inside the RunLens checkout');
    dir = up;
  }
}
