/**
 * Credentials for a tracking server, taken as MLflow's own client takes them
 * (`MLFLOW_TRACKING_TOKEN`, or `MLFLOW_TRACKING_USERNAME` and `MLFLOW_TRACKING_PASSWORD`), or
 * entered once and kept by the editor per origin. They live in memory only, become one header,
 * and are only ever sent to the origin they belong to (see http.ts: redirects elsewhere are refused).
 */
import { isServerUri, normalizeServerUri, serverOrigin } from './uri';

export type Credentials = { token: string } | { username: string; password: string };

/** The Authorization header for credentials. */
export function authorization(c: Credentials): string {
  return 'token' in c ? `Bearer ${c.token}` : `Basic ${Buffer.from(`${c.username}:${c.password}`, 'utf8').toString('base64')}`;
}

/** Credentials named by the environment, if any. */
export function envCredentials(env: NodeJS.ProcessEnv): Credentials | undefined {
  if (env.MLFLOW_TRACKING_TOKEN) return { token: env.MLFLOW_TRACKING_TOKEN };
  if (env.MLFLOW_TRACKING_USERNAME && env.MLFLOW_TRACKING_PASSWORD) {
    return { username: env.MLFLOW_TRACKING_USERNAME, password: env.MLFLOW_TRACKING_PASSWORD };
  }
  return undefined;
}

/** The server `MLFLOW_TRACKING_URI` names, when it names one (not a local store). */
export function envServer(env: NodeJS.ProcessEnv): string | undefined {
  const uri = env.MLFLOW_TRACKING_URI;
  if (!uri || !isServerUri(uri)) return undefined;
  try { return normalizeServerUri(uri); } catch { return undefined; }
}

/**
 * Whether the environment's credentials may go to `uri`: to the server MLFLOW_TRACKING_URI names
 * when it names one (as MLflow's client does), otherwise to servers the person named themselves,
 * never to a server only a workspace setting names.
 */
export function envCredentialsFor(uri: string, env: NodeJS.ProcessEnv, namedByUser: boolean): Credentials | undefined {
  const creds = envCredentials(env);
  if (!creds) return undefined;
  const server = envServer(env);
  if (server) return serverOrigin(server) === serverOrigin(uri) ? creds : undefined;
  return namedByUser ? creds : undefined;
}

/** How a person gives RunLens credentials for a server, in a sentence. */
export function howToGiveCredentials(where: 'editor' | 'terminal'): string {
  const env = 'set MLFLOW_TRACKING_TOKEN (or MLFLOW_TRACKING_USERNAME and MLFLOW_TRACKING_PASSWORD) in the environment';
  return where === 'editor'
    ? `${env} VS Code starts from, or enter them with RunLens: Connect to an MLflow Tracking Server… (kept in VS Code's secret storage)`
    : `${env} and run the command again`;
}
