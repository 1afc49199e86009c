// npm run bench: every benchmark, each figure printed with its baseline, all written to bench/results.json.
// Benchmarks are not part of npm test: they take minutes and their figures are read, not asserted.
//   node bench/run.mjs [name ...]   only the benchmarks whose file name contains one of the names
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const only = process.argv.slice(2);
const build = spawnSync(process.execPath, ['esbuild.mjs', '--tests'], { cwd: root, stdio: 'inherit' });
if (build.status !== 0) process.exit(build.status ?? 1);

const ctx = { workerFile: path.join(root, 'dist', 'storeWorker.js'), wasm: path.join(root, 'dist', 'sql-wasm.wasm'), root };
const results = {};
let failed = 0;
const jsBenches = fs.readdirSync(path.join(root, 'out', 'bench')).filter((f) => f.endsWith('.bench.js')).sort();
const pyBenches = fs.readdirSync(path.join(root, 'bench')).filter((f) => /^py_.*\.py$/.test(f)).sort();
const wanted = (f) => !only.length || only.some((o) => f.includes(o));

function collect(name, stdout) {
  const last = stdout.trim().split('\n').pop();
  const figures = JSON.parse(last);
  for (const [k, f] of Object.entries(figures)) {
    results[k] = f;
    console.log(`${k.padEnd(30)} ${String(f.value).padStart(12)} ${f.unit.padEnd(9)} baseline ${String(f.baseline).padStart(12)}  ratio ${f.ratio}${f.note ? `\n${' '.repeat(31)}${f.note}` : ''}`);
  }
}

for (const f of jsBenches.filter(wanted)) {
  console.log(`\n# ${f}`);
  // Each benchmark in its own process, so one's memory does not weigh on the next.
  const script = `require(${JSON.stringify(path.join(root, 'out', 'bench', f))}).run(${JSON.stringify(ctx)}).then((r) => console.log(JSON.stringify(r)), (e) => { console.error(e); process.exit(1); })`;
  const r = spawnSync(process.execPath, ['--max-old-space-size=8192', '-e', script], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 64 << 20 });
  if (r.status !== 0) { console.log(`  FAILED (exit ${r.status})`); failed++; continue; }
  collect(f, r.stdout);
}
// The hook for the Python client's benchmarks against a tracking server (mlflow_server_grid_check_ms):
// RUNLENS_BENCH_MLFLOW_URI (unset: they print that they skipped, and report no figure) and the
// experiment mlflow-server.bench.ts filled on it, 10,000+ runs of bench/mlflow-stores.ts's
// syntheticRun (params param_0..param_9, param_0 in 1, 0.1, ... 0.0001; metrics loss, val_loss,
// accuracy, val_accuracy, learning_rate), which runs before them.
const serverBenchEnv = process.env.RUNLENS_BENCH_MLFLOW_URI
  ? { RUNLENS_BENCH_MLFLOW_EXPERIMENT: 'runlens-bench-10k' }
  : {};
if (!process.env.RUNLENS_BENCH_MLFLOW_URI) console.log('\n(no RUNLENS_BENCH_MLFLOW_URI: the mlflow_server_* figures are skipped)');
for (const f of pyBenches.filter(wanted)) {
  console.log(`\n# ${f}`);
  const r = spawnSync('python3', [path.join('bench', f)], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, ...serverBenchEnv, PYTHONPATH: path.join(root, 'python') } });
  if (r.status !== 0) { console.log(`  FAILED (exit ${r.status})`); failed++; continue; }
  collect(f, r.stdout);
}
const file = path.join(root, 'bench', 'results.json');
const previous = only.length && fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, 'utf8')) : {};
fs.writeFileSync(file, JSON.stringify({ ...previous, ...results }, null, 2) + '\n');
console.log(`\nwrote ${path.relative(root, file)} (${Object.keys(results).length} figures)${failed ? `; ${failed} benchmark(s) failed` : ''}`);
process.exit(failed ? 1 : 0);
