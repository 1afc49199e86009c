import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { repoRoot } from './support/repo';

// docs/images/*.png ship in the .vsix (.vscodeignore), which must stay under 3 MB: each one is
// there for a page that shows it, and each image a page shows is there.
describe('the images the README and the docs show', () => {
  const root = repoRoot();
  const pages = ['README.md', 'python/README.md', ...fs.readdirSync(path.join(root, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];
  const text = pages.map((p) => fs.readFileSync(path.join(root, p), 'utf8')).join('\n');
  const images = fs.readdirSync(path.join(root, 'docs/images')).filter((f) => f.endsWith('.png'));

  it('ships no image that no page shows', () => {
    assert.deepEqual(images.filter((f) => !text.includes(`images/${f}`)), []);
  });

  it('shows no image that is not there', () => {
    const shown = [...text.matchAll(/images\/([\w.-]+\.png)/g)].map((m) => m[1]);
    assert.deepEqual(shown.filter((f) => !images.includes(f)), []);
  });
});
