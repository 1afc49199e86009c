/**
 * Colours come only from VS Code's theme (the --vscode-* variables it sets on the page). Canvas
 * charts need them as values, so they are read here, and read again when the theme changes.
 */

/** Series colours, in order: the theme's chart colours, then its terminal palette. */
const SERIES = [
  '--vscode-charts-blue', '--vscode-charts-orange', '--vscode-charts-green', '--vscode-charts-red', '--vscode-charts-purple',
  '--vscode-charts-yellow', '--vscode-terminal-ansiCyan', '--vscode-terminal-ansiMagenta', '--vscode-terminal-ansiBrightBlue',
  '--vscode-terminal-ansiBrightGreen', '--vscode-terminal-ansiBrightRed', '--vscode-terminal-ansiBrightYellow',
];

export function cssVar(name: string, fallbackVar = '--vscode-foreground'): string {
  const style = getComputedStyle(document.documentElement);
  return style.getPropertyValue(name).trim() || style.getPropertyValue(fallbackVar).trim();
}

/** The colour variable of the i-th series (CSS: `var(...)`). */
export function seriesVar(i: number): string {
  return SERIES[i % SERIES.length];
}

export function seriesColor(i: number): string {
  return cssVar(seriesVar(i));
}

/** Past the palette, series repeat colours with a dash pattern, so every run stays distinct. */
export function seriesDash(i: number): number[] {
  const round = Math.floor(i / SERIES.length) % 4;
  return [[], [6, 3], [2, 3], [8, 3, 2, 3]][round];
}

/** Calls `fn` when VS Code switches theme (it rewrites the page's variables and body class). */
export function onThemeChange(fn: () => void): void {
  let pending = false;
  const observer = new MutationObserver(() => {
    if (pending) return;
    pending = true;
    requestAnimationFrame(() => { pending = false; fn(); });
  });
  observer.observe(document.documentElement, { attributes: true, attributeFilter: ['style', 'class'] });
  observer.observe(document.body, { attributes: true, attributeFilter: ['class'] });
}
