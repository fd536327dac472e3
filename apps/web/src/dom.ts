/** Small DOM helpers. Text from data always goes through `textContent`, never `innerHTML`. */

/** The element with `id`, typed; throws when the page lacks it. */
export function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const el = document.getElementById(id);
  if (!el) throw new Error(`page: no element #${id}`);
  return el as T;
}

/** A new element with text content and optional class. */
export function el<K extends keyof HTMLElementTagNameMap>(tag: K, text?: string, className?: string): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  if (text !== undefined) e.textContent = text;
  if (className) e.className = className;
  return e;
}

/** A table cell: numbers are right-aligned and shown with `digits` decimals. */
export type Cell = string | number | { text: string; className?: string } | Node;

/** Replaces a table body's rows. */
export function fillTable(tbody: HTMLTableSectionElement, rows: readonly (readonly Cell[])[], digits = 3): void {
  tbody.replaceChildren(
    ...rows.map((cells) => {
      const tr = el('tr');
      for (const c of cells) {
        if (typeof c === 'number') tr.append(el('td', Number.isFinite(c) ? c.toFixed(digits) : String(c), 'num'));
        else if (typeof c === 'string') tr.append(el('td', c));
        else if (c instanceof Node) {
          const td = el('td');
          td.append(c);
          tr.append(td);
        } else tr.append(el('td', c.text, c.className));
      }
      return tr;
    }),
  );
}

/** Replaces a select's options with `labels` (values are their indices). */
export function fillSelect(select: HTMLSelectElement, labels: readonly string[]): void {
  select.replaceChildren(
    ...labels.map((label, i) => {
      const o = el('option', label);
      o.value = String(i);
      return o;
    }),
  );
}

/** Shows `message` in an error box (or hides it when undefined). */
export function showError(box: HTMLElement, message: string | undefined): void {
  box.textContent = message ?? '';
  box.hidden = message === undefined;
}

/** Reads a number input, naming it when empty or not a number. */
export function numberInput(id: string): number {
  const input = byId<HTMLInputElement>(id);
  const v = Number(input.value);
  if (input.value.trim() === '' || !Number.isFinite(v)) {
    const label = input.closest('label')?.firstChild?.textContent?.trim() ?? id;
    throw new Error(`${label}: expected a number, got "${input.value}"`);
  }
  return v;
}

/** Resolves on the next animation frame (or after a macrotask where rAF is throttled), letting the page repaint. */
export function nextFrame(): Promise<void> {
  return new Promise((resolve) => {
    let done = false;
    const finish = (): void => {
      if (!done) {
        done = true;
        resolve();
      }
    };
    requestAnimationFrame(finish);
    setTimeout(finish, 50);
  });
}
