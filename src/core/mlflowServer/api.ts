/**
 * The few calls of MLflow's REST API (2.0) that following a server needs, each paged the way the
 * server pages it. `runs/search` hands out a token whenever a page is full, so a chain may end
 * with an empty page, whose body is `{}`.
 */
import type { MetricPoint, MlflowExperiment } from '../mlflow/model';
import { MlflowHttp, ServerError } from './http';
import { pageToken, parseExperiment, parsePoints } from './parse';

const API = '/api/2.0/mlflow';

export interface RunSearch {
  experimentIds: string[];
  filter?: string;
  viewType: 'ALL' | 'ACTIVE_ONLY' | 'DELETED_ONLY';
  orderBy?: string[];
  /** Runs per page; unset, the server's default (1,000), as for a search by at most a hundred ids. */
  pageSize?: number;
}

export class MlflowRestApi {
  constructor(readonly http: MlflowHttp) {}

  get uri(): string { return this.http.uri; }

  /** `GET /version`: the server's MLflow version, as plain text. */
  version(): Promise<string> {
    return this.http.text('/version').then((t) => t.trim());
  }

  /** Every experiment, deleted ones included. */
  async experiments(onProblem: (m: string) => void = () => undefined, pageSize = 1000): Promise<MlflowExperiment[]> {
    const out: MlflowExperiment[] = [];
    let token: string | undefined;
    do {
      const body: Record<string, unknown> = { view_type: 'ALL', max_results: pageSize };
      if (token) body.page_token = token;
      const answer = await this.http.json({ method: 'POST', path: `${API}/experiments/search`, body });
      const list = (answer as { experiments?: unknown }).experiments;
      for (const raw of Array.isArray(list) ? list : []) {
        const e = parseExperiment(raw);
        if (e) out.push(e); else onProblem(`${this.uri}: an experiment without an id or a name was skipped`);
      }
      token = pageToken(answer);
    } while (token);
    return out;
  }

  /** The pages of a `runs/search`, raw (parse.ts reads each run). */
  async *searchRuns(q: RunSearch): AsyncGenerator<unknown[]> {
    let token: string | undefined;
    do {
      const body: Record<string, unknown> = { experiment_ids: q.experimentIds, run_view_type: q.viewType };
      if (q.pageSize) body.max_results = q.pageSize;
      if (q.filter) body.filter = q.filter;
      if (q.orderBy) body.order_by = q.orderBy;
      if (token) body.page_token = token;
      const answer = await this.http.json({ method: 'POST', path: `${API}/runs/search`, body });
      const runs = (answer as { runs?: unknown }).runs;
      yield Array.isArray(runs) ? runs : [];
      token = pageToken(answer);
    } while (token);
  }

  /** `runs/get`; undefined when the server has no such run. */
  async getRun(runId: string): Promise<unknown> {
    try {
      return (await this.http.json({ method: 'GET', path: `${API}/runs/get`, query: { run_id: runId } }) as { run?: unknown }).run;
    } catch (e) {
      if (e instanceof ServerError && e.errorCode === 'RESOURCE_DOES_NOT_EXIST') return undefined;
      throw e;
    }
  }

  /**
   * A metric's whole history, a page at a time (`metrics/get-history`). A server that ignores
   * `max_results` (the SQL stores of 2.17.2 do) sends everything in its first page.
   */
  async metricHistory(runId: string, key: string, onPage: (points: MetricPoint[]) => void, pageSize = 25_000): Promise<void> {
    let token: string | undefined;
    do {
      const answer = await this.http.json({
        method: 'GET', path: `${API}/metrics/get-history`,
        query: { run_id: runId, metric_key: key, max_results: pageSize, page_token: token },
      });
      onPage(parsePoints(answer));
      token = pageToken(answer);
    } while (token);
  }

  /**
   * At most `maxResults` points of a metric, spread over its steps by the server
   * (`get-history-bulk-interval`, MLflow 2.11 and newer); undefined from a server without it.
   */
  async sampledHistory(runId: string, key: string, maxResults: number): Promise<MetricPoint[] | undefined> {
    try {
      const answer = await this.http.json({
        method: 'GET', path: `${API}/metrics/get-history-bulk-interval`,
        query: { run_ids: runId, metric_key: key, max_results: maxResults },
      });
      return parsePoints(answer);
    } catch (e) {
      if (e instanceof ServerError && (e.problem === 'no-endpoint' || e.errorCode === 'ENDPOINT_NOT_FOUND')) return undefined;
      throw e;
    }
  }
}
