import * as assert from 'node:assert/strict';
import { arrangeColumns, columnLayout, EMPTY_LAYOUT, moveColumn, parseColumnId, setHidden, setPinned } from '../../src/core/runs/columnLayout';

const all = ['param:lr', 'param:seed', 'param:depth', 'metric:acc', 'metric:loss'];

describe('runs table columns kept per experiment', () => {
  it('show every column in its natural order until the person changes something', () => {
    assert.deepEqual(arrangeColumns(all, EMPTY_LAYOUT), { pinned: [], rest: all });
  });

  it('hide a column and show it again in its place', () => {
    const hidden = setHidden(EMPTY_LAYOUT, 'param:seed', true);
    assert.deepEqual(arrangeColumns(all, hidden).rest, ['param:lr', 'param:depth', 'metric:acc', 'metric:loss']);
    assert.deepEqual(arrangeColumns(all, setHidden(hidden, 'param:seed', false)).rest, all);
  });

  it('pin columns to the left in the order pinned; pinning a hidden column shows it', () => {
    let l = setHidden(EMPTY_LAYOUT, 'metric:acc', true);
    l = setPinned(l, 'metric:acc', true);
    l = setPinned(l, 'param:depth', true);
    assert.deepEqual(arrangeColumns(all, l), { pinned: ['metric:acc', 'param:depth'], rest: ['param:lr', 'param:seed', 'metric:loss'] });
    assert.deepEqual(arrangeColumns(all, setPinned(l, 'metric:acc', false)).pinned, ['param:depth']);
  });

  it('move a column left or right among its neighbours, and not past the ends', () => {
    const l = moveColumn(all, EMPTY_LAYOUT, 'metric:acc', -1);
    assert.deepEqual(arrangeColumns(all, l).rest, ['param:lr', 'param:seed', 'metric:acc', 'param:depth', 'metric:loss']);
    assert.equal(moveColumn(all, EMPTY_LAYOUT, 'param:lr', -1), EMPTY_LAYOUT);
    const pinned = setPinned(setPinned(EMPTY_LAYOUT, 'param:lr', true), 'param:seed', true);
    assert.deepEqual(arrangeColumns(all, moveColumn(all, pinned, 'param:seed', -1)).pinned, ['param:seed', 'param:lr']);
  });

  it('put columns that appear later (a new parameter) after the ones the person placed', () => {
    const l = moveColumn(all, EMPTY_LAYOUT, 'metric:loss', -1);
    assert.deepEqual(arrangeColumns([...all, 'param:wd'], l).rest.slice(-2), ['metric:acc', 'param:wd']);
    assert.deepEqual(arrangeColumns(['param:lr'], l).rest, ['param:lr'], 'columns gone are left out');
  });

  it('read back whatever storage held, and name their kind and key', () => {
    assert.deepEqual(columnLayout({ hidden: ['a', 'a', 3], pinned: 'x' }), { hidden: ['a'], pinned: [], order: [] });
    assert.deepEqual(parseColumnId('param:model.depth:x'), { kind: 'param', key: 'model.depth:x' });
    assert.equal(parseColumnId('tag:x'), undefined);
  });
});
