// What every UI test file needs: one workbench (code-server + headless Chromium) per file, opened
// on a temp copy of a fixture workspace with RunLens loaded as the extension under development.
//
//   import { useWorkbench } from './helpers.mjs';
//   describe('Something a person sees', function () {
//     const wb = useWorkbench({ workspace: 'python-project' });
//     it('…', async () => { await wb.openView('RunLens'); … await wb.screenshot('name'); });
//   });
//
// `wb` has the methods of test/harness/workbench.mjs (openView, view, treeItems, treeRows,
// expandTreeRow, welcomeText, openFile, codeLenses, clickCodeLens, runCommand, notifications,
// activityBarItem, page (the playwright-core Page) …), plus:
//   wb.screenshot(name, { readme })  test/screenshots/NAME.png; with readme: true and
//                                    UPDATE_SCREENSHOTS=1, also docs/images/NAME.png
//   wb.workspace                     the temp copy's path (tests may write to it)
// A failing test leaves test/screenshots/failed-<test title>.png behind.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { copyFixture } from '../harness/fixtures.mjs';
import { openWorkbench } from '../harness/workbench.mjs';

export { copyFixture };

export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const SCREENSHOTS = path.join(REPO, 'test/screenshots');
export const README_IMAGES = path.join(REPO, 'docs/images');

/** Saves a screenshot as test/screenshots/NAME.png (and docs/images/NAME.png when asked). */
export function keepScreenshot(file, name, { readme = false } = {}) {
  fs.mkdirSync(SCREENSHOTS, { recursive: true });
  const kept = path.join(SCREENSHOTS, `${name}.png`);
  if (path.resolve(file) !== kept) fs.copyFileSync(file, kept);
  if (readme && process.env.UPDATE_SCREENSHOTS === '1') {
    fs.mkdirSync(README_IMAGES, { recursive: true });
    fs.copyFileSync(kept, path.join(README_IMAGES, `${name}.png`));
    console.log(`      updated docs/images/${name}.png`);
  }
  return kept;
}

/**
 * Registers mocha hooks that open a workbench before the file's tests and close it after them.
 * Options: workspace (a fixture name; default none), plus anything openWorkbench takes
 * (vsix, settings, env, extensionDevelopmentPath: null to load RunLens only from a vsix).
 * Returns a handle usable inside the tests.
 */
export function useWorkbench({ workspace, ...options } = {}) {
  let wb;
  let fixture;
  const handle = {
    get workspace() { return fixture?.dir; },
    async screenshot(name, opts) {
      const file = await wb.screenshot(path.join(SCREENSHOTS, `${name}.png`));
      return keepScreenshot(file, name, opts);
    },
  };
  before(async function () {
    fixture = workspace ? copyFixture(workspace) : undefined;
    wb = await openWorkbench({
      ...options,
      folder: fixture?.dir,
      extensionDevelopmentPath: options.extensionDevelopmentPath === null ? undefined : (options.extensionDevelopmentPath || REPO),
    });
  });
  afterEach(async function () {
    if (this.currentTest?.state === 'failed' && wb) {
      const name = `failed-${this.currentTest.fullTitle().replace(/[^\w.-]+/g, '-').slice(0, 100)}`;
      await wb.screenshot(path.join(SCREENSHOTS, `${name}.png`)).then(
        (f) => console.log(`      screenshot of the failure: ${path.relative(REPO, f)}`),
        () => {},
      );
    }
  });
  after(async function () {
    if (wb) await wb.close();
    fixture?.cleanup();
  });
  // Everything else is the Workbench's own method or property, looked up when a test runs.
  return new Proxy(handle, {
    get(target, key) {
      if (key in target) return target[key];
      if (!wb) throw new Error(`the workbench is not open (its before() hook failed or has not run): wb.${String(key)}`);
      const value = wb[key];
      return typeof value === 'function' ? value.bind(wb) : value;
    },
  });
}

/** The CodeLens texts of the active editor once one of them contains `text` (see workbench.codeLenses). */
export async function lensesSaying(wb, text, { timeout = 60000, before } = {}) {
  const deadline = Date.now() + timeout;
  for (;;) {
    if (before) await before();
    const lenses = await wb.codeLenses({ min: 0 });
    if (lenses.some((l) => l.includes(text))) return lenses;
    if (Date.now() > deadline) throw new Error(`no lens says "${text}"; the lenses: ${lenses.join(' | ') || '(none)'}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}
