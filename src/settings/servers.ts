import * as vscode from 'vscode';
import { envServer } from '../core/mlflowServer/credentials';
import { isServerUri, normalizeServerUri } from '../core/mlflowServer/uri';
import type { ServerNamedBy } from '../core/store/sourcePolicy';

/** A tracking server named for a folder, and by whom. */
export interface NamedServer { uri: string; experiments?: string[]; namedBy: ServerNamedBy[] }

export interface ServerSettings {
  servers: NamedServer[];
  /** How often a followed server is asked what changed. */
  pollMs: number;
  /** Entries that are not server URIs, said once each. */
  invalid: string[];
}

type Entry = string | { uri?: unknown; experiments?: unknown };

/**
 * The tracking-server settings of a folder, read in this one place (`runlens.mlflow.trackingServers`
 * at each level, so that the policy knows whether the person or the workspace named a server, and
 * `runlens.mlflow.serverPollSeconds`), plus the server MLFLOW_TRACKING_URI names.
 */
export function serverSettings(folder: vscode.WorkspaceFolder, env: NodeJS.ProcessEnv = process.env): ServerSettings {
  const config = vscode.workspace.getConfiguration('runlens', folder.uri);
  const inspected = config.inspect<Entry[]>('mlflow.trackingServers');
  const byUri = new Map<string, NamedServer>();
  const invalid: string[] = [];
  const add = (entries: Entry[] | undefined, namedBy: ServerNamedBy) => {
    for (const entry of Array.isArray(entries) ? entries : []) {
      const raw = typeof entry === 'string' ? entry : typeof entry?.uri === 'string' ? entry.uri : '';
      if (!isServerUri(raw)) { invalid.push(typeof entry === 'string' ? entry : JSON.stringify(entry)); continue; }
      let uri: string;
      try { uri = normalizeServerUri(raw); } catch (e) { invalid.push((e as Error).message); continue; }
      const experiments = typeof entry === 'object' && Array.isArray(entry.experiments) ? entry.experiments.filter((x): x is string => typeof x === 'string') : undefined;
      const known = byUri.get(uri);
      if (known) { known.namedBy.push(namedBy); continue; }
      byUri.set(uri, { uri, experiments: experiments?.length ? experiments : undefined, namedBy: [namedBy] });
    }
  };
  add(inspected?.globalValue, 'user');
  add(inspected?.workspaceValue, 'workspace');
  add(inspected?.workspaceFolderValue, 'workspace');
  const fromEnv = envServer(env);
  if (fromEnv) {
    const known = byUri.get(fromEnv);
    if (known) known.namedBy.push('environment'); else byUri.set(fromEnv, { uri: fromEnv, namedBy: ['environment'] });
  }
  const seconds = config.get<number>('mlflow.serverPollSeconds', 15);
  return { servers: [...byUri.values()], pollMs: Math.max(5, Number(seconds) || 15) * 1000, invalid };
}
