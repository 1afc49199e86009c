/** The events of a run log (docs/run-log.md), as the store understands them. */

/** 2: `artifact` and `untag` events, and `resume` on a start line (docs/run-log.md). */
export const RUN_LOG_VERSION = 2;
/** The longest artifact path, in characters (code points): python/runlens/_logline.py's too. */
export const MAX_ARTIFACT_PATH = 1024;
const SHA256 = /^[0-9a-f]{64}$/;
export const RUN_ID = /^[A-Za-z0-9_-]{1,64}$/;
export const END_STATUSES = ['finished', 'failed', 'killed'] as const;
export type EndStatus = (typeof END_STATUSES)[number];
export type RunStatus = 'running' | EndStatus | 'crashed';

export interface StartEvent {
  e: 'start'; t: number; run?: string; experiment: string; name: string | null; parent: string | null;
  script: { path: string; sha256: string | null } | null;
  git: { commit: string | null; branch: string | null; dirty: boolean | null } | null;
  host: string | null; pid: number | null;
  /** A run taken up again after it ended (MLflow's `start_run(run_id=…)`): running once more. */
  resume: boolean;
}
export interface ParamsEvent { e: 'params'; t: number; params: Record<string, string> }
export interface MetricPoint { key: string; value: number; step: number; t: number }
export interface MetricsEvent { e: 'metrics'; t: number; points: MetricPoint[] }
export interface TagsEvent { e: 'tags'; t: number; tags: Record<string, string> }
export interface HeartbeatEvent { e: 'heartbeat'; t: number }
export interface EndEvent { e: 'end'; t: number; status: EndStatus; error: { type?: string; message?: string; traceback?: string } | null }
/** A file the run keeps, under `.runlens/artifacts/<run id>/<path>`. */
export interface ArtifactEvent { e: 'artifact'; t: number; path: string; size: number; sha256: string | null; mediaType: string | null }
export interface UntagEvent { e: 'untag'; t: number; key: string }
/**
 * How far the run's upload to a tracking server got (docs/run-log.md, "Uploads"). The uploader is
 * the Python client (python/runlens/_upload.py); the store reads these lines and keeps nothing of them.
 */
export interface UploadEvent {
  e: 'upload'; t: number; server: string; step: string;
  run_id: string | null; experiment_id: string | null;
  /** [byte offset of a line, items of it]: what the server has, or is being sent. */
  through: [number, number] | null;
  status: string | null; kind: string | null; key: string | null; message: string | null;
  /** On `created`: the server's artifact_uri of the run, where its artifacts are put. */
  artifact_uri: string | null;
}
export type RunEvent = StartEvent | ParamsEvent | MetricsEvent | TagsEvent | HeartbeatEvent | EndEvent | ArtifactEvent | UntagEvent | UploadEvent;

/** A line that was read but could not be used, with why. */
export interface LineProblem { file: string; line: number; offset: number; reason: string }

export type Parsed<T> = { ok: true; event: T } | { ok: false; unknown?: string; reason: string };

/** Turns a metric value as the log writes it into a number; `undefined` when it is not one. */
export function metricNumber(v: unknown): number | undefined {
  if (typeof v === 'number') return v;
  if (v === 'NaN') return NaN;
  if (v === 'Infinity') return Infinity;
  if (v === '-Infinity') return -Infinity;
  return undefined;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);

function stringMap(v: unknown, what: string): Record<string, string> | string {
  if (!isObject(v)) return `'${what}' is not an object`;
  // No prototype: a key is data, and '__proto__' is a parameter name like any other.
  const out: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const [k, val] of Object.entries(v)) {
    if (typeof val === 'string') out[k] = val;
    else if (typeof val === 'number' || typeof val === 'boolean' || val === null) out[k] = JSON.stringify(val);
    else return `'${what}.${k}' is not a string`;
  }
  return out;
}

