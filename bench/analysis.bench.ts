/**
 * Loop analysis on a realistic 2,000-line training script with 20 loops (experiment loops of
 * several shapes, one a 10 x 10 x 10 = 1,000-combination grid, and loops over data and epochs).
 * Figures: parse + analysis, and re-analysis after a one-line edit in the body of the largest
 * loop (incremental.ts: Lezer's incremental parse, the other loops' results reused); medians of 20
 * after warm-up. Baseline of both: Lezer's bare parse of the same file, in the same run.
 */
import { parser } from '@lezer/python';
import { analyzePython } from '../src/core/analysis';
import { IncrementalAnalysis } from '../src/core/analysis/incremental';
import type { Figure } from './figure';

const LINES = 2000;
const RUNS = 20;
const WARMUP = 10;

/** Twenty loops: ten experiment loops of different shapes, ten over data, batches, epochs, files. */
const LOOPS: string[] = [
  `for lr, bs, wd in itertools.product(LRS, BATCH_SIZES, WEIGHT_DECAYS):
    if lr > 1.0 and bs == 8:
        continue
    with mlflow.start_run(run_name=f"lr{lr}-bs{bs}"):
        mlflow.log_params({"lr": lr, "batch_size": bs, "weight_decay": wd, "epochs": EPOCHS})
        train_model(lr, bs, wd)`,
  `for depth in range(2, 12, 2):
    mlflow.log_param("depth", depth)`,
  `for cfg in CONFIGS:
    with mlflow.start_run():
        mlflow.log_params(cfg)`,
  `for params in ParameterGrid({"C": [0.1, 1, 10], "kernel": ["linear", "rbf"]}):
    with mlflow.start_run():
        mlflow.log_params(params)`,
  `for lr, momentum in zip([0.1, 0.05, 0.01], [0.9, 0.95, 0.99]):
    mlflow.log_params({"lr": lr, "momentum": momentum})`,
  `for i, dropout in enumerate(np.linspace(0.0, 0.5, 6)):
    mlflow.log_param("dropout", dropout)`,
  `for alpha in np.logspace(-4, 0, 5):
    with mlflow.start_run():
        mlflow.log_param("alpha", alpha)`,
  `for seed in range(5):
    for opt in ("adam", "sgd"):
        with mlflow.start_run():
            mlflow.log_params({"seed": seed, "optimizer": opt, "lr": args.lr})`,
  `for width in [64, 128, 256]:
    train_and_log(width)`,
  `for k in np.arange(0.1, 1.0, 0.1):
    if k > 0.7:
        continue
    mlflow.log_param("k", k)`,
  `for epoch in range(EPOCHS):
    for batch in loader:
        loss = step(batch)
        mlflow.log_metric("loss", loss, step=epoch)`,
  `for path in glob.glob("data/*.csv"):
    frames.append(load_frame(path))`,
  `for batch in loader:
    optimizer.zero_grad()
    loss = model(batch).mean()
    loss.backward()
    optimizer.step()`,
  `for name, param in model.named_parameters():
    if param.requires_grad:
        print(name, param.shape)`,
  `for line in open("log.txt"):
    counts[line.split()[0]] += 1`,
  `for i in range(len(dataset)):
    sample = dataset[i]
    total += sample["label"]`,
  `for epoch in range(100):
    acc = evaluate(model)
    mlflow.log_metric("acc", acc, step=epoch)`,
  `for x, y in zip(xs, ys):
    errors.append(abs(x - y))`,
  `for key, value in metrics.items():
    summary[key] = round(value, 4)`,
  `for f in os.listdir("checkpoints"):
    if f.endswith(".pt"):
        os.remove(os.path.join("checkpoints", f))`,
];

const HEADER = `import os
import glob
import itertools
import argparse
import numpy as np
import mlflow
from sklearn.model_selection import ParameterGrid

LRS = [0.1, 0.05, 0.01, 5e-3, 1e-3, 5e-4, 1e-4, 5e-5, 1e-5, 5e-6]
BATCH_SIZES = [8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096]
WEIGHT_DECAYS = [0.0, 1e-5, 1e-4, 1e-3, 1e-2, 0.1, 0.2, 0.3, 0.4, 0.5]
EPOCHS = 20
CONFIGS = [{"model": "resnet18", "lr": 0.1}, {"model": "vit", "lr": 3e-4, "warmup": 500}]
args = argparse.ArgumentParser().parse_args()


def train_and_log(width):
    with mlflow.start_run():
        mlflow.log_params({"width": width, "activation": "relu"})
`;

