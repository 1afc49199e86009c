/**
 * Metric histories of a server's runs, read when a chart or a comparison asks, and cached. A chart
 * needs a few thousand points, not a million: the server is asked for a sample of its steps
 * (`get-history-bulk-interval`, up to 2,500 points and each metric's extremes); a server without
 * that endpoint is read page by page, each page folded into a bounded sample, so a long history is
 * never held whole (unless the server itself sends it in one page, as 2.17.2's SQL stores do).
 */
import type { MetricPoint } from '../mlflow/model';
import type { MlflowRestApi } from './api';

/** The most points the server samples per metric (MLflow's MAX_RESULTS_PER_RUN). */
export const SAMPLE_POINTS = 2500;

export class ServerHistoryCache {
  private readonly cache = new Map<string, MetricPoint[]>();
  private points = 0;

  constructor(private readonly maxPoints = 1_000_000) {}

  /** The sampled histories of `keys` of a run (cached until `forget`, or until pushed out). */
  async get(api: MlflowRestApi, runId: string, keys: string[]): Promise<Record<string, MetricPoint[]>> {
    const out: Record<string, MetricPoint[]> = {};
    for (const key of keys) {
      const id = `${api.uri}#${runId}#${key}`;
      let points = this.cache.get(id);
      if (points) {
        this.cache.delete(id); // most recently used goes last
      } else {
        points = await api.sampledHistory(runId, key, SAMPLE_POINTS) ?? await pagedSample(api, runId, key, SAMPLE_POINTS);
        this.points += points.length;
      }
      this.cache.set(id, points);
      out[key] = points;
    }
    for (const [id, points] of this.cache) {
      if (this.points <= this.maxPoints) break;
      this.cache.delete(id);
      this.points -= points.length;
    }
    return out;
  }

  /** A run changed on the server: its cached histories are stale. */
  forget(uri: string, runId: string): void {
    const prefix = `${uri}#${runId}#`;
    for (const [id, points] of this.cache) if (id.startsWith(prefix)) { this.cache.delete(id); this.points -= points.length; }
  }
}

/** The history read page by page, kept to at most about `budget` points. */
async function pagedSample(api: MlflowRestApi, runId: string, key: string, budget: number): Promise<MetricPoint[]> {
  const sample = new BoundedSample(budget);
  await api.metricHistory(runId, key, (page) => { for (const p of page) sample.add(p); });
  return sample.points();
}

/**
 * Keeps every k-th point, doubling k whenever the sample is full, plus the first, the last and the
 * extremes: a fair picture of a history of any length in bounded memory.
 */
export class BoundedSample {
  private kept: MetricPoint[] = [];
  private stride = 1;
  private seen = 0;
  private min: MetricPoint | undefined;
  private max: MetricPoint | undefined;
  private last: MetricPoint | undefined;

  constructor(private readonly budget: number) {}

  add(p: MetricPoint): void {
    if (this.seen++ % this.stride === 0) {
      this.kept.push(p);
      if (this.kept.length >= this.budget) {
        this.kept = this.kept.filter((_, i) => i % 2 === 0);
        this.stride *= 2;
      }
    }
    if (!Number.isNaN(p.value)) {
      if (!this.min || p.value < this.min.value) this.min = p;
      if (!this.max || p.value > this.max.value) this.max = p;
    }
    this.last = p;
  }

  points(): MetricPoint[] {
    const extra = [this.min, this.max, this.last].filter((p): p is MetricPoint => !!p && !this.kept.includes(p));
    if (!extra.length) return this.kept;
    return [...this.kept, ...extra].sort((a, b) => a.step - b.step || a.timestamp - b.timestamp);
  }
}
