import * as assert from 'node:assert/strict';
import { filterMessage, viewState } from '../../src/core/runs/viewState';

describe('what the Runs view says', () => {
  it('greets a folder without a store as a new project, not as a failure', () => {
    assert.equal(viewState([{ hasStore: false, failed: false }]), 'empty');
    assert.equal(viewState([{ hasStore: true, failed: false, runs: 0 }]), 'empty', 'a store with no runs yet');
  });
  it('is an error only when every store there is failed', () => {
    assert.equal(viewState([{ hasStore: true, failed: true }]), 'error');
    assert.equal(viewState([{ hasStore: true, failed: true }, { hasStore: false, failed: false }]), 'error');
    assert.equal(viewState([{ hasStore: true, failed: true }, { hasStore: true, failed: false, runs: 0 }]), 'empty');
    assert.equal(viewState([{ hasStore: true, failed: true }, { hasStore: true, failed: false, runs: 2 }]), 'ready');
  });
  it('lists runs when any folder has one, and asks for a folder when none is open', () => {
    assert.equal(viewState([{ hasStore: false, failed: false }, { hasStore: true, failed: false, runs: 1 }]), 'ready');
    assert.equal(viewState([]), 'noFolder');
  });
  it('names the filter and how many runs it leaves', () => {
    assert.equal(filterMessage('params.lr = 0.5', 0, 4), 'Filter: params.lr = 0.5 · 0 of 4 runs match');
  });
});
