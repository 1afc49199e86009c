/**
 * package.json's `contributes.configuration`, as the settings table says it must be: one titled
 * group per GROUPS entry, in order, each setting with its `order`. `npm run manifest:settings`
 * writes it into package.json; a unit test fails when package.json says anything else.
 */
import { GROUPS, SECTION, SETTINGS, type GroupId, type SettingKey, type SettingSpec } from './table';

export interface ConfigurationGroup {
  id: string;
  title: string;
  order: number;
  properties: Record<string, Record<string, unknown>>;
}

/** Text with code, emphasis or links is Markdown to the Settings editor; plain text is shown as is. */
export const isMarkdown = (text: string): boolean => /[`*[\]#]/.test(text);

export function configurationContribution(): ConfigurationGroup[] {
  const keys = Object.keys(SETTINGS) as SettingKey[];
  return (Object.keys(GROUPS) as GroupId[]).map((g) => ({
    ...GROUPS[g],
    properties: Object.fromEntries(keys
      .filter((k) => SETTINGS[k].group === g)
      .sort((a, b) => SETTINGS[a].order - SETTINGS[b].order)
      .map((k) => [`${SECTION}.${k}`, property(SETTINGS[k])])),
  }));
}

/** A setting as package.json declares it, its fields in the order a reader looks for them. */
function property(spec: SettingSpec): Record<string, unknown> {
  const p: Record<string, unknown> = { type: spec.type };
  if (spec.type === 'array') p.items = spec.items;
  if (spec.type === 'object') p.additionalProperties = spec.additionalProperties;
  p.default = spec.default;
  if ('enum' in spec) {
    p.enum = spec.enum;
    p[spec.enumDescriptions.some(isMarkdown) ? 'markdownEnumDescriptions' : 'enumDescriptions'] = spec.enumDescriptions;
  }
  if ('minimum' in spec) p.minimum = spec.minimum;
  p.scope = spec.scope;
  p.order = spec.order;
  p[isMarkdown(spec.description) ? 'markdownDescription' : 'description'] = spec.description;
  return p;
}
