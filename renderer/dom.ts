// DOM helpers for the views: find the page's fixed elements, build new ones, and change text only
// when it differs (so a live update touches nothing that did not change). Text only, never HTML:
// hosts and paths come from the network.

/** The page element with `id`, which must exist and be a `type` (index.html is fixed). */
export function byId<T extends HTMLElement>(id: string, type: abstract new () => T): T {
  const element = document.getElementById(id);
  if (!(element instanceof type)) throw new Error(`index.html lacks #${id} (${type.name})`);
  return element;
}

/** A new element with classes and text. */
export function element<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  className = '',
  text = '',
): HTMLElementTagNameMap[K] {
  const created = document.createElement(tag);
  if (className !== '') created.className = className;
  if (text !== '') created.textContent = text;
  return created;
}

/** Adds an option per entry to `select` (id → value, label → text), in order. */
export function fillOptions(
  select: HTMLSelectElement,
  entries: readonly { readonly id: string; readonly label: string }[],
): void {
  for (const entry of entries) {
    const option = element('option', '', entry.label);
    option.value = entry.id;
    select.append(option);
  }
}

/** Sets `node`'s text if it changed. */
export function setText(node: Element, text: string): void {
  if (node.textContent !== text) node.textContent = text;
}

/** Sets `node`'s attribute `name` if it changed; null removes it. */
export function setAttribute(node: Element, name: string, value: string | null): void {
  if (value === null) node.removeAttribute(name);
  else if (node.getAttribute(name) !== value) node.setAttribute(name, value);
}

/** Shows or hides `node` if that changed. */
export function setHidden(node: HTMLElement, hidden: boolean): void {
  if (node.hidden !== hidden) node.hidden = hidden;
}

/**
 * Runs a bridge call for a control. A second activation while the first runs is ignored (the
 * control stays enabled: disabling it would drop keyboard focus), and a failure is reported
 * through `onError` instead of becoming an unhandled rejection.
 */
export function runAction(
  control: HTMLElement,
  action: () => Promise<void>,
  onError: (message: string) => void,
): void {
  if (control.getAttribute('aria-busy') === 'true') return;
  control.setAttribute('aria-busy', 'true');
  action()
    .catch((err: unknown) => {
      onError(err instanceof Error ? err.message : String(err));
    })
    .finally(() => {
      control.removeAttribute('aria-busy');
    });
}
