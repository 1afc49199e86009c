/**
 * The runs table's column chooser: every parameter and metric column with a box to show or hide it,
 * a pin, and buttons to move it left or right; a search narrows the list, for experiments with
 * hundreds of parameters. The layout rules are core's (src/core/runs/columnLayout.ts).
 */
import { arrangeColumns, EMPTY_LAYOUT, moveColumn, parseColumnId, setHidden, setPinned, type ColumnLayout } from '../../core/runs/columnLayout';
import { button, h } from './dom';

/** More matches than this are not listed: the search narrows them. */
const LISTED = 200;
let search = '';

export function columnChooser(ids: string[], layout: ColumnLayout, onChange: (l: ColumnLayout) => void, onClose: () => void, focus: boolean): HTMLElement {
  const { pinned, rest } = arrangeColumns(ids, layout);
  // Shown columns in their order (pinned first), then the hidden ones.
  const hidden = new Set(layout.hidden);
  const ordered = [...pinned, ...rest, ...ids.filter((id) => hidden.has(id))];
  const input = h('input', { className: 'column-search', attrs: { type: 'search', placeholder: `Search ${ids.length} columns`, 'aria-label': 'Search columns', spellcheck: 'false' } });
  input.value = search;
  const list = h('ul', { className: 'column-list', attrs: { 'aria-label': 'Columns' } });
  const summary = h('span', { className: 'muted' });
  const fillList = () => {
    const needle = search.trim().toLowerCase();
    const matches = ordered.filter((id) => parseColumnId(id)!.key.toLowerCase().includes(needle));
    list.replaceChildren(...matches.slice(0, LISTED).map((id) => item(id)));
    if (matches.length > LISTED) list.append(h('li', { className: 'muted' }, `and ${matches.length - LISTED} more: narrow the search`));
    summary.textContent = `${pinned.length + rest.length} of ${ids.length} shown${pinned.length ? `, ${pinned.length} pinned` : ''}`;
  };
  const item = (id: string) => {
    const { kind, key } = parseColumnId(id)!;
    const isPinned = pinned.includes(id);
    const shown = !hidden.has(id);
    const box = h('input', { attrs: { type: 'checkbox', 'aria-label': `Show ${key}` } });
    box.checked = shown;
    box.addEventListener('change', () => onChange(setHidden(layout, id, !box.checked)));
    const part = isPinned ? pinned : rest;
    const at = part.indexOf(id);
    return h('li', { className: `column-item${isPinned ? ' pinned' : ''}`, attrs: { 'data-column': id } },
      h('label', null, box, h('span', { className: 'kind' }, kind === 'param' ? ' p ' : ' m '), h('span', { className: 'mono' }, key)),
      h('span', { className: 'column-actions' },
        button(isPinned ? 'Unpin' : 'Pin', () => onChange(setPinned(layout, id, !isPinned)), { className: 'secondary', title: isPinned ? `Unpin ${key}` : `Pin ${key} to the left` }),
        button('←', () => onChange(moveColumn(ids, layout, id, -1)), { className: 'secondary', title: `Move ${key} left`, attrs: { 'aria-label': `Move ${key} left`, disabled: !shown || at <= 0 } }),
        button('→', () => onChange(moveColumn(ids, layout, id, 1)), { className: 'secondary', title: `Move ${key} right`, attrs: { 'aria-label': `Move ${key} right`, disabled: !shown || at < 0 || at >= part.length - 1 } })));
  };
  input.addEventListener('input', () => { search = input.value; fillList(); });
  const box = h('div', { on: { keydown: (e) => { if (e.key === 'Escape') onClose(); } } },
    h('div', { className: 'toolbar' }, input, summary,
      button('Show all', () => onChange({ ...layout, hidden: [] }), { className: 'secondary' }),
      button('Reset', () => onChange(EMPTY_LAYOUT), { className: 'secondary', title: 'Every column shown, none pinned, in the natural order' }),
      button('Done', onClose)),
    list);
  fillList();
  if (focus) requestAnimationFrame(() => input.focus());
  return box;
}
