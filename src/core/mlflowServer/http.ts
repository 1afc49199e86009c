/**
 * The one way RunLens talks to a tracking server: JSON over Node's http/https, with a timeout on
 * every request, a cap on what one answer may weigh, and errors that say in a sentence what went
 * wrong and name the server (never a credential). Redirects are followed only within the server's
 * own origin: credentials are never sent anywhere else.
 */
import * as http from 'node:http';
import * as https from 'node:https';
import { authorization, howToGiveCredentials, type Credentials } from './credentials';
import { redactUri } from './uri';

export type ServerProblem =
  /** Connection refused, reset, DNS: the server is down or out of reach. */
  | 'unreachable'
  /** No answer in time. */
  | 'timeout'
  /** 401 or 403: credentials missing or refused. */
  | 'auth'
  /** An HTML 404/405: the server has no such endpoint (an older MLflow, or not MLflow at all). */
  | 'no-endpoint'
  /** A 5xx. */
  | 'server'
  /** A page (a proxy's login page, say) where JSON was expected. */
  | 'not-json'
  /** MLflow's own JSON error (`error_code`, `message`): a 4xx about the request. */
  | 'api'
  /** A redirect to another origin, not followed. */
  | 'redirect'
  /** An answer larger than RunLens reads at once. */
  | 'too-large';

export class ServerError extends Error {
  constructor(readonly problem: ServerProblem, message: string, readonly status?: number, readonly errorCode?: string) {
    super(message);
  }

  /** The server cannot be reached now: keep what was synced, back off, try again. */
  get offline(): boolean {
    return this.problem === 'unreachable' || this.problem === 'timeout' || this.problem === 'server';
  }
}

export interface HttpOptions {
  credentials?: Credentials;
  /** Whole request, from connecting to the last byte of the answer. */
  timeoutMs?: number;
  maxBytes?: number;
  /** Said of answers that were read despite a flaw (invalid UTF-8, non-standard JSON numbers). */
  onProblem?: (message: string) => void;
  /** `editor` or `terminal`: where the person gives credentials, for the 401/403 message. */
  where?: 'editor' | 'terminal';
}

export interface RequestSpec {
  method: 'GET' | 'POST';
  path: string;
  query?: Record<string, string | number | (string | number)[] | undefined>;
  body?: unknown;
}

const MAX_REDIRECTS = 3;
const UTF8 = new TextDecoder('utf-8', { fatal: true });
const UTF8_LENIENT = new TextDecoder('utf-8');

export class MlflowHttp {
  constructor(readonly uri: string, private readonly opts: HttpOptions = {}) {}

  /** The answer as JSON; throws a ServerError. */
  async json(spec: RequestSpec): Promise<unknown> {
    const { status, type, text } = await this.send(spec);
    const looksHtml = /html/i.test(type) || /^\s*</.test(text);
    if (status === 401 || status === 403) {
      throw new ServerError('auth', `The MLflow server ${this.uri} answered ${status} ${status === 401 ? 'Unauthorized' : 'Forbidden'}: it needs credentials RunLens does not have or that it refused. To give them, ${howToGiveCredentials(this.opts.where ?? 'editor')}.`, status);
    }
    if (status >= 500) {
      const detail = looksHtml ? '' : `: ${mlflowMessage(text) ?? text.slice(0, 200)}`;
      throw new ServerError('server', `The MLflow server ${this.uri} failed (${status}) on ${spec.path}${detail}`, status);
    }
    if (looksHtml) {
      if (status === 404 || status === 405) {
        throw new ServerError('no-endpoint', `The MLflow server ${this.uri} has no ${spec.method} ${spec.path} (${status}): is it an MLflow tracking server, of version 2.0 or newer, and is the URI its root?`, status);
      }
      throw new ServerError('not-json', `${this.uri} answered ${spec.path} with an HTML page instead of MLflow's JSON (status ${status}): a proxy's login page, or not an MLflow tracking server?`, status);
    }
    let value: unknown;
    try {
      value = parseJson(text, () => this.opts.onProblem?.(`${this.uri}${spec.path}: the answer spelled NaN or Infinity as bare numbers; read them as such`));
    } catch {
      throw new ServerError('not-json', `${this.uri} answered ${spec.path} with something that is not JSON (status ${status}, ${type || 'no content type'}): ${JSON.stringify(text.slice(0, 80))}`, status);
    }
    if (status >= 400) {
      const body = value as { error_code?: unknown; message?: unknown } | null;
      const code = typeof body?.error_code === 'string' ? body.error_code : undefined;
      const message = typeof body?.message === 'string' ? body.message : text.slice(0, 200);
      throw new ServerError('api', `The MLflow server ${this.uri} refused ${spec.path} (${status}${code ? ` ${code}` : ''}): ${message}`, status, code);
    }
    return value;
  }

