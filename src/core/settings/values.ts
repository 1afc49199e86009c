/**
 * A setting's value as RunLens uses it. VS Code hands back whatever settings.json holds, checked
 * against nothing: a `"3"` for a count, `-1`, an enum value from an older version, `null`. Each such
 * value means the setting's default here, so that no feature meets a value of the wrong type.
 */
import { SETTINGS, type SettingKey, type SettingSpec, type SettingValue } from './table';

export function settingDefault<K extends SettingKey>(key: K): SettingValue<K> {
  return copy(SETTINGS[key].default) as SettingValue<K>;
}

/** `raw` (what VS Code returned for `runlens.<key>`) if it is a valid value of the setting, else its default. */
export function settingValue<K extends SettingKey>(key: K, raw: unknown): SettingValue<K> {
  const spec: SettingSpec = SETTINGS[key];
  return (isValid(spec, raw) ? normalise(spec, raw) : settingDefault(key)) as SettingValue<K>;
}

function isValid(spec: SettingSpec, raw: unknown): boolean {
  switch (spec.type) {
    case 'string':
      return typeof raw === 'string' && (!('enum' in spec) || spec.enum.includes(raw));
    case 'boolean':
      return typeof raw === 'boolean';
    case 'integer':
    case 'number':
      return typeof raw === 'number' && Number.isFinite(raw) && (spec.minimum === undefined || raw >= spec.minimum);
    case 'array':
      return Array.isArray(raw) && ('servers' in spec || raw.every((v) => typeof v === 'string'));
    case 'object':
      return typeof raw === 'object' && raw !== null && !Array.isArray(raw) && Object.values(raw).every((v) => typeof v === 'string');
  }
}

function normalise(spec: SettingSpec, raw: unknown): unknown {
  // A count of 2.5 runs two at a time: whole numbers only, as the Settings editor would have allowed.
  if (spec.type === 'integer') return Math.floor(raw as number);
  return copy(raw);
}

/** Arrays and objects are copied: VS Code's are frozen, and the table's must never be changed by a caller. */
function copy<T>(v: T): T {
  if (Array.isArray(v)) return [...v] as T;
  if (typeof v === 'object' && v !== null) return { ...v };
  return v;
}
