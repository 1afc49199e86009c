/**
 * Markdown as DOM, for an artifact's preview: headings, paragraphs, lists, quotes, code blocks,
 * and inline code, emphasis and links. Built with h() from text nodes only (never innerHTML), so
 * whatever a file holds shows as text; a link shows its text, with its target as a tooltip, and
 * goes nowhere (the page's CSP allows no navigation either).
 */
import { h, type Child } from './dom';

export function markdown(text: string): HTMLElement {
  const root = h('div', { className: 'markdown' });
  const lines = text.replace(/\r\n?/g, '\n').split('\n');
  let i = 0;
  while (i < lines.length) {
    const line = lines[i];
    const fence = /^(```|~~~)/.exec(line);
    if (fence) {
      const body: string[] = [];
      for (i++; i < lines.length && !lines[i].startsWith(fence[1]); i++) body.push(lines[i]);
      i++;
      root.append(h('pre', { className: 'mono' }, body.join('\n')));
      continue;
    }
    const heading = /^(#{1,6})\s+(.*?)\s*#*\s*$/.exec(line);
    if (heading) {
      root.append(h(`h${Math.min(6, heading[1].length + 2)}` as 'h3', null, ...inline(heading[2])));
      i++;
      continue;
    }
    if (/^\s*([-*+]|\d+[.)])\s+/.test(line)) {
      const ordered = /^\s*\d/.test(line);
      const list = h(ordered ? 'ol' : 'ul');
      for (; i < lines.length && /^\s*([-*+]|\d+[.)])\s+/.test(lines[i]); i++) {
        list.append(h('li', null, ...inline(lines[i].replace(/^\s*([-*+]|\d+[.)])\s+/, ''))));
      }
      root.append(list);
      continue;
    }
    if (/^>\s?/.test(line)) {
      const quoted: string[] = [];
      for (; i < lines.length && /^>\s?/.test(lines[i]); i++) quoted.push(lines[i].replace(/^>\s?/, ''));
      root.append(h('blockquote', null, ...inline(quoted.join(' '))));
      continue;
    }
    if (!line.trim()) { i++; continue; }
    const para: string[] = [];
    for (; i < lines.length && lines[i].trim() && !/^(```|~~~|#{1,6}\s|>|\s*([-*+]|\d+[.)])\s)/.test(lines[i]); i++) para.push(lines[i]);
    root.append(h('p', null, ...inline(para.join(' '))));
  }
  return root;
}

/** Inline code, **strong**, *emphasis* and [links](url), as elements holding text. */
function inline(text: string): Child[] {
  const out: Child[] = [];
  const pattern = /`([^`]+)`|\*\*([^*]+)\*\*|__([^_]+)__|\*([^*]+)\*|_([^_]+)_|\[([^\]]+)\]\(([^)\s]+)\)/g;
  let last = 0;
  for (let m = pattern.exec(text); m; m = pattern.exec(text)) {
    if (m.index > last) out.push(text.slice(last, m.index));
    if (m[1] !== undefined) out.push(h('code', null, m[1]));
    else if (m[2] !== undefined || m[3] !== undefined) out.push(h('strong', null, m[2] ?? m[3]));
    else if (m[4] !== undefined || m[5] !== undefined) out.push(h('em', null, m[4] ?? m[5]));
    else out.push(h('span', { className: 'md-link', title: m[7] }, m[6]));
    last = pattern.lastIndex;
  }
  if (last < text.length) out.push(text.slice(last));
  return out;
}
