// The content of VS Code's webview panels in the workbench page: each panel is an outer
// iframe.webview (only the active panel's is visible) holding the page in an inner iframe.
import path from 'node:path';
import { keepScreenshot, SCREENSHOTS } from '../helpers.mjs';

/** The frame of the panel on screen. */
export function visibleWebview(wb) {
  return wb.page.frameLocator('iframe.webview.ready >> visible=true').frameLocator('iframe');
}

/** Waits until the panel on screen has a heading with `text`, and returns its frame. */
export async function webviewWithHeading(wb, text, timeout = 20000) {
  const frame = visibleWebview(wb);
  await frame.locator('h1', { hasText: text }).first().waitFor({ timeout });
  return frame;
}

/** The tree row whose label contains `label`. */
export async function treeRow(wb, view, label) {
  const pane = await wb.view(view);
  const row = pane.locator('.monaco-list-row', { has: wb.page.locator('.label-name', { hasText: label }) }).first();
  await row.waitFor({ timeout: 20000 });
  return row;
}

/**
 * Chooses an entry of the context menu that is open. Hovered, then Enter: a click that comes
 * right after the right-click that opened the menu is dropped by the workbench's menu.
 */
export async function contextMenu(wb, label) {
  const item = wb.page.locator('.context-view .action-item .action-label', { hasText: label }).first();
  await item.waitFor({ timeout: 10000 });
  await item.hover();
  await wb.page.locator('.context-view .action-item.focused', { hasText: label }).waitFor({ timeout: 5000 });
  await wb.page.keyboard.press('Enter');
  await wb.page.locator('.context-view .monaco-menu').waitFor({ state: 'hidden', timeout: 5000 });
}

/**
 * A README screenshot of part of a panel (the smallest box around `locators`, plus a margin):
 * small enough for the README's images to stay within the package's size limit, where whole
 * windows would not.
 */
export async function screenshotOf(wb, name, locators) {
  const boxes = await Promise.all(locators.map((l) => l.boundingBox()));
  const x = Math.max(0, Math.min(...boxes.map((b) => b.x)) - 8);
  const y = Math.max(0, Math.min(...boxes.map((b) => b.y)) - 8);
  const clip = { x, y, width: Math.max(...boxes.map((b) => b.x + b.width)) + 8 - x, height: Math.max(...boxes.map((b) => b.y + b.height)) + 8 - y };
  const file = path.join(SCREENSHOTS, `${name}.png`);
  await wb.page.screenshot({ path: file, clip });
  return keepScreenshot(file, name, { readme: true });
}

/**
 * RunLens: Compare Runs from the palette: its quick pick of runs narrowed to `experiment`, all of
 * them ticked at once by the pick's "select all" box. Returns the OK button, not yet clicked.
 */
export async function pickRunsToCompare(wb, experiment, count) {
  await wb.focusEditorArea();
  await wb.page.keyboard.press('F1');
  const input = wb.page.locator('.quick-input-widget input:not([type="checkbox"])');
  await input.fill('>RunLens: Compare Runs');
  await wb.page.locator('.quick-input-list .monaco-list-row', { hasText: 'RunLens: Compare Runs' }).first().click();
  await wb.page.locator('.quick-input-list .monaco-list-row', { hasText: experiment }).first().waitFor();
  await input.fill(experiment);
  await wb.page.locator('.quick-input-widget .quick-input-header .monaco-checkbox, .quick-input-widget input.quick-input-check-all').first().click();
  await wb.page.locator('.quick-input-widget .quick-input-count', { hasText: `${count}` }).waitFor();
  return wb.page.locator('.quick-input-widget .quick-input-action .monaco-button', { hasText: 'OK' });
}
