import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { GROUPS, SECTION, SETTINGS, configurationContribution, isMarkdown, settingDefault, settingValue, type SettingKey } from '../../src/core/settings';
import { chooseKeyMetric } from '../../src/core/runs/keyMetric';
import { higherIsBetter } from '../../src/core/store/queries';
import { repoRoot } from './support/repo';

interface Property {
  type?: string; default?: unknown; enum?: unknown[]; enumDescriptions?: string[]; markdownEnumDescriptions?: string[];
  description?: string; markdownDescription?: string;
}
interface Group { id?: string; title?: string; order?: number; properties: Record<string, Property> }

const manifest = JSON.parse(fs.readFileSync(path.join(repoRoot(), 'package.json'), 'utf8'));
const contributed: Group[] = [manifest.contributes.configuration].flat();
const properties: Record<string, Property> = Object.assign({}, ...contributed.map((g) => g.properties));
const keys = Object.keys(SETTINGS) as SettingKey[];
const full = (k: SettingKey) => `${SECTION}.${k}`;
const UPDATE = 'run `npm run manifest:settings` to write package.json from src/core/settings/table.ts';

describe('settings: package.json agrees with the settings table', () => {
  it('declares every setting of the table, and no other', () => {
    const declared = Object.keys(properties);
    assert.deepEqual(keys.map(full).filter((k) => !declared.includes(k)), [], `settings missing from package.json; ${UPDATE}`);
    assert.deepEqual(declared.filter((k) => !keys.map(full).includes(k as never)), [], `settings in package.json that the table does not know; add them to the table, then ${UPDATE}`);
  });

  for (const k of keys) {
    it(`runlens.${k}: the same type, default and values`, () => {
      const p = properties[full(k)];
      if (!p) return assert.fail(`runlens.${k} is missing from package.json`);
      const spec = SETTINGS[k];
      assert.equal(p.type, spec.type, `type; ${UPDATE}`);
      assert.deepEqual(p.default, spec.default, `default; ${UPDATE}`);
      assert.deepEqual(p.enum, 'enum' in spec ? spec.enum : undefined, `enum values; ${UPDATE}`);
    });
  }

  it('says everything else as the table does too: descriptions, scopes, groups and order', () => {
    assert.deepEqual(manifest.contributes.configuration, configurationContribution(), UPDATE);
  });
});

