// A tiny element builder: the page builds its DOM from data, and text always goes through
// `textContent`, so nothing from the data is ever parsed as HTML.

type Child = Node | string | null | undefined | false;

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attributes: Record<string, string | boolean | number | undefined | null> = {},
  ...children: (Child | Child[])[]
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (name === "class") element.className = String(value);
    else element.setAttribute(name, value === true ? "" : String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    element.append(typeof child === "string" ? document.createTextNode(child) : child);
  }
  return element;
}

export function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const element = document.getElementById(id);
  if (!element) throw new Error(`#${id} is missing from index.html`);
  return element as T;
}

/** Copies a field's text to the clipboard and says so in `status` (`done`); where the browser
 * refuses, selects the text and says how to copy it. */
export async function copyField(field: HTMLInputElement | HTMLTextAreaElement, status: HTMLElement, done: string): Promise<void> {
  try {
    await navigator.clipboard.writeText(field.value);
    status.textContent = done;
  } catch {
    field.select();
    status.textContent = "Le texte est sélectionné : copiez-le avec Ctrl+C.";
  }
}
