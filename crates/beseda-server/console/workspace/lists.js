/* The chat lists (waiting, mine, with others): loading, placing a changed chat, drawing, and the
   alerts of the operator's own chats. A row shows the visitor (given name, else «Посетитель N»),
   the newest visitor or operator message, the unread count, how long the visitor has waited, and
   the department, language and priority. Rows are kept per chat and redrawn only when their
   chat changed, at most once per animation frame, so a busy shift (hundreds of chats, dozens
   writing) stays responsive. */
import { filterBar, shown as passes } from './listfilter.js';
import { api } from '../lib/api.js';
import { fill, t } from '../lib/i18n.js';
import { notify, titleCount } from './alerts.js';
import { focusReply, openChat } from './chat.js';
import { departmentName } from './side.js';
import { S, ui } from './state.js';
import { clear, el } from '../../common/dom.js';
import { visitorLabel } from '../lib/names.js';
export { visitorLabel };

export function names() { return S.ws.hideOthersChats ? ['waiting', 'mine'] : ['waiting', 'mine', 'others']; }
export function reloadLists() {
  return Promise.all(names().map(function (name) {
    return api('GET', '/api/operator/v1/chats?list=' + name).then(function (res) {
      S.lists[name] = (res.body && res.body.chats) || [];
    });
  })).then(function () {
    S.lists.waiting.forEach(function (c) { S.known[c.id] = true; });
    S.lists.mine.forEach(function (c) { unreadSeen[c.id] = c.unreadCount || 0; });
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
      fresh.forEach(function (c) { if (!S.known[c.id]) { S.known[c.id] = true; notify(t('newChat'), visitorLabel(c)); } });
      S.lists.waiting = fresh;
      renderLists();
    });
  }, 120);
}
/* Where a chat belongs, by the same rules the server lists use. */
export function listOf(c) {
  var holder = c.operatorId;
  if (holder == null && (c.state === 'queue' || c.state === 'offline_queue')) return 'waiting';
  if (holder === S.me.id && /^(chatting|chatting_with_robot|closed_by_visitor|invitation)$/.test(c.state)) return 'mine';
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
  if (target === 'mine') alertNewMessages(c);
  else delete unreadSeen[c.id];
  if (target === 'waiting' && !S.known[c.id]) reloadWaitingSoon();
}

/* ------------------------------------------------------------------ alerts of one's own chats */
/** Unread counts of the operator's chats as last alerted. @type {Record<number, number>} */
var unreadSeen = {};
/** Chats redirected to the operator and not opened yet. @type {Record<number, boolean>} */
var redirected = {};

function alertNewMessages(c) {
  var before = unreadSeen[c.id] || 0, now = c.unreadCount || 0;
  unreadSeen[c.id] = now;
  var watching = S.open === c.id && document.hasFocus();
  if (now > before && !watching && c.preview && c.preview.from === 'visitor') {
    notify(t('newMessage'), visitorLabel(c) + ': ' + previewText(c.preview));
  }
}
/* `chat_assigned`: a colleague (or a supervisor) moved a chat to this operator. */
export function onAssigned(e) {
  if (e.operatorId !== S.me.id || e.byOperatorId == null || e.byOperatorId === S.me.id || e.bot) return;
  redirected[e.chatId] = true;
  var c = S.lists.mine.filter(function (x) { return x.id === e.chatId; })[0];
  notify(t('redirectedToYou'), c ? visitorLabel(c) : '', 'redirect');
  renderLists();
}
/* The title count: unread visitor messages of one's chats, plus redirected chats not yet opened. */
function countTitle() {
  var n = 0;
  if (S.open != null) delete redirected[S.open];
  S.lists.mine.forEach(function (c) { n += (c.unreadCount || 0) + (redirected[c.id] && !c.unreadCount ? 1 : 0); });
  Object.keys(redirected).forEach(function (id) {
    if (!S.lists.mine.some(function (c) { return c.id === Number(id); })) delete redirected[id];
  });
  titleCount(n);
}

