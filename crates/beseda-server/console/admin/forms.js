/* Form building blocks of the admin panel: labelled controls, tables, status lines, checks and
   refusals. */
import { message } from '../lib/api.js';
import { fill, has, lang, t } from '../lib/i18n.js';
import { el } from '../../common/dom.js';

export function say(line, text, bad) {
  line.textContent = text || '';
  line.className = bad ? 'c-error' : 'c-ok';
}
export function statusLine() { return el('p', { class: 'c-ok', role: 'status', 'aria-live': 'polite', 'data-test': 'status' }); }
export function input(name, label, attrs) {
  var a = { type: 'text', name: name, 'data-label': label };
  Object.keys(attrs || {}).forEach(function (k) { a[k] = attrs[k]; });
  return el(a.type === 'textarea' ? 'textarea' : 'input', a.type === 'textarea' ? without(a, 'type') : a);
}
export function without(obj, key) { var o = {}; Object.keys(obj).forEach(function (k) { if (k !== key) o[k] = obj[k]; }); return o; }
export function select(name, label, options, value) {
  var s = el('select', { name: name, 'data-label': label }, options.map(function (o) {
    return el('option', { value: o[0], text: o[1] });
  }));
  if (value != null) s.value = value;
  return s;
}
export function row(label, control, help) {
  return el('label', {}, [el('span', { text: label }), control, help ? el('small', { text: help }) : null]);
}
export function check(name, label, checked) {
  var box = el('input', { type: 'checkbox', name: name, checked: !!checked, 'data-label': label });
  return { box: box, node: el('label', { class: 'c-check' }, [box, el('span', { text: label })]) };
}
/* Checkboxes for a set of values (departments, languages). */
export function checkSet(name, label, options, chosen) {
  var boxes = options.map(function (o) {
    var c = check(name, o[1], (chosen || []).indexOf(o[0]) >= 0);
    c.box.value = o[0];
    return c;
  });
  var node = el('fieldset', { class: 'a-set', 'data-test': name }, [el('legend', { text: label })]
    .concat(boxes.map(function (c) { return c.node; })));
  return { node: node, values: function () { return boxes.filter(function (c) { return c.box.checked; }).map(function (c) { return c.box.value; }); } };
}
/* An operator's languages: checkboxes for those given, and a list to add any other. */
export function languageSet(name, label, options, chosen, shown) {
  var boxes = [];
  var node = el('fieldset', { class: 'a-set', 'data-test': name }, [el('legend', { text: label })]);
  var adder = el('select', { 'data-test': name + '-add', 'aria-label': t('addLanguage') }, [el('option', { value: '', text: t('addLanguage') })]
    .concat(options.map(function (o) { return el('option', { value: o[0], text: o[1] }); })));
  function add(code, checked) {
    if (boxes.some(function (c) { return c.box.value === code; })) return;
    var o = options.filter(function (x) { return x[0] === code; })[0];
    var c = check(name, o ? o[1] : code, checked);
    c.box.value = code;
    boxes.push(c);
    node.insertBefore(c.node, adder);
  }
  node.appendChild(adder);
  shown.concat(chosen || []).forEach(function (code) { add(code, (chosen || []).indexOf(code) >= 0); });
  adder.addEventListener('change', function () {
    if (!adder.value) return;
    var existing = boxes.filter(function (c) { return c.box.value === adder.value; })[0];
    if (existing) existing.box.checked = true; else add(adder.value, true);
    adder.value = '';
  });
  return { node: node, values: function () { return boxes.filter(function (c) { return c.box.checked; }).map(function (c) { return c.box.value; }); } };
}
export function table(test, heads, rows) {
  return el('table', { class: 'c-table', 'data-test': test }, [
    el('thead', {}, [el('tr', {}, heads.map(function (h) { return el('th', { text: h }); }))]),
    el('tbody', {}, rows)
  ]);
}
export function td(text) { return el('td', { text: text == null ? '' : String(text) }); }
export function actions(buttons) { return el('td', { class: 'a-actions' }, buttons); }
export function button(text, test, onclick, cls) { return el('button', { type: 'button', class: cls || '', 'data-test': test, text: text, onclick: onclick }); }
/* A delete button that asks once more before acting. */
export function deleteButton(onconfirm) {
  var armed = false, timer = null;
  var b = button(t('delete'), 'delete', function () {
    if (!armed) {
      armed = true; b.textContent = t('sure'); b.className = 'c-danger';
      timer = setTimeout(function () { armed = false; b.textContent = t('delete'); b.className = ''; }, 5000);
      return;
    }
    clearTimeout(timer); b.disabled = true; onconfirm(b);
  });
  return b;
}
export function dateTime(value) {
  if (value == null || value === '') return '';
  var d = typeof value === 'number' ? new Date(value / 1000) : new Date(value);
  if (isNaN(d.getTime())) return String(value);
  return d.toLocaleString(lang() === 'en' ? 'en-GB' : 'ru-RU',
    { year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit' });
}
export function ymd(d) {
  function two(n) { return (n < 10 ? '0' : '') + n; }
  return d.getUTCFullYear() + '-' + two(d.getUTCMonth() + 1) + '-' + two(d.getUTCDate());
}
/* The date `n` days before `date` (both YYYY-MM-DD, calendar days). */
export function daysBefore(date, n) {
  return ymd(new Date(Date.parse(date + 'T00:00:00Z') - n * 86400000));
}
/* Today in the organisation's time zone, which decides the days of statistics and history
   (the browser's own date may already be tomorrow or still yesterday there). */
export function orgToday(me) {
  var w = me && me.status === 200 && me.body.workspace;
  return w && /^\d{4}-\d{2}-\d{2}$/.test(w.today || '') ? w.today : ymd(new Date());
}
export function query(params) {
  return Object.keys(params).filter(function (k) { return params[k] !== '' && params[k] != null; })
    .map(function (k) { return encodeURIComponent(k) + '=' + encodeURIComponent(params[k]); }).join('&');
}
export function roleName(r) { return has('role.' + r) ? t('role.' + r) : r; }
export function intOrNull(text) {
  var v = String(text).trim();
  if (v === '') return null;
  return /^-?\d+$/.test(v) ? parseInt(v, 10) : NaN;
}
/* A control refused (by the browser's checks or the server) is marked: `aria-invalid`, and
   described by the status line that says why (`aria-describedby`, beside any description it
   had). The marks go when the control is changed to a value the browser accepts, and at the
   next check or refusal (unmark). */
var statusIds = 0;
function unmarkOne(n) {
  n.removeAttribute('aria-invalid');
  var by = n.getAttribute('data-invalid-by');
  if (!by) return;
  n.removeAttribute('data-invalid-by');
  var rest = (n.getAttribute('aria-describedby') || '').split(/\s+/).filter(function (x) { return x && x !== by; });
  if (rest.length) n.setAttribute('aria-describedby', rest.join(' ')); else n.removeAttribute('aria-describedby');
}
/* One listener for every marked control (added once per control, as it is the same function). */
function fixed(ev) {
  var c = ev.target;
  if (c.hasAttribute('aria-invalid') && (!c.checkValidity || c.checkValidity())) unmarkOne(c);
}
export function unmark(form) {
  Array.prototype.forEach.call(form.querySelectorAll('[aria-invalid]'), unmarkOne);
}
/* Marks `control` (described by the status line `line` when given) and gives it the focus. */
export function mark(control, line) {
  unmarkOne(control);
  control.setAttribute('aria-invalid', 'true');
  if (line) {
    if (!line.id) line.id = 'a-status-' + (++statusIds);
    var by = (control.getAttribute('aria-describedby') || '').split(/\s+/).filter(Boolean);
    control.setAttribute('aria-describedby', by.concat(line.id).join(' '));
    control.setAttribute('data-invalid-by', line.id);
  }
  control.addEventListener('input', fixed);
  control.addEventListener('change', fixed);
  if (control.focus) control.focus();
}
/* Shows an API refusal: a "field: why" message marks the field it names and is shown with that
   field's label. */
export function refusal(form, line, res) {
  var msg = message(res);
  var m = /^([A-Za-z_.]+): ([\s\S]*)$/.exec(msg);
  if (m && res.status === 422) {
    var control = form.querySelector('[name="' + m[1] + '"]');
    if (control) {
      mark(control, line);
      msg = (control.getAttribute('data-label') || m[1]) + ': ' + m[2];
    }
  }
  say(line, msg, true);
}
/* The browser's own checks of a form's inputs (required, type, range), shown in the status line
   with the control's label — after `where(control)` when given and not empty (a form's part
   that has several controls of one label, such as a survey's question) — the control marked
   and focused. */
export function checkForm(form, line, where) {
  unmark(form);
  var bad = Array.prototype.filter.call(form.elements, function (c) { return c.willValidate && !c.checkValidity(); })[0];
  if (!bad) return true;
  var label = bad.getAttribute('data-label') || bad.name, at = where ? where(bad) : '';
  say(line, (at ? at + ': ' + label + ' — ' : label + ': ') + invalidity(bad), true);
  mark(bad, line);
  return false;
}
/* Why the browser refuses a control, in the panel's language. */
export function invalidity(c) {
  var v = c.validity, min = c.getAttribute('min'), max = c.getAttribute('max');
  if (v.valueMissing) return t('required');
  if (v.typeMismatch && c.type === 'email') return t(c.multiple ? 'needEmails' : 'needEmail');
  if (v.typeMismatch && c.type === 'url') return t('needUrl');
  if (v.badInput || v.stepMismatch) return t('needNumber');
  if (v.rangeUnderflow || v.rangeOverflow) {
    return fill(t(min != null && max != null ? 'rangeBoth' : min != null ? 'rangeMin' : 'rangeMax'), { min: min, max: max });
  }
  if (v.tooShort) return fill(t('tooShort'), { n: c.minLength });
  if (v.patternMismatch && c.name === 'key') return t('keyHelp');
  return c.validationMessage;
}
/* `keep` reopens what was just saved: {id or key, text, form}. */
export function reopened(form, line, keep) {
  if (!keep) return;
  say(line, keep.text);
  if (form.scrollIntoView) form.scrollIntoView({ block: 'nearest' });
}
