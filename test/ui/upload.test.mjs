import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { REPO, useWorkbench } from './helpers.mjs';
import { RecordedServer, uploadSteps, writeWaitingRun } from '../../out/test/support/recordedServer.js';

const TOKEN = 'k3pt';

/** Every file under `dir`. */
const filesUnder = (dir) => fs.readdirSync(dir, { recursive: true, withFileTypes: true })
  .filter((d) => d.isFile()).map((d) => path.join(d.parentPath ?? d.path, d.name));

/** Resolves once `probe()` is true; fails after `timeout` ms, saying `what`. */
async function until(what, probe, timeout) {
  for (const deadline = Date.now() + timeout; !probe();) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeout} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

describe('A run waiting for a tracking server that wants credentials, as a person sees it', function () {
  // The recorded MLflow server behind a proxy that wants `Bearer k3pt`; the person's environment
  // names it (MLFLOW_TRACKING_URI), without its token. Started before the workbench, which gets the
  // environment when it opens (useWorkbench's hook runs after this one).
  const env = {};
  let server;
  before(async function () {
    server = await new RecordedServer(path.join(REPO, 'python')).start(0, `Bearer ${TOKEN}`);
    env.MLFLOW_TRACKING_URI = server.uri;
  });
  const wb = useWorkbench({ workspace: 'python-project', env });
  after(() => server?.stop());

  it('is marked "not uploaded", and goes up once the person clicks Enter Credentials…, picks a token and types it', async function () {
    // What a process leaves when the server refused it: a finished run and its outbox entry.
    const log = writeWaitingRun(wb.workspace, 'waiting01', server.uri);
    await wb.openView('RunLens');
    await wb.expandTreeRow('Runs', 'rec-alpha');
    const pane = await wb.view('Runs');
    const row = pane.locator('.monaco-list-row[aria-level="2"]');
    await row.filter({ hasText: 'not uploaded' }).waitFor({ timeout: 30000 });

    // The window's own try is refused: a warning, with the way to give credentials.
    const bell = wb.page.locator('.statusbar [id="status.notifications"] a, .statusbar .statusbar-item[id="status.notifications"]').first();
    const warning = wb.page.locator('.notifications-center .notification-list-item', { hasText: 'runs wait to be uploaded' }).first();
    // A notification that arrives while the centre is open may not show in it: looked at afresh.
    for (const deadline = Date.now() + 60000; ;) {
      if (!await wb.page.locator('.notifications-center').isVisible()) await bell.click();
      if (await warning.waitFor({ timeout: 3000 }).then(() => true, () => false)) break;
      await wb.page.keyboard.press('Escape');
      if (Date.now() > deadline) throw new Error(`no warning that the runs wait; the notifications: ${(await wb.notifications()).join(' | ')}`);
    }
    assert.match((await warning.innerText()).replace(/\s+/g, ' '), /RunLens: runs wait to be uploaded: .*401/);
    await wb.screenshot('upload-credentials-warning');
    await warning.getByRole('button', { name: 'Enter Credentials…' }).click();

    // A token, not a user name and password.
    const origin = new URL(server.uri).origin;
    const quickInput = wb.page.locator('.quick-input-widget');
    await quickInput.locator('.quick-input-list .monaco-list-row', { hasText: 'A user name and a password' }).waitFor({ timeout: 15000 });
    assert.match(await quickInput.locator('input:not([type="checkbox"])').getAttribute('placeholder'), new RegExp(`^Credentials for ${origin} `));
    await quickInput.locator('.quick-input-list .monaco-list-row', { hasText: 'A token' }).click();
    // The token, typed where nobody can read it over the person's shoulder.
    await quickInput.locator('.quick-input-message', { hasText: `Token for ${origin}` }).waitFor({ timeout: 15000 });
    const box = quickInput.locator('input[type="password"]');
    await box.waitFor({ timeout: 5000 });
    await box.pressSequentially(TOKEN);
    await wb.page.keyboard.press('Enter');
    await quickInput.waitFor({ state: 'hidden', timeout: 5000 });

    // Tried again at once with the token: the run is up, and the view stops marking it.
    await until('the run uploaded', () => uploadSteps(log).at(-1) === 'done', 60000);
    await row.filter({ hasText: 'lr=0.125', hasNotText: 'not uploaded' }).waitFor({ timeout: 15000 });
    // The same credentials serve the window's following of the server.
    await pane.locator('.message', { hasText: 'needs credentials' }).waitFor({ state: 'detached', timeout: 30000 });
    const answered = (endpoint) => server.requests(endpoint).map((r) => r.answered);
    assert.equal(answered('experiments/get-by-name')[0], 'unauthorized', 'the first try went without credentials');
    assert.ok(answered('runs/create').length >= 1 && answered('runs/create').every((a) => a !== 'unauthorized'), `runs/create: ${answered('runs/create')}`);
    assert.deepEqual(server.requests('runs/update').map((r) => [r.answered, r.body.status]), [['075-runs-update-finished', 'FINISHED']]);
    assert.deepEqual(fs.readdirSync(path.join(wb.workspace, '.runlens', 'outbox')), []);
    // Kept in VS Code's secret storage: nowhere in the folder's .runlens in the clear, not in the run log.
    for (const file of filesUnder(path.join(wb.workspace, '.runlens'))) assert.ok(!fs.readFileSync(file).includes(TOKEN), `${file} holds the token`);
    assert.equal(server.unexpected, '', 'RunLens sent only what the real server was sent');
  });
});
