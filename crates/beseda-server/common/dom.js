/* DOM helpers shared by the console and the widget. Every string goes into the page as text:
   `el` sets textContent, never innerHTML. */

/**
 * @typedef {{ [attr: string]: any }} Attrs
 * @typedef {Node | string | null | undefined | false} Child
 */

/**
 * A new element: `text` sets its text, `class` its class, `on<event>` adds a listener,
 * `value`/`checked`/`disabled`/`hidden` set the property, anything else an attribute
 * (`true` as an empty attribute; `null`, `undefined` and `false` are left out).
 * @template {keyof HTMLElementTagNameMap} K
 * @param {K} tag
 * @param {Attrs} [attrs]
 * @param {Child[]} [children]
 * @returns {HTMLElementTagNameMap[K]}
 */
export function el(tag, attrs, children) {
  const e = document.createElement(tag);
  const props = /** @type {Record<string, any>} */ (/** @type {unknown} */ (e));
  Object.keys(attrs || {}).forEach(function (k) {
    const v = /** @type {Attrs} */ (attrs)[k];
    if (v == null || v === false) return;
    if (k === 'text') e.textContent = v;
    else if (k === 'class') e.className = v;
    else if (k.slice(0, 2) === 'on') e.addEventListener(k.slice(2), v);
    else if (k === 'value' || k === 'checked' || k === 'disabled' || k === 'hidden') props[k] = v;
    else e.setAttribute(k, v === true ? '' : v);
  });
  (children || []).forEach(function (c) {
    if (c != null && c !== false) e.appendChild(typeof c === 'string' ? document.createTextNode(c) : c);
  });
  return e;
}

/**
 * Removes every child of `node`.
 * @template {Node} N
 * @param {N} node
 * @returns {N}
 */
export function clear(node) {
  while (node.firstChild) node.removeChild(node.firstChild);
  return node;
}
