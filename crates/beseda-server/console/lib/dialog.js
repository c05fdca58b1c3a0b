/* A modal form: title, fields, Apply and Cancel; Escape closes it. */
import { message } from './api.js';
import { t } from './i18n.js';
import { el } from '../../shared/dom.js';

export function dialog(title, fields, onApply) {
  var note = el('p', { class: 'c-error', role: 'alert' });
  var wrap;
  var form = el('form', { 'data-test': 'dialog', onsubmit: function (ev) {
    ev.preventDefault();
    onApply(function (res) {
      if (res.status === 200) wrap.remove(); else note.textContent = message(res);
    });
  } }, [el('h3', { text: title })].concat(fields).concat([note,
    el('div', { class: 'w-actions' }, [el('button', { type: 'submit', class: 'c-primary', 'data-test': 'apply', text: t('apply') }),
      el('button', { type: 'button', text: t('cancel'), onclick: function () { wrap.remove(); } })])]));
  wrap = el('div', { class: 'w-dialog', onkeydown: function (ev) { if (ev.key === 'Escape') wrap.remove(); } }, [form]);
  document.body.appendChild(wrap);
  var first = /** @type {HTMLElement | null} */ (form.querySelector('select, input')); if (first) first.focus();
  return note;
}
