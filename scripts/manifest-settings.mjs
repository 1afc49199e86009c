// Writes package.json's `contributes.configuration` from the settings table
// (src/core/settings/table.ts), the one owner of every setting's type, default, values and words.
//   npm run manifest:settings
// test/unit/settings.test.ts fails while package.json says anything else.
import * as esbuild from 'esbuild';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { outputFiles } = await esbuild.build({
  entryPoints: [path.join(REPO, 'src/core/settings/manifest.ts')],
  bundle: true, platform: 'node', format: 'cjs', write: false, logLevel: 'warning',
});
const module = { exports: {} };
new Function('module', 'exports', 'require', outputFiles[0].text)(module, module.exports, () => { throw new Error('the settings table imports nothing'); });
const file = path.join(REPO, 'package.json');
const before = fs.readFileSync(file, 'utf8');
const pkg = JSON.parse(before);
pkg.contributes.configuration = module.exports.configurationContribution();
const after = `${JSON.stringify(pkg, null, 2)}\n`;
if (after === before) {
  console.log('package.json: contributes.configuration is up to date');
} else {
  fs.writeFileSync(file, after);
  console.log('package.json: wrote contributes.configuration from src/core/settings/table.ts');
}
