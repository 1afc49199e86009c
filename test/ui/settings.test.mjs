// RunLens's settings in the real Settings editor, as a person finds them: searched with
// @ext:runlens.runlens, and browsed under Extensions › RunLens.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { REPO, useWorkbench } from './helpers.mjs';

const manifest = JSON.parse(fs.readFileSync(path.join(REPO, 'package.json'), 'utf8'));
const groups = [manifest.contributes.configuration].flat();
const declared = groups.flatMap((g) => Object.entries(g.properties));
const ALL = declared.map(([key]) => key);
// A setting about one machine (a path on it) is not a User setting in a remote window, which this
// one is (code-server): VS Code lists it under Remote and Workspace instead.
const MACHINE = declared.filter(([, p]) => p.scope === 'machine' || p.scope === 'machine-overridable').map(([key]) => key);

describe('RunLens in the Settings editor', function () {
  const wb = useWorkbench({ workspace: 'python-project' });

  it('finds every setting with @ext:runlens.runlens, under RunLens and its groups, in their order', async function () {
    await wb.openSettings('@ext:runlens.runlens', { scope: 'Workspace' });
    const toc = await wb.settingsToc();
    const runlens = toc.findIndex((e) => e.label === 'RunLens');
    assert.ok(runlens >= 0, `no RunLens entry in the table of contents: ${JSON.stringify(toc)}`);
    assert.equal(toc[runlens].count, ALL.length);
    assert.deepEqual(toc.slice(runlens + 1).map((e) => e.label), groups.map((g) => g.title));
    assert.deepEqual((await wb.settingsItems()).map((i) => i.key), ALL);
    await wb.settingsItems({ until: () => true }); // back to the top, for the picture
    await wb.screenshot('settings-search');
  });

  it('lists the settings of one machine under Remote, not User, in a remote window; every other one under User', async function () {
    assert.ok(MACHINE.includes('runlens.pythonPath'));
    await wb.openSettings('@ext:runlens.runlens', { scope: 'User' });
    assert.deepEqual((await wb.settingsItems()).map((i) => i.key), ALL.filter((k) => !MACHINE.includes(k)));
    await wb.openSettings('@ext:runlens.runlens', { scope: 'Remote' });
    const remote = (await wb.settingsItems()).map((i) => i.key);
    for (const key of MACHINE) assert.ok(remote.includes(key), `${key} under Remote: ${remote.join(', ')}`);
  });

  it('browsed under Extensions, reads "RunLens", then its groups, each setting titled without the "Runlens ›" prefix', async function () {
    await wb.openSettings('', { scope: 'User' });
    const extensions = wb.page.locator('.settings-toc-container .monaco-list-row', { hasText: /^Extensions\b/ }).first();
    await extensions.click();
    // A click on an entry also opens or closes it: make sure it ends open.
    if (await extensions.getAttribute('aria-expanded') !== 'true') await extensions.click();
    await wb.page.waitForFunction((el) => el.getAttribute('aria-expanded') === 'true', await extensions.elementHandle(), { timeout: 20000 });
    const entry = wb.page.locator('.settings-toc-container .monaco-list-row', { hasText: /^RunLens\b/ }).first();
    // The table of contents draws only the rows on screen: scroll it down to RunLens.
    for (let i = 0; i < 60 && !await entry.count(); i++) {
      await wb.page.locator('.settings-toc-container').hover();
      await wb.page.mouse.wheel(0, 200);
      await wb.page.waitForTimeout(100);
    }
    await entry.click();
    await wb.page.locator('.settings-tree-container .settings-group-title-label', { hasText: /^RunLens$/ }).first().waitFor({ timeout: 20000 });
    await wb.page.waitForTimeout(500); // the list settles on RunLens
    await wb.screenshot('settings');
    // From RunLens's title down to the first row that is not RunLens's (the next extension's).
    const titled = new Set(['RunLens', ...groups.map((g) => g.title)]);
    const isOurs = (item) => (item.group ? titled.has(item.group) : item.key?.startsWith('runlens.'));
    const after = (items) => items.slice(items.findIndex((i) => i.group === 'RunLens'));
    const items = after(await wb.settingsItems({ fromTop: false, until: (seen) => after(seen).some((i) => !isOurs(i)) }));
    const ours = items.slice(0, items.findIndex((i) => !isOurs(i)) >>> 0);
    assert.deepEqual(ours.filter((i) => i.group).map((i) => i.group), ['RunLens', ...groups.map((g) => g.title)]);
    const titles = ours.filter((i) => i.key).map((i) => `${i.category}${i.label}`);
    assert.equal(titles.length, ALL.length);
    assert.deepEqual(titles.filter((t) => /runlens/i.test(t)), [], 'a title repeats the extension\'s name');
    assert.ok(titles.includes('Key Metric') && titles.includes('Lens: Scope') && titles.includes('Auto Import'), titles.join(' | '));
  });
});
