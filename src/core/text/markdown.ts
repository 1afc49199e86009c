/**
 * Text from runs (parameter values, keys, names, errors: anything a log or an MLflow store holds)
 * inside Markdown that VS Code renders in tooltips and hovers. The one place that escapes it.
 */

/** Text as literal Markdown: no markup, no link, no line break that could end a table row. */
export function escapeMd(s: string): string {
  return s.replace(/[\\`*_{}[\]()#+\-.!|<>~&]/g, (c) => '\\' + c).replace(/\r\n|\r|\n/g, ' ');
}

/** Text inside a code span, where backslash escapes show literally: only backticks and line breaks must go. */
export function codeSpan(s: string): string {
  return '`' + s.replace(/`/g, "'").replace(/\r\n|\r|\n/g, ' ') + '`';
}
