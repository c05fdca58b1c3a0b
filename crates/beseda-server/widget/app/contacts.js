/* The contact form: shown under the log while the chat's latest contact request (`cont_req`)
   has no answer (`contacts`), answered with `chat.cont_resp`. It is built once per request and
   kept across redraws, so what the visitor types and the focus stay. Each field has a visible
   label; problems are announced (role="alert") and tied to their field (aria-invalid,
   aria-describedby). */
import { el } from '../../common/dom.js';
import { contactBox, text } from './layout.js';
import { post } from './net.js';
import { LOC } from './params.js';
import { S } from './state.js';
import { t } from './texts.js';
import { render } from './view.js';

var FIELDS = [
  { key: 'name', type: 'text', autocomplete: 'name', max: 100 },
  { key: 'email', type: 'email', autocomplete: 'email', max: 254 },
  { key: 'phone', type: 'tel', autocomplete: 'tel', max: 32 }
];
/** The field a refusal without a named field is about. */
var FIELD_OF = { 'email-changed-too-many-times': 'email' };
var shownFor = null;

/** The chat's contact request waiting for an answer, if any. */
export function pendingRequest() {
  for (var i = S.messages.length - 1; i >= 0; i--) {
    var m = S.messages[i];
    if (m.kind === 'contacts') return null;
    if (m.kind === 'cont_req') return m;
  }
  return null;
}

/** The contact form's settings in a placement's configuration. @param {any} c */
export function contactsRequestOf(c) {
  var ls = (c && c.locationSettings) || {};
  return ((ls.chat || {}).visitorFields || {}).contactsRequest || {};
}

/** The contact form's settings as they are now: they may have changed since the window opened. */
function freshSettings() {
  return fetch('/api/visitor/v1/configs/' + encodeURIComponent(LOC), { cache: 'no-store' })
    .then(function (r) { return r.json(); })
    .then(function (c) { S.config.contactsRequest = contactsRequestOf(c); })
    .catch(function () { /* the settings read when the window opened */ });
}

/** Shows the form for the pending request (once), or removes it when nothing is pending. */
export function showContactForm() {
  var req = S.chat && !/^closed/.test(S.chat.state) ? pendingRequest() : null;
  if (!req) {
    // The form goes (answered, or the chat closed): a focus inside it goes to the message box.
    var hadFocus = contactBox.contains(document.activeElement);
    contactBox.textContent = ''; contactBox.hidden = true; shownFor = null;
    if (hadFocus && !text.disabled) text.focus();
    return;
  }
  if (shownFor === req.id) return;
  var id = shownFor = req.id;
  freshSettings().then(function () {
    if (shownFor !== id) return;
    contactBox.textContent = '';
    contactBox.appendChild(contactForm());
    contactBox.hidden = false;
  });
}

function presence(key) {
  var form = S.config.contactsRequest || {};
  return (form[key] && form[key].presence) || 'optional';
}

/** An address with one @ and a dotted domain. @param {string} v */
function isEmail(v) { return /^[^@\s]+@[^@\s.][^@\s]*\.[^@\s]*[^@\s.]$/.test(v) && v.split('@')[1].indexOf('..') < 0; }
/** 5 to 15 digits, a leading + and spaces, -, ( ) between them. @param {string} v */
function isPhone(v) {
  var body = v.replace(/^\+/, ''), digits = body.replace(/\D/g, '').length;
  return /^[\d\s\-()]+$/.test(body) && digits >= 5 && digits <= 15;
}

function contactForm() {
  var f = el('form', { class: 'b-form b-contacts', 'aria-labelledby': 'b-contacts-title' });
  f.noValidate = true;
  f.appendChild(el('p', { id: 'b-contacts-title', text: t.contactsIntro }));
  var err = el('p', { class: 'b-error', id: 'b-contacts-error', role: 'alert', tabindex: '-1' });
  var inputs = {};
  FIELDS.forEach(function (spec) {
    var p = presence(spec.key);
    if (p === 'hidden') return;
    var input = el('input', { id: 'b-contact-' + spec.key, name: spec.key, type: spec.type, autocomplete: spec.autocomplete,
      maxlength: String(spec.max) });
    if (p === 'mandatory') { input.required = true; input.setAttribute('aria-required', 'true'); }
    var label = el('label', { for: input.id, text: t.contactLabels[spec.key] + (p === 'mandatory' ? ' *' : '') });
    inputs[spec.key] = input;
    f.appendChild(label); f.appendChild(input);
  });
  var send = el('button', { text: t.contactsSend }); send.type = 'submit';
  f.appendChild(send); f.appendChild(err);
  function problem(key, message) {
    Object.keys(inputs).forEach(function (k) {
      inputs[k].removeAttribute('aria-invalid'); inputs[k].removeAttribute('aria-describedby');
    });
    err.textContent = message;
    if (key && inputs[key]) {
      inputs[key].setAttribute('aria-invalid', 'true');
      inputs[key].setAttribute('aria-describedby', err.id);
      inputs[key].focus();
    } else {
      err.focus();
    }
  }
  f.addEventListener('submit', function (e) {
    e.preventDefault();
    var fields = {}, bad = null;
    Object.keys(inputs).forEach(function (k) {
      var v = inputs[k].value.trim();
      if (bad) return;
      if (!v && inputs[k].required) bad = [k, t.contactRequired.replace('{field}', t.contactLabels[k])];
      else if (v && k === 'email' && !isEmail(v)) bad = [k, t.contactBadEmail];
      else if (v && k === 'phone' && !isPhone(v)) bad = [k, t.contactBadPhone];
      else if (v) fields[k] = v;
    });
    if (!bad && !Object.keys(fields).length) bad = [Object.keys(inputs)[0], t.contactEmpty];
    if (bad) { problem(bad[0], bad[1]); return; }
    send.disabled = true;
    S.note = null;
    post('chat.cont_resp', { 'visitor-fields': JSON.stringify(fields) }).then(function (r) {
      send.disabled = false;
      if (!r.error) {
        var hadFocus = f.contains(document.activeElement);
        S.note = t.contactsThanks; render();
        if (hadFocus && !text.disabled) text.focus();
        return;
      }
      var field = /visitor-fields\.(\w+)/.exec(r.message || '');
      problem(field ? field[1] : FIELD_OF[r.error] || null, t.errors[r.error] || r.error);
    }).catch(function () { send.disabled = false; problem(null, t.retry); });
  });
  return f;
}
