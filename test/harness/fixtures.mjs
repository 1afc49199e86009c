// Test workspaces: the runners never open test/fixtures/NAME in place, they open a temp copy,
// which the tests may write to.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const FIXTURES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../fixtures');

/** Copies test/fixtures/NAME to a new temp folder; returns its path and a `cleanup()` that removes it. */
export function copyFixture(name) {
  const parent = fs.mkdtempSync(path.join(os.tmpdir(), 'runlens-fixture-'));
  const dir = path.join(parent, name);
  fs.cpSync(path.join(FIXTURES, name), dir, { recursive: true });
  return { dir, cleanup: () => fs.rmSync(parent, { recursive: true, force: true }) };
}
