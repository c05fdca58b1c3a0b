/* Drawing the window from the state: log, header, panels (departments, offline form), menu (rate,
   history, close). */
import { el } from '../../common/dom.js';
import { markdown } from '../../common/markdown.js';
import { avatar, fileLabel, input, log, menu, menuBtn, panel, text, typingLine, whoName, whoState } from './layout.js';
import { showContactForm } from './contacts.js';
import { bubble } from './messages.js';
import { fire, post } from './net.js';
import { id } from './params.js';
import { startWith } from './send.js';
import { S } from './state.js';
import { surveyPanel } from './survey.js';
import { t } from './texts.js';

/* The note under the messages, kept while its text stays so that a redraw keeps its focus. */
var noteNode = /** @type {HTMLElement | null} */ (null);

export function render() {
  var noteFocused = !!noteNode && document.activeElement === noteNode;
  log.textContent = '';
  if (S.hello && (!S.chat || !S.messages.length)) {
    var h = el('div', { class: 'b-msg b-operator' }); var hb = el('div'); hb.appendChild(markdown(S.hello)); h.appendChild(hb); log.appendChild(h);
  }
  S.messages.forEach(function (m) { var b = bubble(m); if (b) log.appendChild(b); });
  S.outbox.forEach(function (o) {
    if (S.messages.some(function (m) { return m.clientSideId === o.csid; })) return;
    var b = el('div', { class: 'b-msg b-visitor b-pending' + (o.failed ? ' b-failed' : ''), text: o.text });
    b.appendChild(el('small', { text: o.failed ? t.retry : '…' }));
    log.appendChild(b);
  });
  if (S.note) {
    if (!noteNode || noteNode.textContent !== S.note) noteNode = el('div', { class: 'b-msg b-system', tabindex: '-1', 'data-test': 'note', text: S.note });
    log.appendChild(noteNode);
    if (S.focusNote || noteFocused) { S.focusNote = false; noteNode.focus(); }
  } else noteNode = null;
  if (S.chat && /^closed/.test(S.chat.state)) log.appendChild(el('div', { class: 'b-msg b-system', text: closedNote(S.chat.state) }));
  log.scrollTop = log.scrollHeight;
  header();
  showContactForm();
  panels();
}
/* What a message after the close does (docs/routing.md): a chat closed by one side reopens, a
   final one gives way to a new chat. */