/** Ordinary code between the loops: functions and classes of the kind a training script has. */
function filler(i: number): string {
  return `

def helper_${i}(model, data, scale=${i}):
    """Scale the batch and run the model (filler ${i})."""
    result = []
    total = 0.0
    for item in data:
        value = model(item) * scale + ${i % 7}
        total = total + value
        result.append({"index": ${i}, "value": value, "ok": value > 0.5})
    if total > ${i * 3}:
        print(f"helper ${i}: {total:.3f}")
    return result, total / max(len(result), 1)


class Block${i}:
    def __init__(self, width=${64 + i}, depth=${2 + (i % 4)}):
        self.width = width
        self.depth = depth
        self.layers = [width] * depth

    def forward(self, x):
        return sum(layer * x for layer in self.layers)
`;
}

export function syntheticScript(): string {
  const parts = [HEADER];
  let loopIndex = 0;
  let fillerIndex = 0;
  const lineCount = () => parts.join('\n').split('\n').length;
  while (lineCount() < LINES - 40) {
    if (loopIndex < LOOPS.length && fillerIndex % 3 === 1) parts.push('\n' + LOOPS[loopIndex++] + '\n');
    else parts.push(filler(fillerIndex));
    fillerIndex++;
  }
  while (loopIndex < LOOPS.length) parts.push('\n' + LOOPS[loopIndex++] + '\n');
  const lines = parts.join('\n').split('\n');
  while (lines.length < LINES) lines.push('');
  return lines.slice(0, LINES).join('\n') + '\n';
}

/**
 * Medians of `RUNS` timings of each function after warm-up. The two are timed alternately so
 * that a busy machine weighs on both alike.
 */
function medians(a: () => void, b: () => void): [number, number] {
  for (let i = 0; i < WARMUP; i++) { a(); b(); }
  const ta: number[] = [];
  const tb: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    let t = performance.now();
    a();
    ta.push(performance.now() - t);
    t = performance.now();
    b();
    tb.push(performance.now() - t);
  }
  const median = (xs: number[]) => { xs.sort((x, y) => x - y); return (xs[(RUNS - 1) >> 1] + xs[RUNS >> 1]) / 2; };
  return [median(ta), median(tb)];
}

export async function run(): Promise<Record<string, Figure>> {
  const source = syntheticScript();
  const loops = analyzePython(source);
  const grid = loops.find(l => l.combinations.length === 1000);
  if (loops.length !== 10 || !grid) throw new Error(`bench script: expected 10 experiment loops incl. a 1,000 grid, got ${loops.length}`);
  const [baseline, value] = medians(() => parser.parse(source), () => analyzePython(source));
  // A one-line edit in the body of the 1,000-combination loop, typed back and forth.
  const lines = source.split('\n');
  const at = lines.findIndex(l => l.includes('train_model(lr, bs, wd)'));
  const edited = (i: number) => { const copy = lines.slice(); copy[at] = copy[at].replace('train_model(lr, bs, wd)', `train_model(lr, bs, wd, verbose=${i % 2 ? 'True' : 'False'})`); return copy.join('\n'); };
  const inc = new IncrementalAnalysis();
  inc.update(source);
  let n = 0;
  const [editBaseline, edit] = medians(() => parser.parse(source), () => inc.update(edited(n++)));
  const round = (n: number) => Math.round(n * 100) / 100;
  return {
    reanalysis_one_line_edit_ms: {
      value: round(edit),
      unit: 'ms',
      baseline: round(editBaseline),
      ratio: round(edit / editBaseline),
      note: 'analysis of the same script again after a one-line edit in the body of its 1,000-combination loop (incremental parse, that loop analysed again, the other loops reused); median of ' +
        `${RUNS} after warm-up; baseline: bare Lezer parse of the whole file`,
    },
    analysis_parse_2000_lines_ms: {
      value: round(value),
      unit: 'ms',
      baseline: round(baseline),
      ratio: round(value / baseline),
      note: `parse + analysis of a ${LINES}-line script (${source.length} chars) with 20 loops, 10 of them ` +
        `experiment loops incl. a 1,000-combination grid; median of ${RUNS} after warm-up; baseline: bare Lezer parse`,
    },
  };
}
