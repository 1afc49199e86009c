/**
 * Sweep files: W&B's sweep configuration in its grid form, and RunLens's own YAML or JSON of the
 * same shape.
 *
 *   program: train.py            # or script:
 *   method: grid                 # W&B's other methods sample, so their combinations are not known up front
 *   experiment: lr-sweep         # RunLens: the experiment the runs go to
 *   argumentStyle: hydra         # RunLens; W&B says it with ${args_no_hyphens} in `command`
 *   metric: {name: accuracy, goal: maximize}
 *   parameters:
 *     lr: {values: [0.001, 0.01]}
 *     bs: [32, 64]               # RunLens shorthand
 *     seed: {value: 0}
 */
import * as yaml from 'js-yaml';
import { expandGrid, type ArgumentStyle, type Axis, type SweepSpec } from './grid';

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Whether a parsed YAML or JSON document looks like a sweep file at all. */
export function looksLikeSweep(doc: unknown): boolean {
  return isObject(doc) && isObject(doc.parameters);
}

export function parseSweepFile(text: string): SweepSpec {
  let doc: unknown;
  try {
    doc = yaml.load(text);
  } catch (e) {
    throw new Error(`not valid YAML or JSON: ${(e as Error).message.split('\n')[0]}`);
  }
  if (!looksLikeSweep(doc)) throw new Error('a sweep file needs `parameters:`, a mapping of each parameter to its values');
  const d = doc as Record<string, unknown>;
  if (d.method !== undefined && d.method !== 'grid') {
    throw new Error(`method '${String(d.method)}' samples its combinations as it goes; RunLens runs grids (method: grid), whose combinations it can check before running`);
  }
  const axes: Axis[] = Object.entries(d.parameters as Record<string, unknown>).map(([key, p]) => ({ key, values: parameterValues(key, p) }));
  const combinations = expandGrid(axes);
  return {
    keys: axes.map((a) => a.key),
    combinations,
    script: text1(d.script) ?? text1(d.program),
    experiment: text1(d.experiment),
    argumentStyle: argumentStyle(d),
    metric: metric(d.metric),
  };
}

function parameterValues(key: string, p: unknown): unknown[] {
  if (Array.isArray(p)) return p;
  if (!isObject(p)) return [p];
  if (Array.isArray(p.values)) return p.values;
  if ('value' in p) return [p.value];
  if (isObject(p.parameters)) throw new Error(`'${key}' nests parameters; RunLens sweeps flat parameters`);
  if ('min' in p || 'max' in p || 'distribution' in p) {
    throw new Error(`'${key}' is a distribution (min/max); a grid lists its values: ${key}: {values: [...]}`);
  }
  throw new Error(`'${key}' has neither values: [...] nor value: ...`);
}

function argumentStyle(d: Record<string, unknown>): ArgumentStyle | undefined {
  const explicit = d.argumentStyle ?? d.argument_style;
  if (explicit === 'argparse' || explicit === 'hydra') return explicit;
  if (explicit !== undefined) throw new Error(`argumentStyle must be argparse or hydra, not ${JSON.stringify(explicit)}`);
  // W&B's macros: ${args} gives --key=value, ${args_no_hyphens} gives key=value (what Hydra wants).
  if (Array.isArray(d.command)) {
    if (d.command.includes('${args_no_hyphens}')) return 'hydra';
    if (d.command.includes('${args}')) return 'argparse';
  }
  return undefined;
}

function metric(m: unknown): SweepSpec['metric'] {
  if (!isObject(m) || typeof m.name !== 'string' || !m.name) return undefined;
  const goal = m.goal === 'maximize' || m.goal === 'minimize' ? m.goal : undefined;
  return { name: m.name, goal };
}

function text1(v: unknown): string | undefined {
  return typeof v === 'string' && v.trim() ? v.trim() : undefined;
}
