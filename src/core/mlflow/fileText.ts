/** The text of a file of MLflow's file store, as MLflow reads it: UTF-8, nothing stripped. */
import type { ImportProblem } from './model';

const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const UTF8_LENIENT = new TextDecoder('utf-8', { ignoreBOM: true });

/** `bytes` as text; bytes that are not UTF-8 are reported (as `path`) and read as replacement characters. */
export function decodeFileText(bytes: Uint8Array, path: string, problems: ImportProblem[]): string {
  try {
    return UTF8.decode(bytes);
  } catch {
    problems.push({ path, message: 'not valid UTF-8: read with replacement characters' });
    return UTF8_LENIENT.decode(bytes);
  }
}