function point(key: unknown, value: unknown, step: unknown, t: unknown): MetricPoint | string {
  if (typeof key !== 'string' || key === '') return 'a metric has no key';
  const n = metricNumber(value);
  if (n === undefined) return `metric '${key}' has a value that is not a number: ${JSON.stringify(value)?.slice(0, 40)}`;
  const s = step === undefined || step === null ? 0 : step;
  if (typeof s !== 'number' || !Number.isInteger(s)) return `metric '${key}' has a step that is not an integer`;
  if (typeof t !== 'number' || !Number.isFinite(t)) return `metric '${key}' has no time`;
  return { key, value: n, step: s, t };
}

/** An upload's `through`: two non-negative integers, else null. */
function position(v: unknown): [number, number] | null {
  if (!Array.isArray(v) || v.length !== 2) return null;
  const [a, b] = v as unknown[];
  return typeof a === 'number' && typeof b === 'number' && Number.isInteger(a) && Number.isInteger(b) && a >= 0 && b >= 0 ? [a, b] : null;
}

/**
 * Why `path` is no artifact path, or undefined: relative, '/' between folders, no empty, '.' or
 * '..' part, no backslash or NUL, at most MAX_ARTIFACT_PATH characters. An artifact path names a
 * file inside its run's folder, whoever wrote the line (python/runlens/_logline.py keeps the same).
 */
export function artifactPathProblem(path: string): string | undefined {
  if (path === '') return 'is empty';
  if (path.length > MAX_ARTIFACT_PATH && Array.from(path).length > MAX_ARTIFACT_PATH) return `is longer than ${MAX_ARTIFACT_PATH} characters`;
  if (path.includes('\\') || path.includes('\0')) return 'holds a backslash or a NUL';
  if (path.startsWith('/')) return 'is absolute';
  if (path.split('/').some((part) => part === '' || part === '.' || part === '..')) return "has an empty, '.' or '..' part";
  return undefined;
}

/** What one decoded line of a run log says (test/vectors/runlog-lines.json has the cases). */
export type LineReading =
  | { kind: 'event'; event: RunEvent }
  /** Empty, or only whitespace: skipped without a report. */
  | { kind: 'blank' }
  /** An event type of a newer writer: skipped, reported once per file. */
  | { kind: 'unknown'; type: string; reason: string }
  | { kind: 'problem'; reason: string };

/**
 * Reads one line's text (from readLines) by the rules every reader keeps; the Python client's
 * twin is python/runlens/_logline.py, and both are tested against the same vectors.
 */
export function readLine(text: string): LineReading {
  if (text.trim() === '') return { kind: 'blank' };
  let raw: unknown;
  try { raw = JSON.parse(text); } catch (e) { return { kind: 'problem', reason: `not JSON (${(e as Error).message})` }; }
  const parsed = parseEvent(raw);
  if (parsed.ok) return { kind: 'event', event: parsed.event };
  return parsed.unknown ? { kind: 'unknown', type: parsed.unknown, reason: parsed.reason } : { kind: 'problem', reason: parsed.reason };
}