/* ------------------------------------------------------------------ drawing */
/** Row nodes by chat id, with what they were drawn from. @type {Record<number, {node: HTMLElement, sig: string}>} */
var rows = {};
var frame = 0;
/* Draws the lists at the next animation frame (many events in a row draw once). */
export function renderLists() {
  if (frame) return;
  frame = requestAnimationFrame(function () { frame = 0; draw(); });
}
function draw() {
  var shown = names().join(',');
  if (!ui.listBoxes || ui.listBoxes.shown !== shown) build(shown);
  var keep = {};
  names().forEach(function (name) {
    var list = S.lists[name].filter(passes), box = ui.listBoxes[name];
    // Chats redirected to the operator and not opened yet come first.
    if (name === 'mine') list = list.filter(isRedirected).concat(list.filter(function (c) { return !isRedirected(c); }));
    ui.listBoxes.counts[name].textContent = String(list.length);
    var at = /** @type {ChildNode | null} */ (box.firstChild);
    for (var i = 0; i < list.length; i++) {
      var c = list[i], sig = signature(c), row = rows[c.id];
      if (!row || row.sig !== sig) {
        var node = item(c);
        if (row && row.node.parentNode) row.node.parentNode.replaceChild(node, row.node);
        if (row && at === row.node) at = node;
        row = rows[c.id] = { node: node, sig: sig };
      }
      keep[c.id] = true;
      if (at === row.node) at = at.nextSibling;
      else box.insertBefore(row.node, at);
    }
    while (at) { var next = at.nextSibling; box.removeChild(at); at = next; }
  });
  Object.keys(rows).forEach(function (id) {
    if (!keep[id]) { var r = rows[id]; if (r.node.parentNode) r.node.parentNode.removeChild(r.node); delete rows[id]; }
  });
  countTitle();
  announceRedirects();
  tick();
}
/** @param {{id: number}} c */
function isRedirected(c) { return !!redirected[c.id] && c.id !== S.open; }
/* A polite live line above the lists names the chats redirected to the operator until they are opened. */
function announceRedirects() {
  var names = S.lists.mine.filter(isRedirected).map(visitorLabel);
  var text = names.length ? fill(t('redirectedLive'), { names: names.join(', ') }) : '';
  if (ui.redirectNote.textContent !== text) ui.redirectNote.textContent = text;
  ui.redirectNote.hidden = !text;
}
function build(shown) {
  var frag = document.createDocumentFragment();
  ui.listBoxes = { shown: shown, counts: {} };
  rows = {};
  frag.appendChild(filterBar(draw));
  ui.redirectNote = el('p', { class: 'w-redirect-note', role: 'status', 'aria-live': 'polite', 'data-test': 'redirect-note' });
  frag.appendChild(ui.redirectNote);
  names().forEach(function (name) {
    var count = el('span', { 'data-test': 'count-' + name, text: '0' });
    frag.appendChild(el('h2', {}, [el('span', { text: t(name) }), count]));
    if (name === 'waiting' && S.ws.autoAssignment) frag.appendChild(el('small', { class: 'c-me', text: t('autoAssign') }));
    var box = el('div', { 'data-test': 'list-' + name });
    ui.listBoxes[name] = box;
    ui.listBoxes.counts[name] = count;
    frag.appendChild(box);
  });
  clear(ui.lists).appendChild(frag);
}
function signature(c) {
  var p = c.preview || {};
  return [c.id === S.open, c.priority, c.offline, c.visitorGivenName, c.visitorNumber, c.unreadCount, c.waitingSinceTs,
    c.departmentKey, c.language, p.kind, p.name, p.text, p.ts, redirected[c.id] ? 1 : 0].join('\u0001');
}
export function previewText(m) {
  if (!m) return '';
  if (/^file_/.test(m.kind)) return t('file') + (m.text ? ': ' + m.text : '');
  if (m.kind === 'sticker_visitor') return t('sticker');
  return m.from === 'operator' ? plainMarkdown(m.text || '') : m.text || '';
}
/* An operator's Markdown as plain text, for one-line previews: the markers of common/markdown.js
   go, a link keeps its label. */
export function plainMarkdown(text) {
  return text.replace(/`([^`\n]+)`/g, '$1')
    .replace(/\[([^\]\n]+)\]\(([^\s()]+)\)/g, '$1')
    .replace(/\*\*([^\n]+?)\*\*/g, '$1')
    .replace(/(^|[^\w*])\*([^*\n]+)\*(?![\w*])/g, '$1$2')
    .replace(/(^|[^\w_])_([^_\n]+)_(?!\w)/g, '$1$2');
}
export function item(c) {
  var cls = 'w-item' + (c.id === S.open ? ' is-open' : '') + (c.priority ? ' is-priority' : '') +
    (c.unreadCount ? ' is-unread' : '') + (redirected[c.id] ? ' is-redirected' : '');
  var unread = c.unreadCount ? el('span', { class: 'w-unread', 'data-test': 'unread',
    'aria-label': fill(t('unreadN'), { n: c.unreadCount }), text: String(c.unreadCount) }) : null;
  var marks = [];
  if (c.departmentKey) marks.push(el('span', { class: 'w-mark', 'data-test': 'mark-department', text: departmentName(c.departmentKey) }));
  if (c.language && S.ws.multilang) marks.push(el('span', { class: 'w-mark', 'data-test': 'mark-language', text: c.language.toUpperCase() }));
  if (c.priority) marks.push(el('span', { class: 'w-mark is-priority', 'data-test': 'mark-priority', text: t('priorityMark') }));
  if (redirected[c.id]) marks.push(el('span', { class: 'w-mark is-redirected', text: t('redirectedMark') }));
  var wait = c.waitingSinceTs ? el('span', { class: 'w-wait', 'data-test': 'waiting', 'data-since': String(c.waitingSinceTs) }) : null;
  var p = c.preview, who = p && p.from === 'operator' ? (p.name || t('operator')) + ': ' : '';
  return el('button', { class: cls, 'data-chat': String(c.id), onclick: function () { openChat(c.id).then(focusReply); } }, [
    unread, wait, el('b', { 'data-test': 'row-name', text: visitorLabel(c) }),
    marks.length ? el('span', { class: 'w-marks' }, marks) : null,
    el('small', { 'data-test': 'preview', text: (c.offline ? t('offlineChat') + ' · ' : '') + who + previewText(p) })
  ]);
}

/* ------------------------------------------------------------------ waiting time */
export function waited(seconds) {
  var m = Math.floor(Math.max(0, seconds) / 60);
  if (m < 1) return t('lessMin');
  if (m < 60) return fill(t('minutes'), { n: m });
  return fill(t('hoursMinutes'), { h: Math.floor(m / 60), m: m % 60 });
}
/* Refreshes every waiting time in place (no redraw of the rows). */
function tick() {
  if (!ui.lists) return;
  var now = Date.now() / 1000, spans = ui.lists.querySelectorAll('[data-since]');
  for (var i = 0; i < spans.length; i++) {
    var s = /** @type {HTMLElement} */ (spans[i]), text = waited(now - Number(s.getAttribute('data-since')));
    if (s.textContent !== text) { s.textContent = text; s.setAttribute('aria-label', fill(t('waitingFor'), { t: text })); }
  }
}
setInterval(tick, 10000);
