/* One open chat: its bar of actions and its message log. */
import { api, message } from '../lib/api.js';
import { t } from '../lib/i18n.js';
import { time } from '../lib/time.js';
import { categoryDialog, closeChat, redirectDialog, teleportDialog } from './chat-actions.js';
import { deleteButton } from './deletion.js';
import { mountFiles } from './files.js';
import { fileView } from '../lib/files.js';
import { mountNotes, noteView } from './notes.js';
import { renderLists } from './lists.js';
import { mountRequests, requestText } from './requests.js';
import { fillPicker, onInput, onKey, saveTemplate, sendReply, stopTyping, useTemplate } from './reply.js';
import { renderSide } from './side.js';
import { S, STATE_TEXT, SYSTEM, VISITOR_SIDE, ui } from './state.js';
import { blockButton, showVisitors } from './visitors.js';
import { clear, el } from '../../common/dom.js';
import { markdown } from '../../common/markdown.js';
import { visitorLabel } from '../lib/names.js';
import { surveyAnswers } from '../lib/survey_answers.js';

export function openChat(id) {
  var first = S.open !== id;
  // A chat chosen while "On the site" is shown: back to the chat.
  if (ui.visitors && !ui.visitors.hidden) showVisitors(false);
  if (first) stopTyping();
  S.open = id;
  return api('GET', '/api/operator/v1/chats/' + id).then(function (res) {
    if (S.open !== id) return;
    if (res.status !== 200) {
      S.detail = null;
      clear(ui.chat).appendChild(el('p', { class: 'w-empty c-error', text: message(res) }));
      clear(ui.side);
      return;
    }
    S.detail = res.body;
    // A focus inside the chat (its Close button, the reply box) that the redraw removes or
    // turns off goes to the reply box or the log, not to the page.
    var focusInChat = !first && ui.chat.contains(document.activeElement);
    if (first || !ui.log) buildChat();
    renderChatBar(); renderLog(); renderSide(); renderLists(); markRead(); writable();
    if (focusInChat && !ui.chat.contains(document.activeElement)) focusReply();
  });
}
/* Whether the operator may write in the open chat: not in a closed chat, not in a colleague's. */
export function canWrite() {
  var c = S.detail && S.detail.chat;
  if (!c || /^(closed|closed_by_operator)$/.test(c.state)) return false;
  return c.operatorId == null || c.operatorId === S.me.id;
}
/* The reply box and its actions follow canWrite(); a note says why they are off. */
function writable() {
  var on = canWrite();
  var had = /** @type {HTMLInputElement | null} */ (ui.reply.contains(document.activeElement) ? document.activeElement : null);
  ui.reply.querySelectorAll('[data-test=reply], [data-test=send], [data-test=templates], [data-test=save-template], [data-test=attach], [data-test=attach-input], [data-test=ask-contacts], [data-test=action-request]')
    .forEach(function (n) { /** @type {HTMLInputElement} */ (n).disabled = !on; });
  ui.text.placeholder = on ? t('reply') : t(S.detail && /^closed/.test(S.detail.chat.state) ? 'cantWriteClosed' : 'cantWriteOthers');
  if (had && had.disabled) focusReply();
}
/** Puts the focus in the reply box (or, when the operator cannot write there, on the chat). */
export function focusReply() {
  if (!ui.text) return;
  if (!ui.text.disabled) ui.text.focus();
  else { ui.log.setAttribute('tabindex', '-1'); ui.log.focus(); }
}
export function mineOpen() { return S.detail && S.detail.chat.operatorId === S.me.id; }
export function markRead() {
  if (mineOpen() && S.detail.chat.unreadByOperatorSinceTs) {
    S.detail.chat.unreadByOperatorSinceTs = null;
    api('POST', '/api/operator/v1/chats/' + S.open + '/read', {});
  }
}
export function buildChat() {
  ui.bar = el('div', { class: 'w-bar', 'data-test': 'chat-bar' });
  ui.log = el('div', { class: 'w-log', role: 'log', 'data-test': 'log' });
  ui.typing = el('div', { class: 'w-typing', 'data-test': 'typing' });
  ui.text = el('textarea', { 'data-test': 'reply', 'aria-label': t('reply'), placeholder: t('reply'),
    oninput: onInput, onkeydown: onKey });
  ui.suggest = el('div', { class: 'w-suggest', 'data-test': 'suggestions', hidden: true });
  ui.picker = el('select', { 'data-test': 'templates', 'aria-label': t('templates'), onchange: function () {
    var tpl = S.templates.filter(function (x) { return String(x.id) === ui.picker.value; })[0];
    if (tpl) useTemplate(tpl);
    ui.picker.value = '';
  } });
  ui.note = el('span', { class: 'c-ok', 'data-test': 'reply-note' });
  var send = el('button', { class: 'c-primary', 'data-test': 'send', text: t('send'), onclick: sendReply });
  var save = el('button', { 'data-test': 'save-template', text: t('saveTemplate'), onclick: saveTemplate });
  var actions = el('div', { class: 'w-actions' }, [send, ui.picker, save, ui.note]);
  var reply = ui.reply = el('div', { class: 'w-reply' }, [ui.suggest, ui.text, actions]);
  clear(ui.chat);
  mountNotes(actions); mountRequests(actions); mountFiles(actions); actions.appendChild(ui.note);
  [ui.bar, ui.log, ui.typing, reply].forEach(function (n) { ui.chat.appendChild(n); });
  fillPicker();
}
export function action(name, body, then) {
  return api('POST', '/api/operator/v1/chats/' + S.open + '/' + name, body || {}).then(function (res) {
    if (res.status !== 200) { ui.note.className = 'c-error'; ui.note.textContent = message(res); return res; }
    ui.note.className = 'c-ok'; ui.note.textContent = '';
    if (then) then(res);
    return openChat(S.open).then(function () { return res; });
  });
}
export function renderChatBar() {
  var c = S.detail.chat;
  var title = el('span', { class: 'w-title', 'data-test': 'chat-title',
    text: visitorLabel(c) + ' · ' + t(STATE_TEXT[c.state] || c.state) + (c.category ? ' · ' + c.category + (c.subcategory ? ' / ' + c.subcategory : '') : '') });
  var buttons = [title];
  var waiting = c.operatorId == null && (c.state === 'queue' || c.state === 'offline_queue');
  if (waiting) buttons.push(el('button', { class: 'c-primary', 'data-test': 'take', text: t('take'), onclick: function () { action('take'); } }));
  var active = !/^(closed|closed_by_operator)$/.test(c.state);
  if (active && (mineOpen() || S.me.role !== 'operator' || waiting)) {
    if (S.ws.categories && S.ws.categories.length) buttons.push(el('button', { 'data-test': 'category', text: t('category'), onclick: categoryDialog }));
    buttons.push(el('button', { 'data-test': 'redirect', text: t('redirect'), onclick: redirectDialog }));
    if (S.ws.teleport) buttons.push(el('button', { 'data-test': 'teleport', text: t('teleport'), onclick: teleportDialog }));
    buttons.push(el('button', { class: 'c-danger', 'data-test': 'close', text: t('close'), onclick: closeChat }));
  }
  if (active) buttons.push(blockButton());
  clear(ui.bar);
  buttons.forEach(function (b) { ui.bar.appendChild(b); });
}
export function fileName(m) {
  try { var d = JSON.parse(m.text); return (Array.isArray(d) ? d : [d]).map(function (f) { return f.filename; }).join(', '); } catch (x) { return m.text; }
}
export function renderLog() {
  var frag = document.createDocumentFragment();
  S.detail.messages.forEach(function (m) {
    if (m.deleted) return;
    var note = noteView(m);
    if (note) { frag.appendChild(note); return; }
    var side = VISITOR_SIDE.test(m.kind) ? 'from-visitor' : SYSTEM.test(m.kind) ? 'from-system' : 'from-operator';
    var text = /^file_/.test(m.kind) ? t('file') + ': ' + fileName(m) : m.kind === 'keyboard' ? '⌨ ' + (m.text || '')
      : requestText(m) || m.text;
    var who = side === 'from-operator' && m.name ? m.name + ' · ' : '';
    var parts = [
      fileView(m) || (m.kind === 'operator' ? markdown(text || '') : document.createTextNode(text || '')),
      el('time', { text: who + time(m.ts) + (side === 'from-operator' && m.read ? ' ✓' : '') +
        (m.hintQuestion ? ' · ' + t('hintQuestion') : '') })
    ];
    var del = deleteButton(m, text || '');
    if (del) parts.push(del);
    frag.appendChild(el('div', { class: 'w-msg ' + side, 'data-kind': m.kind, 'data-id': m.id }, parts));
  });
  /* The visitor's survey answers after the chat (shown as the chat is opened or read again). */
  var survey = surveyAnswers(S.detail.surveyAnswers);
  if (survey) frag.appendChild(survey);
  clear(ui.log).appendChild(frag);
  ui.log.scrollTop = ui.log.scrollHeight;
}
