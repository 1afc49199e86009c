/**
 * Which of the runs table's parameter and metric columns show, in what order, and which are
 * pinned to the left: kept per experiment. Columns are named `param:<key>` and `metric:<key>`.
 * The layout names only what the person changed, so columns that appear later (a new parameter)
 * show up, after the ones they placed. Pure, unit-tested in plain Node.
 */

export interface ColumnLayout {
  /** Columns not shown. */
  hidden: string[];
  /** Columns pinned to the left, in their order. */
  pinned: string[];
  /** The order the person gave; columns not named here follow in their natural order. */
  order: string[];
}

export const EMPTY_LAYOUT: ColumnLayout = { hidden: [], pinned: [], order: [] };

export function columnId(kind: 'param' | 'metric', key: string): string {
  return `${kind}:${key}`;
}

export function parseColumnId(id: string): { kind: 'param' | 'metric'; key: string } | undefined {
  const m = /^(param|metric):(.*)$/s.exec(id);
  return m ? { kind: m[1] as 'param' | 'metric', key: m[2] } : undefined;
}

/** A layout read from storage, whatever it holds: strings only, no duplicates. */
export function columnLayout(raw: unknown): ColumnLayout {
  const o = (raw && typeof raw === 'object' ? raw : {}) as Record<string, unknown>;
  const list = (v: unknown) => (Array.isArray(v) ? [...new Set(v.filter((x): x is string => typeof x === 'string'))] : []);
  return { hidden: list(o.hidden), pinned: list(o.pinned), order: list(o.order) };
}

/** The columns as shown: the pinned ones first, then the rest in the person's order, then any others as they come; hidden ones left out. */
export function arrangeColumns(all: readonly string[], layout: ColumnLayout): { pinned: string[]; rest: string[] } {
  const present = new Set(all);
  const hidden = new Set(layout.hidden);
  const pinned = layout.pinned.filter((c) => present.has(c) && !hidden.has(c));
  const pinnedSet = new Set(pinned);
  const ordered = layout.order.filter((c) => present.has(c));
  const orderedSet = new Set(ordered);
  const rest = [...ordered, ...all.filter((c) => !orderedSet.has(c))].filter((c) => !hidden.has(c) && !pinnedSet.has(c));
  return { pinned, rest };
}

export function setHidden(layout: ColumnLayout, id: string, hidden: boolean): ColumnLayout {
  const others = layout.hidden.filter((c) => c !== id);
  return { ...layout, hidden: hidden ? [...others, id] : others };
}

export function setPinned(layout: ColumnLayout, id: string, pinned: boolean): ColumnLayout {
  const others = layout.pinned.filter((c) => c !== id);
  return { ...layout, pinned: pinned ? [...others, id] : others, hidden: pinned ? layout.hidden.filter((c) => c !== id) : layout.hidden };
}

/**
 * Moves a column one place left (-1) or right (+1) among the columns shown in its part (pinned or
 * not). The whole current order is written down, so the move holds when other columns appear.
 */
export function moveColumn(all: readonly string[], layout: ColumnLayout, id: string, by: -1 | 1): ColumnLayout {
  const { pinned, rest } = arrangeColumns(all, layout);
  const part = pinned.includes(id) ? pinned : rest;
  const i = part.indexOf(id);
  const j = i + by;
  if (i < 0 || j < 0 || j >= part.length) return layout;
  const moved = part.slice();
  [moved[i], moved[j]] = [moved[j], moved[i]];
  if (part === pinned) return { ...layout, pinned: moved };
  // Hidden columns keep their place in the order, so showing one again puts it back where it was.
  const hiddenAt = layout.order.filter((c) => layout.hidden.includes(c));
  return { ...layout, order: [...moved, ...hiddenAt.filter((c) => !moved.includes(c))] };
}
