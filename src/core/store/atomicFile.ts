import * as fs from 'node:fs';
import * as path from 'node:path';

/** The few file calls an atomic write needs; tests pass one that fails like a full disk. */
export interface WriteFs {
  open(file: string, flags: string): Promise<fs.promises.FileHandle>;
  rename(from: string, to: string): Promise<void>;
  rm(file: string): Promise<void>;
}

export const realFs: WriteFs = {
  open: (file, flags) => fs.promises.open(file, flags),
  rename: (a, b) => fs.promises.rename(a, b),
  rm: (file) => fs.promises.rm(file, { force: true }),
};

/**
 * The one way RunLens replaces a file: write a temporary file beside it, fsync it, rename it over
 * the old one, fsync the folder. A reader sees the old file or the new one, never half of either;
 * a failed write (a full disk) leaves the old file as it was.
 */
export async function writeFileAtomic(file: string, data: Uint8Array | string, wfs: WriteFs = realFs): Promise<void> {
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.${Date.now()}.tmp`);
  let handle: fs.promises.FileHandle | undefined;
  try {
    handle = await wfs.open(tmp, 'w');
    await handle.writeFile(data);
    await handle.sync();
    await handle.close();
    handle = undefined;
    await wfs.rename(tmp, file);
  } catch (e) {
    if (handle) await handle.close().catch(() => undefined);
    await wfs.rm(tmp).catch(() => undefined);
    throw e;
  }
  try {
    const dir = await fs.promises.open(path.dirname(file), 'r');
    await dir.sync().catch(() => undefined);
    await dir.close();
  } catch { /* folders cannot be fsynced everywhere; the rename is what matters */ }
}