/** Checks one decoded JSON line against the format. Unknown event types are reported as such. */
export function parseEvent(raw: unknown): Parsed<RunEvent> {
  if (!isObject(raw)) return { ok: false, reason: 'the line is not a JSON object' };
  const e = raw.e;
  const t = raw.t;
  if (typeof e !== 'string') return { ok: false, reason: "the line has no event type 'e'" };
  if (typeof t !== 'number' || !Number.isFinite(t)) return { ok: false, reason: `'${e}' has no time 't'` };
  switch (e) {
    case 'start': {
      const script = isObject(raw.script) && typeof raw.script.path === 'string'
        ? { path: raw.script.path, sha256: str(raw.script.sha256) } : null;
      const git = isObject(raw.git)
        ? { commit: str(raw.git.commit), branch: str(raw.git.branch), dirty: typeof raw.git.dirty === 'boolean' ? raw.git.dirty : null } : null;
      return { ok: true, event: {
        e, t, run: str(raw.run) ?? undefined, experiment: str(raw.experiment) || 'Default', name: str(raw.name),
        parent: str(raw.parent), script, git, host: str(raw.host),
        pid: typeof raw.pid === 'number' && Number.isInteger(raw.pid) ? raw.pid : null,
        resume: raw.resume === true,
      } };
    }
    case 'params': {
      const params = stringMap(raw.params, 'params');
      return typeof params === 'string' ? { ok: false, reason: params } : { ok: true, event: { e, t, params } };
    }
    case 'tags': {
      const tags = stringMap(raw.tags, 'tags');
      return typeof tags === 'string' ? { ok: false, reason: tags } : { ok: true, event: { e, t, tags } };
    }
    case 'metric': {
      const p = point(raw.key, raw.value, raw.step, t);
      return typeof p === 'string' ? { ok: false, reason: p } : { ok: true, event: { e: 'metrics', t, points: [p] } };
    }
    case 'metrics': {
      if (!Array.isArray(raw.points)) return { ok: false, reason: "'metrics' has no list 'points'" };
      const points: MetricPoint[] = [];
      for (const p of raw.points) {
        const parsed = Array.isArray(p) ? point(p[0], p[1], p[2], p[3] ?? t) : 'a point is not a list [key, value, step, t]';
        if (typeof parsed === 'string') return { ok: false, reason: parsed };
        points.push(parsed);
      }
      return { ok: true, event: { e, t, points } };
    }
    case 'heartbeat':
      return { ok: true, event: { e, t } };
    case 'artifact': {
      const path = raw.path;
      const shown = JSON.stringify(path)?.slice(0, 40);
      const why = typeof path === 'string' ? artifactPathProblem(path) : 'is not a string';
      if (why) return { ok: false, reason: `'artifact' path ${shown} ${why}` };
      const size = raw.size;
      if (typeof size !== 'number' || !Number.isInteger(size) || size < 0) return { ok: false, reason: `'artifact' ${shown} has no size` };
      const sha = raw.sha256;
      if (sha !== undefined && sha !== null && (typeof sha !== 'string' || !SHA256.test(sha))) return { ok: false, reason: `'artifact' ${shown} has a sha256 that is not 64 hex digits` };
      return { ok: true, event: { e, t, path: path as string, size, sha256: (sha as string | null | undefined) ?? null, mediaType: str(raw.media_type) } };
    }
    case 'untag': {
      if (typeof raw.key !== 'string' || raw.key === '') return { ok: false, reason: "'untag' has no key" };
      return { ok: true, event: { e, t, key: raw.key } };
    }
    case 'end': {
      const status = raw.status;
      if (!END_STATUSES.includes(status as EndStatus)) return { ok: false, reason: `'end' has an unknown status ${JSON.stringify(status)}` };
      const err = isObject(raw.error)
        ? { type: str(raw.error.type) ?? undefined, message: str(raw.error.message) ?? undefined, traceback: str(raw.error.traceback) ?? undefined }
        : null;
      return { ok: true, event: { e, t, status: status as EndStatus, error: err } };
    }
    case 'upload': {
      if (typeof raw.server !== 'string' || raw.server === '') return { ok: false, reason: "'upload' has no server" };
      if (typeof raw.step !== 'string' || raw.step === '') return { ok: false, reason: "'upload' has no step" };
      return { ok: true, event: {
        e, t, server: raw.server, step: raw.step, run_id: str(raw.run_id), experiment_id: str(raw.experiment_id),
        through: position(raw.through), status: str(raw.status), kind: str(raw.kind), key: str(raw.key), message: str(raw.message),
        artifact_uri: str(raw.artifact_uri),
      } };
    }
    default:
      return { ok: false, unknown: e, reason: `unknown event type '${e}'` };
  }
}