describe('settings: as a person meets them in the Settings editor', () => {
  it('describes every value of every enum, one description per value', () => {
    for (const [key, p] of Object.entries(properties)) {
      if (!p.enum) continue;
      const descriptions = p.markdownEnumDescriptions ?? p.enumDescriptions;
      assert.equal(descriptions?.length, p.enum.length, `${key}: ${p.enum.length} values, ${descriptions?.length ?? 0} descriptions`);
    }
  });

  it('gives text with code or links to the Settings editor as Markdown, and everything a description', () => {
    for (const [key, p] of Object.entries(properties)) {
      assert.ok(p.markdownDescription || p.description, `${key} has no description`);
      assert.ok(!p.description || !isMarkdown(p.description), `${key}: a description with code or links must be a markdownDescription`);
      assert.ok(!p.enumDescriptions?.some(isMarkdown), `${key}: enum descriptions with code must be markdownEnumDescriptions`);
    }
  });

  it('links only to settings that exist', () => {
    for (const [key, p] of Object.entries(properties)) {
      for (const [, target] of `${p.markdownDescription ?? ''} ${(p.markdownEnumDescriptions ?? []).join(' ')}`.matchAll(/#([\w.]+)#/g)) {
        assert.ok(target in properties, `${key} links to ${target}, which is not a setting`);
      }
    }
  });

  it('counts in whole numbers', () => {
    assert.equal(properties['runlens.sweep.concurrency'].type, 'integer');
  });

  it('groups the settings under titles whose ids start with runlens., so the editor shortens "Runlens › Lens: Scope" to "Lens: Scope"', () => {
    assert.ok(Array.isArray(manifest.contributes.configuration), 'titled groups');
    for (const g of contributed) {
      assert.ok(g.title, `group ${g.id} has a title`);
      assert.ok(g.id?.startsWith(`${SECTION}.`), `group "${g.title}" has the id ${g.id}`);
      for (const key of Object.keys(g.properties)) {
        assert.ok(key.startsWith(`${SECTION}.`), key);
      }
    }
    assert.deepEqual(contributed.map((g) => g.order), Object.values(GROUPS).map((_, i) => i + 1));
  });

  it('restricts only settings it has, in an untrusted workspace', () => {
    for (const key of manifest.capabilities.untrustedWorkspaces.restrictedConfigurations) assert.ok(key in properties, key);
  });
});

describe('settings: what the descriptions promise is what the code does', () => {
  const text = (k: SettingKey) => SETTINGS[k].description;
  const codeIn = (s: string) => [...s.matchAll(/`([^`]+)`/g)].map((m) => m[1]);

  it('runlens.keyMetric: empty, a score such as the ones it names is chosen over a loss, a loss over the rest, else the first by name', () => {
    const scores = codeIn(text('keyMetric').split('such as')[1].split('else')[0]);
    assert.ok(scores.length >= 2, text('keyMetric'));
    for (const score of scores) assert.equal(chooseKeyMetric('', ['epoch_time', 'loss', score].sort()), score, score);
    assert.equal(chooseKeyMetric('', ['epoch_time', 'lr', 'val_loss']), 'val_loss');
    assert.equal(chooseKeyMetric('', ['epoch_time', 'lr']), 'epoch_time');
    assert.equal(chooseKeyMetric('accuracy', ['loss']), 'accuracy', 'a configured metric wins');
  });

  it('runlens.keyMetricGoal auto: lower is better for every name it lists, higher for others', () => {
    const auto = SETTINGS.keyMetricGoal.enumDescriptions[SETTINGS.keyMetricGoal.enum.indexOf('auto')];
    for (const name of codeIn(auto)) assert.equal(higherIsBetter(`val_${name}`, 'auto'), false, name);
    for (const name of ['accuracy', 'f1', 'auc']) assert.equal(higherIsBetter(name, 'auto'), true, name);
  });
});

describe('settings: reading a value', () => {
  it('gives the value the user set when it is one the setting allows', () => {
    assert.equal(settingValue('keyMetricGoal', 'minimize'), 'minimize');
    assert.equal(settingValue('sweep.concurrency', 4), 4);
    assert.deepEqual(settingValue('mlflow.locations', ['a', 'b']), ['a', 'b']);
    assert.deepEqual(settingValue('keyMetricByExperiment', { e: 'f1' }), { e: 'f1' });
    assert.equal(settingValue('pythonClient.addToTerminals', false), false);
  });

  it('gives the default for a value settings.json may hold but the setting does not allow', () => {
    assert.equal(settingValue('keyMetricGoal', 'maximise'), 'auto');
    assert.equal(settingValue('sweep.concurrency', '3'), 1);
    assert.equal(settingValue('sweep.concurrency', 0), 1);
    assert.equal(settingValue('sweep.concurrency', Number.NaN), 1);
    assert.equal(settingValue('mlflow.abandonedAfterHours', -2), 24);
    assert.deepEqual(settingValue('mlflow.locations', 'mlruns'), []);
    assert.deepEqual(settingValue('mlflow.locations', ['mlruns', 3]), []);
    assert.deepEqual(settingValue('keyMetricByExperiment', { e: 3 }), {});
    assert.deepEqual(settingValue('keyMetricByExperiment', null), {});
    assert.equal(settingValue('pythonClient.addToTerminals', 'false'), true);
    assert.equal(settingValue('keyMetric', undefined), '');
  });

  it('counts in whole numbers: 2.5 at a time is 2', () => {
    assert.equal(settingValue('sweep.concurrency', 2.5), 2);
    assert.equal(settingValue('mlflow.abandonedAfterHours', 0.5), 0.5);
  });

  it('hands out copies, so that no caller can change a default or VS Code\'s frozen value', () => {
    const list = settingDefault('mlflow.locations');
    list.push('elsewhere');
    assert.deepEqual(settingDefault('mlflow.locations'), []);
    const frozen = Object.freeze(['a']);
    const read = settingValue('mlflow.locations', frozen);
    read.push('b');
    assert.deepEqual(frozen, ['a']);
  });
});

describe('settings: the README', () => {
  const readme = fs.readFileSync(path.join(repoRoot(), 'README.md'), 'utf8');
  const section = readme.split(/^## Settings$/m)[1]?.split(/^## /m)[0] ?? '';
  const rows = [...section.matchAll(/^\| `runlens\.([\w.]+)` \| ([^|]+) \|/gm)].map((m) => ({ key: m[1], default: m[2].trim() }));
  const shown = (v: unknown) => (v === '' ? '(empty)' : `\`${typeof v === 'string' ? v : JSON.stringify(v)}\``);

  it('lists every setting, in the Settings editor\'s order, with its default', () => {
    const expected = configurationContribution().flatMap((g) => Object.entries(g.properties))
      .map(([key, p]) => ({ key: key.slice(SECTION.length + 1), default: shown(p.default) }));
    assert.deepEqual(rows, expected);
  });
});
