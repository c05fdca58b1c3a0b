/* The chat lists (waiting, mine, with others): loading, placing a changed chat, drawing. */
import { api } from '../lib/api.js';
import { t } from '../lib/i18n.js';
import { notify } from './alerts.js';
import { openChat } from './chat.js';
import { S, ui } from './state.js';
import { clear, el } from '../../shared/dom.js';

export function names() { return S.ws.hideOthersChats ? ['waiting', 'mine'] : ['waiting', 'mine', 'others']; }
export function reloadLists() {
  return Promise.all(names().map(function (name) {
    return api('GET', '/api/operator/v1/chats?list=' + name).then(function (res) {
      S.lists[name] = (res.body && res.body.chats) || [];
    });
  })).then(function () {
    S.lists.waiting.forEach(function (c) { S.known[c.id] = true; });
    renderLists();
  });
}
var waitingReload = null;
export function reloadWaitingSoon() {
  if (waitingReload) return;
  waitingReload = setTimeout(function () {
    waitingReload = null;
    api('GET', '/api/operator/v1/chats?list=waiting').then(function (res) {
      var fresh = (res.body && res.body.chats) || [];
      fresh.forEach(function (c) { if (!S.known[c.id]) { S.known[c.id] = true; notify(t('newChat'), c.visitorName); } });
      S.lists.waiting = fresh;
      renderLists();
    });
  }, 120);
}
/* Where a chat belongs, by the same rules the server lists use. */
export function listOf(c) {
  var holder = c.operatorId;
  if (holder == null && (c.state === 'queue' || c.state === 'offline_queue')) return 'waiting';
  if (holder === S.me.id && /^(chatting|chatting_with_robot|closed_by_visitor)$/.test(c.state)) return 'mine';
  var human = S.directory.operators.some(function (o) { return o.id === holder; });
  if (holder != null && holder !== S.me.id && human && /^(chatting|closed_by_visitor)$/.test(c.state)) return 'others';
  return null;
}
export function place(c) {
  var target = listOf(c);
  names().forEach(function (name) {
    var list = S.lists[name], at = -1;
    for (var i = 0; i < list.length; i++) if (list[i].id === c.id) { at = i; break; }
    if (name === target) {
      if (at >= 0) list[at] = c;
      else { list.push(c); list.sort(function (a, b) { return (b.priority - a.priority) || (a.id - b.id); }); }
    } else if (at >= 0) list.splice(at, 1);
  });
  if (target === 'waiting' && !S.known[c.id]) reloadWaitingSoon();
  else if (target === 'others' && S.ws.hideOthersChats) { /* never shown */ }
}
export function renderLists() {
  var frag = document.createDocumentFragment();
  names().forEach(function (name) {
    var list = S.lists[name];
    var head = el('h2', {}, [el('span', { text: t(name) }), el('span', { 'data-test': 'count-' + name, text: String(list.length) })]);
    frag.appendChild(head);
    if (name === 'waiting' && S.ws.autoAssignment) frag.appendChild(el('small', { class: 'c-me', text: t('autoAssign') }));
    var box = el('div', { 'data-test': 'list-' + name });
    for (var i = 0; i < list.length; i++) box.appendChild(item(list[i]));
    frag.appendChild(box);
  });
  clear(ui.lists).appendChild(frag);
}
export function preview(m) {
  if (!m) return '';
  if (/^file_/.test(m.kind)) return t('file');
  return m.text || '';
}
export function item(c) {
  var cls = 'w-item' + (c.id === S.open ? ' is-open' : '') + (c.priority ? ' is-priority' : '');
  var unread = c.unreadByOperatorSinceTs ? el('span', { class: 'w-unread', text: '•' }) : null;
  return el('button', { class: cls, 'data-chat': String(c.id), onclick: function () { openChat(c.id); } }, [
    unread, el('b', { text: c.visitorName }),
    el('small', { text: (c.offline ? t('offlineChat') + ' · ' : '') + preview(c.preview) })
  ]);
}
