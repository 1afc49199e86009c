import { main } from '../../../src/cli/main';
import type { WriteFs } from '../../../src/core/store/atomicFile';

/** Runs the `runlens` command line in-process and returns its exit code and output. */
export async function cli(args: string[], writeFs?: WriteFs): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(args, { write: (s: string) => { out += s; } }, { write: (s: string) => { err += s; } }, { writeFs });
  return { code, out, err };
}
