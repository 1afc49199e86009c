/**
 * The live tier's side of a real tracking server (RUNLENS_TEST_MLFLOW_URI): seeding it through
 * MLflow's own REST API with runs of an experiment of the test's own, and a plain TCP relay in
 * front of it, so a test can make the server disappear (stop the relay) without owning it.
 */
import * as net from 'node:net';

export async function mlflowCall(uri: string, method: 'GET' | 'POST', path: string, body?: unknown): Promise<Record<string, unknown>> {
  const res = await fetch(`${uri}/api/2.0/mlflow/${path}`, {
    method, headers: body ? { 'Content-Type': 'application/json' } : {}, body: body ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text.slice(0, 300)}`);
  return text ? JSON.parse(text) : {};
}

/** Creates an experiment and a finished run with these params (strings, as MLflow keeps them) and metrics. */
export async function seedRun(uri: string, experiment: string, name: string, params: Record<string, string>, metrics: Record<string, number>, start = Date.now()): Promise<string> {
  let experimentId: string;
  try {
    experimentId = String((await mlflowCall(uri, 'POST', 'experiments/create', { name: experiment })).experiment_id);
  } catch {
    const got = await mlflowCall(uri, 'GET', `experiments/get-by-name?experiment_name=${encodeURIComponent(experiment)}`);
    experimentId = String((got.experiment as { experiment_id: string }).experiment_id);
  }
  const run = (await mlflowCall(uri, 'POST', 'runs/create', { experiment_id: experimentId, run_name: name, start_time: start })).run as { info: { run_id: string } };
  const runId = run.info.run_id;
  await mlflowCall(uri, 'POST', 'runs/log-batch', {
    run_id: runId,
    params: Object.entries(params).map(([key, value]) => ({ key, value })),
    metrics: Object.entries(metrics).map(([key, value]) => ({ key, value, timestamp: start + 1, step: 0 })),
  });
  await mlflowCall(uri, 'POST', 'runs/update', { run_id: runId, status: 'FINISHED', end_time: start + 2 });
  return runId;
}

/** A TCP relay on 127.0.0.1 to `target` (host:port): stop() makes the server unreachable, start() brings it back on the same port. */
export class Relay {
  private server: net.Server | undefined;
  private sockets = new Set<net.Socket>();
  port = 0;

  constructor(private readonly target: URL) {}

  get uri(): string { return `http://127.0.0.1:${this.port}`; }

  async start(): Promise<void> {
    const server = net.createServer((client) => {
      const upstream = net.connect(Number(this.target.port || 80), this.target.hostname);
      for (const s of [client, upstream]) { this.sockets.add(s); s.on('close', () => this.sockets.delete(s)); s.on('error', () => s.destroy()); }
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((resolve) => server.listen(this.port, '127.0.0.1', resolve));
    this.port = (server.address() as net.AddressInfo).port;
    this.server = server;
  }

  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
    this.server = undefined;
  }
}