function closedNote(state) {
  if (S.banned) return t.closed;
  return t.closed + ' ' + (state === 'closed' ? t.newChat : t.reopen);
}
export function header() {
  var op = S.operator;
  whoName.textContent = op ? op.fullname : (S.config.title || t.title);
  whoState.textContent = op ? (op.title || t.operator) : (S.online === 'online' ? t.online : S.online === 'busy_online' ? t.busy : t.offline);
  var picture = op ? op.avatar : S.config.logo;
  if (picture) { avatar.src = picture; avatar.hidden = false; } else avatar.hidden = true;
  typingLine.textContent = op && S.typing ? op.fullname + ' ' + t.typing : '';
}
export function offlineMode() {
  return (!S.chat || S.chat.state === 'closed') && (S.online === 'offline' || S.online === 'busy_offline');
}
export function panels() {
  panel.textContent = '';
  input.hidden = false;
  if (S.banned) {
    input.hidden = true;
    panel.appendChild(el('p', { class: 'b-note b-banned', role: 'alert', text: t.errors.visitor_banned }));
    menu.textContent = '';
    return;
  }
  text.placeholder = S.state === 'first-question' || S.state === 'department-selection' ? t.first : t.placeholder;
  if (S.state === 'department-selection' && S.departments.length) {
    var deps = el('div', { class: 'b-deps' }); deps.appendChild(el('p', { text: t.pick }));
    S.departments.forEach(function (d) {
      var b = el('button', { text: (d.localeToName && d.localeToName[document.documentElement.lang]) || d.name });
      b.type = 'button';
      b.addEventListener('click', function () { startWith(d.key); });
      deps.appendChild(b);
    });
    panel.appendChild(deps);
  } else if (S.survey) {
    var survey = surveyPanel();
    if (survey) panel.appendChild(survey);
  } else if (offlineMode()) {
    input.hidden = true;
    panel.appendChild(S.online === 'busy_offline' ? el('p', { class: 'b-note', text: t.cantWrite }) : offlineForm());
  }
  fileLabel.hidden = S.config.visitor_upload_file === false;
  menuItems();
}
export function offlineForm() {
  var f = el('form', { class: 'b-form' }), name = el('input'), email = el('input'), msg = el('textarea'), send = el('button', { text: t.send }), err = el('p', { class: 'b-error' });
  name.placeholder = t.name; name.name = 'name'; name.autocomplete = 'name';
  email.placeholder = t.email; email.type = 'email'; email.name = 'email'; email.required = true; email.autocomplete = 'email';
  msg.placeholder = t.message; msg.name = 'message'; msg.required = true; msg.rows = 4;
  send.type = 'submit';
  [el('p', { text: t.offlineIntro }), name, email, msg, send, err].forEach(function (e) { f.appendChild(e); });
  f.addEventListener('submit', function (e) {
    e.preventDefault();
    var fields = { email: email.value.trim() };
    if (name.value.trim()) fields.name = name.value.trim();
    post('chat.offline_message', { 'client-side-id': id(), text: msg.value, 'visitor-fields': JSON.stringify(fields) }).then(function (r) {
      if (r.error) { err.textContent = t.errors[r.error] || r.error; return; }
      S.note = t.offlineSent; S.online = 'offline-sent';
      render();
    }).catch(function () { err.textContent = t.retry; });
  });
  return f;
}
export function menuItems() {
  menu.textContent = '';
  if (S.chat && S.operator && S.config.rate_operator !== false) menu.appendChild(action(t.rate, rateForm));
  if (S.chat && S.config.sendChatHistory) menu.appendChild(action(t.history, historyForm));
  if (S.chat && !/^closed/.test(S.chat.state)) menu.appendChild(action(t.close, function () { fire('chat.close', {}); toggleMenu(false); }));
}
export function action(label, fn) { var b = el('button', { text: label }); b.type = 'button'; b.addEventListener('click', fn); return b; }
export function toggleMenu(open) { menu.hidden = !open; menuBtn.setAttribute('aria-expanded', open ? 'true' : 'false'); }
export function rateForm() {
  menu.textContent = '';
  var stars = el('div', { class: 'b-rate' }), op = S.operator;
  stars.setAttribute('role', 'group'); stars.setAttribute('aria-label', t.rate);
  [1, 2, 3, 4, 5].forEach(function (n) {
    var s = el('button', { text: '★' }); s.type = 'button'; s.setAttribute('aria-label', t.stars.replace('{n}', String(n)));
    s.addEventListener('click', function () {
      post('chat.operator_rate_select', { rate: n - 3, operator_id: op.id }).then(function (r) {
        toggleMenu(false);
        S.note = r.error ? (t.errors[r.error] || r.error) : t.thanks; render();
      }).catch(function () { S.note = t.retry; render(); });
    });
    s.addEventListener('mouseenter', function () {
      Array.prototype.forEach.call(stars.children, function (x, i) { x.className = i < n ? 'b-on' : ''; });
    });
    stars.appendChild(s);
  });
  menu.appendChild(stars);
  /** @type {HTMLElement} */ (stars.firstChild).focus();
}
export function historyForm() {
  menu.textContent = '';
  var f = el('form', { class: 'b-row' }), email = el('input'), ok = el('button', { text: t.send });
  email.type = 'email'; email.required = true; email.placeholder = t.email; email.setAttribute('aria-label', t.email); ok.type = 'submit';
  f.appendChild(email); f.appendChild(ok);
  f.addEventListener('submit', function (e) {
    e.preventDefault();
    post('chat.send_chat_history', { email: email.value.trim() }).then(function (r) {
      toggleMenu(false);
      S.note = r.error ? (t.errors[r.error] || r.error) : t.sent; render();
    }).catch(function () { S.note = t.retry; render(); });
  });
  menu.appendChild(f);
  email.focus();
}
