/**
 * How an artifact is shown in the panels: images inline, text, JSON, YAML and Markdown as text,
 * CSV as a table, each up to a cap; anything else is opened in VS Code or revealed. Pure: the
 * host reads the bytes (src/core/artifacts/files.ts) and the page draws what this decides.
 */

export type PreviewKind = 'image' | 'text' | 'json' | 'yaml' | 'markdown' | 'csv' | 'none';

/** Bytes read for a preview, at most. */
export const PREVIEW_CAP = {
  /** An image larger than this is not inlined (offered to open instead). */
  image: 5 * 1024 * 1024,
  /** Text, JSON, YAML, Markdown and CSV: the first this many bytes. */
  text: 256 * 1024,
  /** A CSV shows at most this many rows (the header counted). */
  rows: 500,
} as const;

const IMAGE_TYPES: Record<string, string> = {
  '.png': 'image/png', '.jpg': 'image/jpeg', '.jpeg': 'image/jpeg', '.gif': 'image/gif', '.svg': 'image/svg+xml',
  '.webp': 'image/webp', '.bmp': 'image/bmp',
};
const TEXT_EXTENSIONS = new Set(['.txt', '.log', '.py', '.ini', '.cfg', '.toml', '.sh', '.xml', '.html', '.htm', '.js', '.ts', '.r', '.sql', '.err', '.out']);

function extension(p: string): string {
  const dot = p.lastIndexOf('.');
  return dot > p.lastIndexOf('/') ? p.slice(dot).toLowerCase() : '';
}

export function previewKind(p: string, mediaType?: string | null): PreviewKind {
  const ext = extension(p);
  if (IMAGE_TYPES[ext]) return 'image';
  if (ext === '.csv' || ext === '.tsv') return 'csv';
  if (ext === '.json') return 'json';
  if (ext === '.yaml' || ext === '.yml') return 'yaml';
  if (ext === '.md' || ext === '.markdown') return 'markdown';
  if (TEXT_EXTENSIONS.has(ext) || mediaType?.startsWith('text/') || p.endsWith('/MLmodel') || p === 'MLmodel' || p.endsWith('requirements.txt')) return 'text';
  return 'none';
}

/** The media type an image is shown with (by its extension: a recorded type is only a hint). */
export function imageMediaType(p: string): string | undefined {
  return IMAGE_TYPES[extension(p)];
}

/** How many bytes to read to preview a file of this kind. */
export function previewBytes(kind: PreviewKind): number {
  return kind === 'image' ? PREVIEW_CAP.image : kind === 'none' ? 0 : PREVIEW_CAP.text;
}

/**
 * CSV (RFC 4180: quoted fields may hold the separator, quotes doubled, line breaks) as rows, at
 * most `maxRows`. A cut last line (the text was capped) is dropped and counted as truncation.
 */
export function parseCsv(text: string, maxRows: number = PREVIEW_CAP.rows, separator = ',', complete = true): { rows: string[][]; truncated: boolean } {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  let i = 0;
  if (text.charCodeAt(0) === 0xfeff) i = 1;
  const endRow = () => { row.push(field); rows.push(row); row = []; field = ''; };
  for (; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"') {
        if (text[i + 1] === '"') { field += '"'; i++; } else quoted = false;
      } else field += c;
      continue;
    }
    if (c === '"' && field === '') { quoted = true; continue; }
    if (c === separator) { row.push(field); field = ''; continue; }
    if (c === '\r' && text[i + 1] === '\n') continue;
    if (c === '\n' || c === '\r') {
      endRow();
      if (rows.length > maxRows) return { rows: rows.slice(0, maxRows), truncated: true };
      continue;
    }
    field += c;
  }
  // What follows the last line break is a whole row only if the text was not cut.
  if (field !== '' || row.length) {
    if (complete && !quoted) endRow();
    else return { rows: rows.slice(0, maxRows), truncated: true };
  }
  return { rows: rows.slice(0, maxRows), truncated: rows.length > maxRows || !complete };
}

/** JSON made readable: indented when it parses (a capped file does not: shown as it is). */
export function prettyJson(text: string): string {
  try { return JSON.stringify(JSON.parse(text), null, 2); } catch { return text; }
}

/** Bytes as UTF-8 text for a preview: undefined when they are not text (a NUL, or not UTF-8 apart from a cut last character). */
export function decodeText(bytes: Uint8Array, truncated: boolean): string | undefined {
  if (bytes.includes(0)) return undefined;
  let end = bytes.length;
  if (truncated) {
    // A cap may fall inside a character: drop its first bytes.
    let back = 0;
    while (back < 3 && end - back - 1 >= 0 && (bytes[end - back - 1] & 0xc0) === 0x80) back++;
    if (end - back - 1 >= 0 && bytes[end - back - 1] >= 0xc0) end -= back + 1;
  }
  try { return new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(0, end)); } catch { return undefined; }
}
