/**
 * Artifacts on the page: a run's files as a tree, and one file's preview. What the host sends
 * is shown as text or in an <img> (an SVG too: as an image, never as markup); nothing becomes
 * HTML.
 */
import { button, fill, h } from './dom';
import { markdown } from './markdown';
import { formatBytes } from '../../core/runs/format';
import type { ArtifactItem, ArtifactPreview } from '../protocol';

interface Folder { name: string; folders: Map<string, Folder>; files: ArtifactItem[] }

function folderTree(files: ArtifactItem[]): Folder {
  const root: Folder = { name: '', folders: new Map(), files: [] };
  for (const f of files) {
    const parts = f.path.split('/');
    let at = root;
    for (const part of parts.slice(0, -1)) {
      let next = at.folders.get(part);
      if (!next) at.folders.set(part, (next = { name: part, folders: new Map(), files: [] }));
      at = next;
    }
    at.files.push(f);
  }
  return root;
}

const ICON: Record<ArtifactItem['kind'], string> = { image: '▣', csv: '▦', json: '{}', yaml: '≡', markdown: '¶', text: '≡', none: '·' };

/**
 * The files as a tree of folders (each open), a button per file; `onPick` when one is chosen.
 * `selected` is marked (aria-current).
 */
export function artifactTree(files: ArtifactItem[], selected: string | undefined, onPick: (path: string) => void): HTMLElement {
  const render = (folder: Folder): HTMLElement => h('ul', { attrs: { role: 'group' } },
    ...[...folder.folders.values()].sort((a, b) => (a.name < b.name ? -1 : 1)).map((sub) => h('li', null,
      h('details', { attrs: { open: true } }, h('summary', { className: 'artifact-folder' }, `${sub.name}/`), render(sub)))),
    ...folder.files.sort((a, b) => (a.path < b.path ? -1 : 1)).map((f) => h('li', null,
      button(`${ICON[f.kind]} ${f.path.split('/').pop()}`, () => onPick(f.path), {
        className: 'link artifact-file', title: `${f.path} · ${formatBytes(f.size)}`,
        attrs: { 'aria-current': f.path === selected ? 'true' : undefined, 'data-path': f.path },
      }),
      h('span', { className: 'muted artifact-size' }, formatBytes(f.size)))));
  return h('div', { className: 'artifact-tree', attrs: { role: 'tree', 'aria-label': 'Artifacts' } }, render(folderTree(files)));
}

/** What the page shows of one artifact. */
export function previewBody(p: ArtifactPreview): HTMLElement {
  switch (p.kind) {
    case 'image': {
      const img = h('img', { className: 'artifact-image', attrs: { alt: p.path, src: p.src } });
      return h('div', { className: 'artifact-body' }, img);
    }
    case 'csv':
      return h('div', { className: 'artifact-body scroll' }, csvTable(p.rows), p.truncated ? capped(`the first ${p.rows.length} rows`) : null);
    case 'markdown':
      return h('div', { className: 'artifact-body' }, markdown(p.text), p.truncated ? capped('the first 256 KB') : null);
    case 'text': case 'json': case 'yaml':
      return h('div', { className: 'artifact-body' }, h('pre', { className: 'mono artifact-text' }, p.text), p.truncated ? capped('the first 256 KB') : null);
    case 'none':
      return h('div', { className: 'artifact-body' }, h('p', { className: 'muted' }, p.reason));
  }
}

function capped(what: string): HTMLElement {
  return h('p', { className: 'hint' }, `Shown: ${what}. Open the file for all of it.`);
}

function csvTable(rows: string[][]): HTMLTableElement {
  const [head, ...body] = rows;
  return h('table', { className: 'grid csv' },
    head ? h('thead', null, h('tr', null, ...head.map((c) => h('th', { attrs: { scope: 'col' } }, c)))) : null,
    h('tbody', null, ...body.map((r) => h('tr', null, ...r.map((c) => h('td', { className: 'mono' }, c))))));
}

/** A preview with its path, size, and Open / Reveal buttons. */
export function previewPanel(p: ArtifactPreview, actions: { open(): void; reveal?(): void }): HTMLElement {
  return h('section', { className: 'artifact-preview', attrs: { 'aria-label': `Preview of ${p.path}` } },
    h('div', { className: 'toolbar' },
      h('span', { className: 'mono artifact-path' }, p.path),
      h('span', { className: 'muted' }, formatBytes(p.size)),
      button('Open', actions.open, { className: 'secondary', title: 'Open the file in VS Code' }),
      actions.reveal ? button('Reveal', actions.reveal, { className: 'secondary', title: 'Show the file in the file manager' }) : null),
    previewBody(p));
}

export function emptyPreview(text: string): HTMLElement {
  const box = h('section', { className: 'artifact-preview' });
  fill(box, h('p', { className: 'muted' }, text));
  return box;
}