  /** A plain-text answer (`/health`, `/version`). */
  async text(path: string): Promise<string> {
    const { status, text } = await this.send({ method: 'GET', path });
    if (status === 401 || status === 403) return this.json({ method: 'GET', path }).then(() => text);
    if (status !== 200) throw new ServerError(status >= 500 ? 'server' : 'no-endpoint', `The MLflow server ${this.uri} answered ${path} with ${status}`, status);
    return text;
  }

  private async send(spec: RequestSpec): Promise<{ status: number; type: string; text: string }> {
    let url = new URL(this.uri + spec.path);
    for (const [k, v] of Object.entries(spec.query ?? {})) {
      if (v === undefined) continue;
      for (const one of Array.isArray(v) ? v : [v]) url.searchParams.append(k, String(one));
    }
    const origin = url.origin;
    for (let hop = 0; ; hop++) {
      const answer = await this.once(url, spec);
      if (answer.location === undefined) return answer;
      const next = new URL(answer.location, url);
      if (next.origin !== origin) {
        throw new ServerError('redirect', `The MLflow server ${this.uri} redirected ${spec.path} to another origin (${redactUri(next.origin)}); RunLens does not follow it, so that no credentials go there. If the server moved, name it by its new URI.`, answer.status);
      }
      if (hop >= MAX_REDIRECTS) throw new ServerError('redirect', `The MLflow server ${this.uri} redirected ${spec.path} more than ${MAX_REDIRECTS} times`, answer.status);
      url = next;
    }
  }

  private once(url: URL, spec: RequestSpec): Promise<{ status: number; type: string; text: string; location?: string }> {
    const timeoutMs = this.opts.timeoutMs ?? 30_000;
    const maxBytes = this.opts.maxBytes ?? 256 * 1024 * 1024;
    const body = spec.body === undefined ? undefined : Buffer.from(JSON.stringify(spec.body), 'utf8');
    const headers: Record<string, string> = { Accept: 'application/json', 'User-Agent': 'RunLens' };
    if (body) { headers['Content-Type'] = 'application/json'; headers['Content-Length'] = String(body.length); }
    if (this.opts.credentials) headers.Authorization = authorization(this.opts.credentials);
    const lib = url.protocol === 'https:' ? https : http;
    return new Promise((resolve, reject) => {
      let settled = false;
      const fail = (e: ServerError) => { if (!settled) { settled = true; clearTimeout(timer); req.destroy(); reject(e); } };
      const timer = setTimeout(() => fail(new ServerError('timeout', `The MLflow server ${this.uri} did not answer ${spec.path} within ${Math.round(timeoutMs / 1000)} s`)), timeoutMs);
      const req = lib.request(url, { method: spec.method, headers }, (res) => {
        const status = res.statusCode ?? 0;
        const location = status >= 300 && status < 400 ? res.headers.location : undefined;
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > maxBytes) fail(new ServerError('too-large', `The MLflow server ${this.uri} answered ${spec.path} with more than ${Math.round(maxBytes / 1048576)} MB; RunLens reads no more than that at once`, status));
          else chunks.push(chunk);
        });
        res.on('error', (e) => fail(new ServerError('unreachable', `The connection to the MLflow server ${this.uri} broke during ${spec.path} (${e.message})`)));
        res.on('end', () => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          const bytes = Buffer.concat(chunks);
          let text: string;
          try {
            text = UTF8.decode(bytes);
          } catch {
            this.opts.onProblem?.(`${this.uri}${spec.path}: the answer was not valid UTF-8; read with replacement characters`);
            text = UTF8_LENIENT.decode(bytes);
          }
          resolve({ status, type: String(res.headers['content-type'] ?? ''), text, location });
        });
      });
      req.on('error', (e: NodeJS.ErrnoException) => fail(new ServerError('unreachable', `The MLflow server ${this.uri} cannot be reached (${e.code ?? e.message})`)));
      req.end(body);
    });
  }
}

/** MLflow's `message` in a JSON error body, if the text is one. */
function mlflowMessage(text: string): string | undefined {
  try {
    const m = (JSON.parse(text) as { message?: unknown }).message;
    return typeof m === 'string' ? m : undefined;
  } catch {
    return undefined;
  }
}

/**
 * JSON, also when a server spells NaN or Infinity as bare tokens (Python's json module does, where
 * MLflow's protobuf encoder writes "NaN"): those become the strings MLflow's encoder would write.
 */
export function parseJson(text: string, onNonStandard: () => void = () => undefined): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    let replaced = false;
    const fixed = text.replace(/"(?:[^"\\]|\\.)*"|(-?Infinity|NaN)/g, (m, bare: string | undefined) => {
      if (!bare) return m;
      replaced = true;
      return `"${bare}"`;
    });
    if (!replaced) throw e;
    const value = JSON.parse(fixed);
    onNonStandard();
    return value;
  }
}
