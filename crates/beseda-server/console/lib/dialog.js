/* A modal form: title, fields, Apply and Cancel (or, with no onApply, only Close). It is a labelled role="dialog" with
   aria-modal; Tab stays inside it, Escape or Cancel closes it, and focus goes back to where it
   was. */
import { message } from './api.js';
import { t } from './i18n.js';
import { el } from '../../common/dom.js';

let serial = 0;
const FOCUSABLE = 'a[href], button:not([disabled]), input:not([disabled]), select:not([disabled]), textarea:not([disabled]), [tabindex]:not([tabindex="-1"])';

/**
 * Keeps Tab and Shift+Tab inside `box`; Escape calls `close`.
 * @param {HTMLElement} box
 * @param {() => void} close
 */
export function trapFocus(box, close) {
  box.addEventListener('keydown', function (ev) {
    if (ev.key === 'Escape') { ev.preventDefault(); ev.stopPropagation(); close(); return; }
    if (ev.key !== 'Tab') return;
    const all = /** @type {HTMLElement[]} */ (Array.prototype.slice.call(box.querySelectorAll(FOCUSABLE)))
      .filter(function (n) { return !n.closest('[hidden]'); });
    if (!all.length) return;
    const first = all[0], last = all[all.length - 1];
    if (ev.shiftKey && document.activeElement === first) { ev.preventDefault(); last.focus(); }
    else if (!ev.shiftKey && document.activeElement === last) { ev.preventDefault(); first.focus(); }
  });
}

/**
 * Opens a modal dialog. `onApply(done)` runs on submit; `done(res)` closes it on status 200,
 * else shows the refusal. Without `onApply` it only shows `fields`, with a Close button.
 * Resolves the refusal line (to show a note at once).
 * @param {string} title
 * @param {HTMLElement[]} fields
 * @param {((done: (res: {status: number, body?: any}) => void) => void) | null} onApply
 * @param {string} [applyText] the submit button's text (Apply when not given)
 * @returns {HTMLParagraphElement}
 */
export function dialog(title, fields, onApply, applyText) {
  const back = /** @type {HTMLElement | null} */ (document.activeElement);
  const id = 'c-dialog-' + (++serial);
  const note = el('p', { class: 'c-error', role: 'alert' });
  /** @type {HTMLElement} */
  let wrap;
  function close() {
    wrap.remove();
    if (back && document.body.contains(back) && typeof back.focus === 'function') back.focus();
  }
  const form = el('form', { 'data-test': 'dialog', role: 'dialog', 'aria-modal': 'true', 'aria-labelledby': id,
    onsubmit: function (/** @type {Event} */ ev) {
      ev.preventDefault();
      if (!onApply) { close(); return; }
      onApply(function (res) {
        if (res.status === 200) close(); else note.textContent = message({ status: res.status, body: res.body });
      });
    } }, /** @type {HTMLElement[]} */ ([el('h3', { id: id, text: title })]).concat(fields).concat([note,
    el('div', { class: 'w-actions' }, onApply
      ? [el('button', { type: 'submit', class: 'c-primary', 'data-test': 'apply', text: applyText || t('apply') }),
        el('button', { type: 'button', text: t('cancel'), onclick: close })]
      : [el('button', { type: 'submit', class: 'c-primary', 'data-test': 'dialog-close', text: t('close') })])]));
  wrap = el('div', { class: 'w-dialog' }, [form]);
  trapFocus(wrap, close);
  document.body.appendChild(wrap);
  const first = /** @type {HTMLElement | null} */ (form.querySelector('select, input, textarea, button'));
  if (first) first.focus();
  return note;
}
