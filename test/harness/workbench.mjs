// Drives the real VS Code workbench (code-server in headless Chromium) the way a person does:
// activity bar, views, Quick Open, the command palette, CodeLens, notifications, the Output panel,
// screenshots, and more windows on the same folder.
// Used by the UI tests (through test/ui/helpers.mjs) and by `npm start -- --screenshot`.
//
//   const wb = await openWorkbench({ folder, extensionDevelopmentPath: REPO });
//   await wb.openView('RunLens'); const rows = await wb.treeRows('Runs');
//   const other = await wb.openWindow(); …; await other.closeWindow(); await wb.close();
import fs from 'node:fs';
import path from 'node:path';
import { startCodeServer, launchChromium, workbenchUrl } from './cs-harness.mjs';

const WORKBENCH_TIMEOUT = 60000;
const STEP_TIMEOUT = 20000;

/**
 * Starts code-server and Chromium and opens the workbench on `folder`.
 * @param {object} o
 * @param {string} [o.folder] workspace folder to open
 * @param {string} [o.extensionDevelopmentPath] load this extension folder as under development
 * @param {string[]} [o.vsix] install these packaged extensions first (as a user would)
 * @param {Record<string, unknown>} [o.settings] user settings
 * @param {Record<string, string>} [o.env] extra environment for the server and extension host
 * @param {number} [o.port] fixed port (default: a free one)
 * @param {string} [o.vscode] which VS Code (test/harness/versions.mjs: '1.139' or '1.90'; default REAL_VSCODE_VERSION, else the current one)
 * @param {boolean} [o.verbose] print code-server's and the browser's logs (default: VERBOSE=1)
 */
export async function openWorkbench(o = {}) {
  const verbose = o.verbose ?? process.env.VERBOSE === '1';
  const log = verbose ? (m) => console.error(m) : () => {};
  const cs = await startCodeServer({ settings: o.settings, env: o.env, vsix: o.vsix, port: o.port, vscode: o.vscode, log });
  let browser;
  try {
    browser = await launchChromium({ width: o.width, height: o.height });
    const page = browser.page;
    if (verbose) page.on('console', (m) => console.error(`[browser ${m.type()}] ${m.text()}`));
    const url = workbenchUrl(cs, { folder: o.folder, extensionDevelopmentPath: o.extensionDevelopmentPath });
    await page.goto(url);
    await page.locator('.monaco-workbench').waitFor({ timeout: WORKBENCH_TIMEOUT });
    return new Workbench(cs, browser, url);
  } catch (e) {
    if (browser) await browser.close();
    await cs.stop();
    throw e;
  }
}

export class Workbench {
  /** `page`: this window's page (default the browser's first); `owner`: close() ends the server and browser too. */
  constructor(cs, browser, url, { page = browser.page, owner = true } = {}) {
    this.cs = cs;
    this.browser = browser;
    /** The playwright-core Page: for anything the helpers below do not cover. */
    this.page = page;
    /** The URL that opened this workbench (a person can open it too, while it runs). */
    this.url = url;
    this.owner = owner;
  }

  /**
   * Opens another window on the same server and folder, as a person opening the URL in a second
   * tab: a workbench of its own with its own extension host. Its close() closes that tab only.
   */
  async openWindow() {
    const page = await this.browser.context.newPage();
    try {
      await page.goto(this.url);
      await page.locator('.monaco-workbench').waitFor({ timeout: WORKBENCH_TIMEOUT });
    } catch (e) {
      await page.close().catch(() => {});
      throw e;
    }
    return new Workbench(this.cs, this.browser, this.url, { page, owner: false });
  }

