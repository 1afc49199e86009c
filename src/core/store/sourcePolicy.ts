import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { writeFileAtomic } from './atomicFile';
import { isServerUri, normalizeServerUri } from '../mlflowServer/uri';

/**
 * This user's own list, on this machine, of the sources outside a workspace folder that the folder's
 * store may follow. It lives outside every workspace: in the extension's global state, and for the
 * command line in `$XDG_CONFIG_HOME/runlens/allowed-sources.json` (`~/.config/runlens/…`).
 */
export interface AllowedSources {
  /** The sources outside `folder` this user allowed its store to follow. */
  list(folder: string): readonly string[];
}

const NONE: AllowedSources = { list: () => [] };

/**
 * The one place that decides which sources a workspace folder's store may read: a source inside the
 * folder (where it really is, symbolic links followed), or one this user allowed for this folder on
 * this machine. Never because a file of the workspace names it: the journal, the database and the
 * workspace's settings are all files a workspace can bring with it, and a source's runs (its
 * parameters included) are copied into the workspace's database.
 */
export class SourcePolicy {
  constructor(readonly folder: string, private readonly allowed: AllowedSources = NONE) {}

  /** The absolute path a source named by the workspace stands for (a relative one is relative to the folder). */
  resolve(source: string): string {
    return path.resolve(this.folder, source);
  }

  /**
   * How the journal names a source: relative to the folder when it is in the folder, so a workspace
   * that is moved or copied goes on following its own stores (and not the ones where it came from).
   */
  journalName(source: string): string {
    const abs = this.resolve(source);
    const rel = path.relative(this.folder, abs);
    return rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel : abs;
  }

  mayFollow(source: string): boolean {
    if (isServerUri(source)) {
      const uri = normalizeServerUri(source);
      return this.allowed.list(this.folder).some((a) => isServerUri(a) && normalizeServerUri(a) === uri);
    }
    if (this.isInside(source)) return true;
    const target = realPath(this.resolve(source));
    return this.allowed.list(this.folder).some((a) => !isServerUri(a) && realPath(path.resolve(a)) === target);
  }

  /** Whether the source is inside the folder, where it really is. */
  isInside(source: string): boolean {
    const rel = path.relative(realPath(this.folder), realPath(this.resolve(source)));
    return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
  }
}

/** Who named a tracking server for a workspace folder. */
export type ServerNamedBy = 'user' | 'environment' | 'workspace';

/**
 * Whether RunLens may contact a tracking server for a workspace folder (and so copy its runs into
 * the folder's store): when the person named it (their own settings, a command they ran, their
 * environment's MLFLOW_TRACKING_URI), or when the workspace's own settings name it and the person
 * trusts the workspace. An untrusted workspace cannot make RunLens contact a server. The servers
 * this allows are what the store's list of allowed sources holds (`mayFollow`).
 */
export function mayContactServer(namedBy: readonly ServerNamedBy[], trusted: boolean): boolean {
  return namedBy.some((n) => n !== 'workspace') || (trusted && namedBy.includes('workspace'));
}

/** Where a path really is: symbolic links followed as far as the path exists. */
function realPath(p: string): string {
  try {
    return fs.realpathSync.native(p);
  } catch {
    const parent = path.dirname(p);
    return parent === p ? p : path.join(realPath(parent), path.basename(p));
  }
}

/** The command line's folder for what belongs to this user on this machine. */
export function userConfigDir(env: NodeJS.ProcessEnv = process.env): string {
  return path.join(env.XDG_CONFIG_HOME || path.join(os.homedir(), '.config'), 'runlens');
}

/** The command line's list of allowed sources: `allowed-sources.json` in userConfigDir(), by workspace folder. */
export class AllowedSourcesFile implements AllowedSources {
  readonly file: string;

  constructor(dir = userConfigDir()) {
    this.file = path.join(dir, 'allowed-sources.json');
  }

  list(folder: string): readonly string[] {
    const entries = this.read()[path.resolve(folder)];
    return Array.isArray(entries) ? entries.filter((e) => typeof e === 'string') : [];
  }

  async add(folder: string, source: string): Promise<void> {
    const all = this.read();
    const key = path.resolve(folder);
    all[key] = [...new Set([...(all[key] ?? []), isServerUri(source) ? normalizeServerUri(source) : path.resolve(source)])];
    fs.mkdirSync(path.dirname(this.file), { recursive: true });
    await writeFileAtomic(this.file, JSON.stringify(all, null, 1) + '\n');
  }

  private read(): Record<string, string[]> {
    try {
      const all = JSON.parse(fs.readFileSync(this.file, 'utf8'));
      return all && typeof all === 'object' && !Array.isArray(all) ? all : {};
    } catch {
      return {};
    }
  }
}
