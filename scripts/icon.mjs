// Renders media/icon.png, the icon of the Marketplace and the Extensions view (package.json `icon`),
// from media/runlens.svg, the activity bar's line drawing: its lines in white on a blue rounded
// square, 256×256. Needs rsvg-convert (Debian's librsvg2-bin; test/harness/system-packages.sh).
//   npm run icon
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const svg = fs.readFileSync(path.join(REPO, 'media/runlens.svg'), 'utf8');
const open = /<svg\b[^>]*>/.exec(svg);
if (!open) throw new Error('media/runlens.svg has no <svg> element');
const drawing = svg.slice(open.index + open[0].length, svg.lastIndexOf('</svg>'));
// The drawing's stroke attributes, with currentColor made white.
const strokes = [...open[0].matchAll(/\b(stroke(?:-[a-z]+)?)="([^"]*)"/g)]
  .map(([, name, value]) => `${name}="${name === 'stroke' ? '#ffffff' : value}"`).join(' ');
const icon = `<svg xmlns="http://www.w3.org/2000/svg" width="256" height="256" viewBox="0 0 24 24">
  <rect width="24" height="24" rx="5" fill="#1f5fbf"/>
  <g transform="translate(3 3) scale(0.75)" fill="none" ${strokes}>${drawing}</g>
</svg>
`;
const out = path.join(REPO, 'media/icon.png');
const r = spawnSync('rsvg-convert', ['--width', '256', '--height', '256', '--output', out], { input: icon, stdio: ['pipe', 'inherit', 'inherit'] });
if (r.error || r.status !== 0) {
  console.error(`rsvg-convert failed (${r.error?.message ?? `exit ${r.status}`}); bash test/harness/system-packages.sh installs it`);
  process.exit(1);
}
console.log(`wrote ${path.relative(REPO, out)}`);