  /**
   * Closes this window as a person closes its tab (the page's unload handlers run, so the
   * workbench says goodbye to its extension host); the server and the other windows stay.
   */
  async closeWindow() {
    if (this.page.isClosed()) return;
    const closed = new Promise((resolve) => this.page.once('close', resolve));
    // With its unload handlers run, close() does not wait: the page may still refuse to go.
    await this.page.close({ runBeforeUnload: true });
    let timer;
    const refused = new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error('the window did not close (did the workbench ask to keep it open?)')), STEP_TIMEOUT);
    });
    try { await Promise.race([closed, refused]); } finally { clearTimeout(timer); }
  }

  /** The activity-bar entry of a view container, by its title ('RunLens', 'Explorer'). */
  activityBarItem(title) {
    return this.page.locator(`.part.activitybar .action-item:has(a.action-label[aria-label="${title}"]), .part.activitybar .action-item:has(a.action-label[aria-label^="${title} ("])`).first();
  }

  /** Opens a view container from the activity bar (leaves it open if it already is). */
  async openView(title) {
    const item = this.activityBarItem(title);
    await item.waitFor({ timeout: WORKBENCH_TIMEOUT });
    if (!/\bchecked\b/.test(await item.getAttribute('class') || '')) await item.locator('a.action-label').click();
    await this.page.locator(`.part.sidebar .composite.title h2`).filter({ hasText: new RegExp(`^${escapeRe(title)}\\b`, 'i') }).waitFor({ timeout: STEP_TIMEOUT });
  }

  /** A view of the side bar, by its name ('Runs'); resolves once it is on screen. */
  async view(name) {
    const pane = this.page.locator('.part.sidebar .pane', { has: this.page.locator(`.pane-header[aria-label="${name} Section"]`) });
    await pane.waitFor({ timeout: STEP_TIMEOUT });
    return pane;
  }

  /**
   * The rows of a tree view as shown, top to bottom: { label, description, level, expanded, ariaLabel }
   * (expanded: true, false, or undefined for a leaf; ariaLabel: what a screen reader says, which
   * for a run includes the status its icon shows). Waits up to `timeout` for at least `min` rows.
   */
  async treeItems(viewName, { min = 1, timeout = STEP_TIMEOUT } = {}) {
    const rows = (await this.view(viewName)).locator('.monaco-list-row');
    if (min > 0) await rows.nth(min - 1).waitFor({ timeout });
    return rows.evaluateAll((els) => els.map((row) => {
      const text = (sel) => row.querySelector(sel)?.textContent.trim() ?? '';
      const expanded = row.getAttribute('aria-expanded');
      return {
        label: text('.label-name') || row.innerText.trim(),
        description: text('.label-description'),
        level: Number(row.getAttribute('aria-level') || 1),
        expanded: expanded === null ? undefined : expanded === 'true',
        ariaLabel: row.getAttribute('aria-label') ?? '',
      };
    }));
  }

  /** The rows of a tree view as a person reads them ('label description'); see treeItems. */
  async treeRows(viewName, options) {
    return (await this.treeItems(viewName, options)).map((i) => [i.label, i.description].filter(Boolean).join(' '));
  }

  /** Expands the tree row labelled `label` (a no-op if it is expanded already). */
  async expandTreeRow(viewName, label) {
    const view = await this.view(viewName);
    const row = view.locator('.monaco-list-row', { has: this.page.locator('.label-name', { hasText: label }) }).first();
    await row.waitFor({ timeout: STEP_TIMEOUT });
    if (await row.getAttribute('aria-expanded') === 'false') {
      await row.click();
      await this.page.waitForFunction((el) => el.getAttribute('aria-expanded') === 'true', await row.elementHandle(), { timeout: STEP_TIMEOUT });
    }
  }

  /** The welcome text a view shows when it has nothing to list ('' if none). */
  async welcomeText(viewName) {
    const welcome = (await this.view(viewName)).locator('.welcome-view-content');
    return (await welcome.count()) ? (await welcome.innerText()).trim() : '';
  }

  /** Opens a workspace file through Quick Open (Ctrl+P), as a person would. */
  async openFile(name) {
    await this.focusEditorArea();
    await this.page.keyboard.press('Control+P');
    const input = this.page.locator('.quick-input-widget input:not([type="checkbox"])');
    await input.waitFor({ timeout: STEP_TIMEOUT });
    await input.fill(name);
    await this.page.locator('.quick-input-list .monaco-list-row', { hasText: path.basename(name) }).first().waitFor({ timeout: STEP_TIMEOUT });
    await this.page.keyboard.press('Enter');
    await this.page.locator(`.tabs-container .tab[aria-label*="${path.basename(name)}"]`).first().waitFor({ timeout: STEP_TIMEOUT });
  }

  /**
   * The CodeLens texts shown in the active editor, one per lens (VS Code draws the lenses of a line
   * in one element, joined by ' | '); waits up to `timeout` for at least `min`.
   */
  async codeLenses({ min = 1, timeout = STEP_TIMEOUT } = {}) {
    const lenses = this.page.locator('.editor-group-container.active .contentWidgets .codelens-decoration a');
    if (min > 0) await lenses.nth(min - 1).waitFor({ timeout });
    return (await lenses.allInnerTexts()).map((t) => t.trim()).filter(Boolean);
  }

  /** Clicks the CodeLens whose text contains `text`. */
  async clickCodeLens(text) {
    await this.page.locator('.editor-group-container.active .contentWidgets .codelens-decoration a', { hasText: text }).first().click();
  }

  /** Runs a command from the Command Palette (F1) by its label, e.g. 'RunLens: Refresh'. */
  async runCommand(label) {
    const row = this.page.locator('.quick-input-list .monaco-list-row', { hasText: label }).first();
    // A command whose `when` clause the workbench has not evaluated yet (a busy machine, a window
    // still starting) is missing from a palette opened too early: open it again, as a person would.
    for (let attempt = 1; ; attempt++) {
      await this.focusEditorArea();
      await this.page.keyboard.press('F1');
      const input = this.page.locator('.quick-input-widget input:not([type="checkbox"])');
      await input.waitFor({ timeout: STEP_TIMEOUT });
      await input.fill(`>${label}`);
      try {
        await row.waitFor({ timeout: attempt < 3 ? STEP_TIMEOUT / 2 : STEP_TIMEOUT });
        break;
      } catch (e) {
        if (attempt >= 3) throw e;
        await this.page.keyboard.press('Escape');
        await new Promise((r) => setTimeout(r, 2000));
      }
    }
    await row.click();
    await this.page.locator('.quick-input-widget').waitFor({ state: 'hidden', timeout: STEP_TIMEOUT }).catch(() => {});
  }

  /**
   * The messages in the Notifications centre, newest first. With the smoke-test driver the
   * workbench shows no toasts, so this opens the centre from the status bar and closes it again.
   * Waits up to `timeout` for one containing `waitFor`, if given.
   */
  async notifications({ waitFor, timeout = STEP_TIMEOUT } = {}) {
    const center = this.page.locator('.notifications-center');
    const bell = this.page.locator('.statusbar [id="status.notifications"] a, .statusbar .statusbar-item[id="status.notifications"]').first();
    if (!await center.isVisible()) await bell.click();
    const items = center.locator('.notification-list-item');
    if (waitFor) await items.filter({ hasText: waitFor }).first().waitFor({ timeout });
    const texts = (await items.allInnerTexts()).map((t) => t.replace(/\s+/g, ' ').trim());
    await this.page.keyboard.press('Escape');
    return texts;
  }

  /**
   * The text of the output channel shown in the Output panel, one string per line, top to bottom
   * (open it first, e.g. with 'RunLens: Show Output'). Waits up to `timeout` for a line matching
   * `waitFor`, if given. Only the lines on screen are read: the panel shows a channel's last lines.
   */
  async outputLines({ waitFor, timeout = STEP_TIMEOUT } = {}) {
    const editor = this.page.locator('.part.panel .output-view .monaco-editor').first();
    await editor.waitFor({ timeout: STEP_TIMEOUT });
    const read = () => editor.evaluate((el) => [...el.querySelectorAll('.view-lines .view-line')]
      .map((line) => ({ top: parseFloat(line.style.top) || 0, text: line.textContent.replace(/\s+/g, ' ').trim() }))
      .sort((a, b) => a.top - b.top).map((l) => l.text).filter(Boolean));
    if (!waitFor) return read();
    const deadline = Date.now() + timeout;
    for (;;) {
      const lines = await read();
      if (lines.some((l) => waitFor.test(l))) return lines;
      if (Date.now() > deadline) throw new Error(`no line of the Output panel matched ${waitFor} in ${timeout} ms; it shows:\n${lines.join('\n')}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  }

  /**
   * Opens the Settings editor (Preferences: Open Settings (UI)) and types `query` into its search
   * box ('' leaves it empty); `scope` picks the tab: 'User', 'Remote', 'Workspace'.
   * Resolves once the editor shows its result (the "N Settings Found" count when searching).
   */
  async openSettings(query = '', { scope } = {}) {
    const editor = this.page.locator('.settings-editor');
    if (!await editor.isVisible()) await this.runCommand('Preferences: Open Settings (UI)');
    const search = editor.locator('.settings-header .search-container .monaco-editor').first();
    await search.waitFor({ timeout: STEP_TIMEOUT });
    if (scope) {
      await editor.locator('.settings-tabs-widget .action-label', { hasText: new RegExp(`^${escapeRe(scope)}\\b`) }).first().click();
    }
    await search.click();
    await this.page.keyboard.press('Control+A');
    await this.page.keyboard.press('Backspace');
    if (query) {
      await this.page.keyboard.type(query);
      await this.page.waitForFunction(() => /\d+ Settings? Found|No Settings Found/i.test(document.querySelector('.settings-editor .settings-count-widget')?.textContent ?? ''), null, { timeout: STEP_TIMEOUT });
    }
    // The list is redrawn a moment after the count changes.
    await this.page.waitForTimeout(500);
  }

  /** The Settings editor's table of contents as shown: { label, count, level }, top to bottom. */
  async settingsToc() {
    return this.page.locator('.settings-editor .settings-toc-container .monaco-list-row').evaluateAll((rows) => rows.map((row) => {
      const m = /^(.*?)\s*(?:\((\d+)\))?$/.exec(row.textContent.trim());
      return { label: m[1], count: m[2] === undefined ? undefined : Number(m[2]), level: Number(row.getAttribute('aria-level') || 1) };
    }));
  }

  /**
   * The rows of the Settings editor's list, top to bottom, scrolling through it (the list draws
   * only what is on screen): { group } for a group's title, { key, category, label } for a setting,
   * its title as shown ("Runlens › Lens: " + "Scope"). From the top of the list, or with
   * `fromTop: false` from where it is scrolled to; `until(items)` stops the scrolling early.
   */
  async settingsItems({ fromTop = true, until = () => false } = {}) {
    const list = this.page.locator('.settings-editor .settings-tree-container .monaco-list');
    await list.waitFor({ timeout: STEP_TIMEOUT });
    // The rows on screen, and where the list is scrolled to: monaco's list moves its rows'
    // container up by the scroll offset.
    const read = () => list.evaluate((el) => {
      const container = el.querySelector('.monaco-list-rows');
      const offset = -parseFloat(container?.style.top || '0');
      return {
        atTop: offset <= 0,
        atEnd: offset + el.clientHeight >= parseFloat(container?.style.height || '0') - 1,
        rows: [...el.querySelectorAll('.monaco-list-row')].map((row) => {
          const index = Number(row.getAttribute('data-index'));
          const group = row.querySelector('.settings-group-title-label');
          if (group) return { index, item: { group: group.textContent.trim() } };
          const s = row.querySelector('.setting-item-contents');
          return { index, item: s && {
            key: s.getAttribute('data-key'),
            category: s.querySelector('.setting-item-category')?.textContent ?? '',
            label: s.querySelector('.setting-item-label')?.textContent ?? '',
          } };
        }),
      };
    });
    await list.hover();
    for (let i = 0; fromTop && i < 200 && !(await read()).atTop; i++) {
      await this.page.mouse.wheel(0, -2000);
      await this.page.waitForTimeout(50);
    }
    const seen = new Map(); // row index -> item
    const inOrder = () => [...seen.entries()].sort((a, b) => a[0] - b[0]).map(([, item]) => item);
    for (let i = 0; i < 1000; i++) {
      const { rows, atEnd } = await read();
      for (const r of rows) if (r.item) seen.set(r.index, r.item);
      if (atEnd || until(inOrder())) break;
      await this.page.mouse.wheel(0, 300);
      await this.page.waitForTimeout(50);
    }
    return inOrder();
  }

  /** Writes a PNG of the whole window; returns its path. */
  async screenshot(file) {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    await this.page.screenshot({ path: file });
    return file;
  }

  /** Makes sure keyboard shortcuts reach the workbench (a fresh page has no focused element). */
  async focusEditorArea() {
    await this.page.bringToFront();
    if (await this.page.evaluate(() => document.activeElement === document.body)) {
      await this.page.locator('.part.editor').click({ position: { x: 5, y: 5 } });
    }
  }

  /** Closes the browser and ends the server; a window from openWindow() closes only its tab. */
  async close() {
    if (!this.owner) return this.closeWindow();
    await this.browser.close();
    await this.cs.stop();
  }
}

const escapeRe = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
