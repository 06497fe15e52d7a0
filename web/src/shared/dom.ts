/**
 * Builds DOM without innerHTML: titles and error messages are untrusted, so text only ever goes through
 * `textContent` and attributes through `setAttribute`.
 */
type Attrs = Record<string, string | number | boolean | null | undefined>;
type Child = Node | string | null | undefined | false;

/** Creates an element with attributes (false/null/undefined are skipped, true is an empty attribute) and children. */
export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Attrs = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === false || value === null || value === undefined) continue;
    if (name === "style") throw new Error("inline styles are blocked by the CSP; use a class or the CSSOM");
    el.setAttribute(name, value === true ? "" : String(value));
  }
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    el.append(typeof child === "string" ? document.createTextNode(child) : child);
  }
  return el;
}

/** Returns the element with that id, or throws: the HTML and the script ship together. */
export function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const el = document.getElementById(id);
  if (!el) throw new Error(`#${id} is missing from the page`);
  return el as T;
}

type AnyEventMap = HTMLElementEventMap & HTMLMediaElementEventMap & DocumentEventMap & WindowEventMap;
export type DomTable = Partial<{ [K in keyof AnyEventMap]: (ev: AnyEventMap[K]) => void }>;

/** Adds every listener of a table to a target and returns the function that removes the same table. */
export function listenDom(target: EventTarget, table: DomTable, options?: AddEventListenerOptions): () => void {
  const entries = Object.entries(table) as [string, EventListener][];
  for (const [type, fn] of entries) target.addEventListener(type, fn, options);
  return () => {
    for (const [type, fn] of entries) target.removeEventListener(type, fn, options);
  };
}
