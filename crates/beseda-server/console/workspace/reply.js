/* The reply box: typing, template picker and suggestions, sending, saving a personal template. */
import { api, message } from '../lib/api.js';
import { t } from '../lib/i18n.js';
import { action, mineOpen } from './chat.js';
import { loadTemplates } from './data.js';
import { S, ui } from './state.js';
import { clear, el } from '../../common/dom.js';

export function chatLang() { return (S.detail && S.detail.chat.language) || S.ws.defaultLang || 'ru'; }
export function usable() { var l = chatLang(); return S.templates.filter(function (x) { return x.lang === l; }); }
export function fillPicker() {
  clear(ui.picker).appendChild(el('option', { value: '', text: t('templates') + '…' }));
  var groups = {};
  usable().forEach(function (x) {
    var key = x.section || t('templates');
    if (!groups[key]) { groups[key] = el('optgroup', { label: key }); ui.picker.appendChild(groups[key]); }
    groups[key].appendChild(el('option', { value: String(x.id), text: (x.title || x.text).slice(0, 60) }));
  });
}
export function useTemplate(tpl) {
  ui.text.value = tpl.text;
  hideSuggestions();
  ui.text.focus();
}
var active = -1, shown = [];
export function onInput() {
  var q = ui.text.value.trim().toLowerCase();
  shown = q.length < 2 ? [] : usable().filter(function (x) {
    return (x.title && x.title.toLowerCase().indexOf(q) >= 0) || x.text.toLowerCase().indexOf(q) >= 0;
  }).slice(0, 6);
  active = shown.length ? 0 : -1;
  renderSuggestions();
  typing();
}
/* The operator's typing, as the visitor sees it: "typing" at most every 2.5 s while keys come,
   "stopped" 2 s after the last one, on sending and on leaving the chat. One request is in flight
   at a time (two could be handled out of order and leave the visitor with "typing"); what is
   asked meanwhile waits, and only the latest state of each chat is sent. */
/** Typing states waiting to be sent, by chat. @type {Map<number, boolean>} */
var typingQueue = new Map(), typingBusy = false;
/** @param {number} chat @param {boolean} on */
function sendTyping(chat, on) {
  typingQueue.delete(chat);
  typingQueue.set(chat, on);
  if (!typingBusy) nextTyping();
}
function nextTyping() {
  var first = typingQueue.entries().next();
  if (first.done) { typingBusy = false; return; }
  typingBusy = true;
  typingQueue.delete(first.value[0]);
  api('POST', '/api/operator/v1/chats/' + first.value[0] + '/typing', { typing: first.value[1] }).then(nextTyping, nextTyping);
}
var typingChat = null, typingIdle = null;
function typing() {
  if (!mineOpen() || !ui.text.value) { stopTyping(); return; }
  var now = Date.now();
  if (typingChat !== S.open || now - S.typingSent > 2500) {
    if (typingChat != null && typingChat !== S.open) stopTyping();
    S.typingSent = now; typingChat = S.open;
    sendTyping(S.open, true);
  }
  clearTimeout(typingIdle);
  typingIdle = setTimeout(stopTyping, 2000);
}
/** Tells the visitor the operator stopped typing (if they were told it started). */
export function stopTyping() {
  clearTimeout(typingIdle); typingIdle = null;
  if (typingChat != null) sendTyping(typingChat, false);
  typingChat = null; S.typingSent = 0;
}
export function renderSuggestions() {
  clear(ui.suggest);
  ui.suggest.hidden = !shown.length;
  shown.forEach(function (x, i) {
    ui.suggest.appendChild(el('button', { type: 'button', class: i === active ? 'is-active' : '', 'data-test': 'suggestion',
      onmousedown: function (ev) { ev.preventDefault(); useTemplate(x); } }, [
      el('b', { text: x.title ? x.title + ' — ' : '' }), x.text.slice(0, 120)
    ]));
  });
}
export function hideSuggestions() { shown = []; active = -1; renderSuggestions(); }
export function onKey(ev) {
  if (shown.length && (ev.key === 'ArrowDown' || ev.key === 'ArrowUp')) {
    ev.preventDefault();
    active = (active + (ev.key === 'ArrowDown' ? 1 : shown.length - 1)) % shown.length;
    renderSuggestions();
  } else if (shown.length && ev.key === 'Tab') {
    ev.preventDefault(); useTemplate(shown[active]);
  } else if (ev.key === 'Escape') {
    hideSuggestions();
  } else if (ev.key === 'Enter' && !ev.shiftKey) {
    ev.preventDefault(); sendReply();
  }
}
export function sendReply() {
  var text = ui.text.value.trim();
  if (!text || !S.open) return;
  var id = 'w' + Date.now().toString(36) + Math.random().toString(36).slice(2, 8);
  ui.text.value = ''; hideSuggestions(); stopTyping();
  action('messages', { clientSideId: id, text: text }).then(function (res) { if (res.status !== 200) ui.text.value = text; });
}
export function saveTemplate() {
  var text = ui.text.value.trim();
  if (!text) return;
  api('PUT', '/api/operator/v1/templates', { lang: chatLang(), title: text.slice(0, 40), text: text }).then(function (res) {
    if (res.status !== 200) { ui.note.className = 'c-error'; ui.note.textContent = message(res); return; }
    ui.note.className = 'c-ok'; ui.note.textContent = t('templateSaved');
    loadTemplates().then(fillPicker);
  });
}
