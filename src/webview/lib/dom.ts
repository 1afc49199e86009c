/**
 * Building DOM without markup: every string becomes a text node or an attribute value, never HTML,
 * so a parameter value like `<img src=x onerror=alert(1)>` shows as those characters.
 */
export type Child = Node | string | number | null | undefined | false;

export interface Props {
  className?: string;
  title?: string;
  /** Attributes (role, aria-*, data-*, type, …). Never `style`: the CSP forbids it; use `style`. */
  attrs?: Record<string, string | number | boolean | undefined>;
  style?: Partial<Record<'width' | 'height' | 'transform' | 'background' | 'color' | 'borderColor' | 'left' | 'top' | 'display' | 'minWidth' | 'gridTemplateColumns', string>>;
  on?: Partial<{ [K in keyof HTMLElementEventMap]: (e: HTMLElementEventMap[K]) => void }>;
}

export function h<K extends keyof HTMLElementTagNameMap>(tag: K, props: Props | null = null, ...children: Child[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  if (props) apply(el, props);
  append(el, children);
  return el;
}

export function svg<K extends keyof SVGElementTagNameMap>(tag: K, attrs: Record<string, string | number> = {}, ...children: Child[]): SVGElementTagNameMap[K] {
  const el = document.createElementNS('http://www.w3.org/2000/svg', tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  append(el, children);
  return el;
}

function apply(el: HTMLElement, p: Props): void {
  if (p.className) el.className = p.className;
  if (p.title !== undefined) el.title = p.title;
  for (const [k, v] of Object.entries(p.attrs ?? {})) {
    if (v === undefined || v === false) continue;
    el.setAttribute(k, v === true ? '' : String(v));
  }
  Object.assign(el.style, p.style ?? {});
  for (const [event, fn] of Object.entries(p.on ?? {})) el.addEventListener(event, fn as EventListener);
}

function append(el: Element, children: Child[]): void {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    el.append(typeof c === 'string' || typeof c === 'number' ? document.createTextNode(String(c)) : c);
  }
}

/** Replaces an element's children. */
export function fill(el: Element, ...children: Child[]): void {
  el.replaceChildren();
  append(el, children);
}

export function button(label: string, onClick: () => void, props: Props = {}): HTMLButtonElement {
  return h('button', { ...props, attrs: { type: 'button', ...props.attrs }, on: { click: onClick, ...props.on } }, label);
}
