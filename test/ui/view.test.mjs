import assert from 'node:assert/strict';
import { useWorkbench } from './helpers.mjs';

describe('The RunLens view container', function () {
  const wb = useWorkbench({ workspace: 'python-project' });

  it('opens from the activity bar and shows the Runs view', async function () {
    await wb.openView('RunLens');
    await wb.view('Runs');
    await wb.screenshot('view');
  });

  it('shows runs or a welcome message once RunLens is active, never an unowned view', async function () {
    await wb.openFile('train.py'); // activates RunLens (onLanguage:python)
    const pane = await wb.view('Runs');
    // VS Code's own text for a tree view that no extension registered a provider for.
    const orphan = pane.getByText('There is no data provider registered');
    await pane.locator('.monaco-list-row, .welcome-view-content :is(p, a, .monaco-button)').first().waitFor({ timeout: 20000 });
    assert.equal(await orphan.isVisible(), false);
  });
});
