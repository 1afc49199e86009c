/**
 * The media type of an artifact by its extension, for imported runs (RunLens's own runs record the
 * type the Python client chose). The same table as the client's (test/vectors/artifact-media-types.json).
 */
export const MEDIA_TYPES: Readonly<Record<string, string>> = {
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.svg': 'image/svg+xml',
  '.webp': 'image/webp',
  '.bmp': 'image/bmp',
  '.csv': 'text/csv',
  '.tsv': 'text/tab-separated-values',
  '.txt': 'text/plain',
  '.log': 'text/plain',
  '.md': 'text/markdown',
  '.markdown': 'text/markdown',
  '.json': 'application/json',
  '.yaml': 'application/yaml',
  '.yml': 'application/yaml',
  '.html': 'text/html',
  '.htm': 'text/html',
  '.pdf': 'application/pdf',
  '.pkl': 'application/octet-stream',
  '.pickle': 'application/octet-stream',
  '.py': 'text/x-python',
};

export function mediaTypeOf(path: string): string | null {
  const dot = path.lastIndexOf('.');
  if (dot <= path.lastIndexOf('/')) return null;
  return MEDIA_TYPES[path.slice(dot).toLowerCase()] ?? null;
}
