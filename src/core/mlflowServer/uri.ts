/**
 * What names an MLflow tracking server: its URI, written one way (`http(s)://host[:port][/path]`,
 * no trailing slash, no credentials, no query or fragment), so that the same server is one source
 * however a setting, the environment or a command spelled it.
 */

/** Whether a string names a tracking server (as opposed to a `mlruns/` folder or a `mlflow.db`). */
export function isServerUri(s: string): boolean {
  return /^https?:\/\//i.test(s.trim());
}

export class ServerUriError extends Error {}

/**
 * The canonical form of a server URI. Credentials written into it are refused: they would end up
 * in settings, the store and the logs; MLflow's own variables (or the editor's secret storage) are
 * where they go.
 */
export function normalizeServerUri(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    throw new ServerUriError(`'${redactUri(raw)}' is not a URI (expected http://host:port)`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new ServerUriError(`'${redactUri(raw)}' is not an http(s) URI`);
  if (url.username || url.password) {
    throw new ServerUriError(`${redactUri(raw)} has credentials written into it; RunLens keeps credentials out of URIs (they would end up in settings and logs): set MLFLOW_TRACKING_TOKEN, or MLFLOW_TRACKING_USERNAME and MLFLOW_TRACKING_PASSWORD, or let RunLens ask for them`);
  }
  const path = url.pathname.replace(/\/+$/, '');
  return `${url.protocol}//${url.host.toLowerCase()}${path}`;
}

/** The origin credentials are bound to: scheme, host and port. */
export function serverOrigin(uri: string): string {
  return new URL(uri).origin;
}

/** A URI as it may appear in a message: any credentials written into it replaced. */
export function redactUri(s: string): string {
  return s.replace(/(\w+:\/\/)[^/@\s]*@/g, '$1***@');
}

/** The run's page in the server's own UI (its `/runs/<id>` route finds the experiment itself). */
export function runPageUrl(uri: string, runId: string): string {
  return `${uri}/#/runs/${encodeURIComponent(runId)}`;
}
