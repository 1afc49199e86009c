export { GROUPS, SECTION, SETTINGS, type SettingKey, type SettingScope, type SettingSpec, type SettingValue } from './table';
export { settingDefault, settingValue } from './values';
export { configurationContribution, isMarkdown } from './manifest';
