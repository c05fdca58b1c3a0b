/* Visitors on the site: a tab beside the open chat with the live list (page, time on site,
   visits, chatting or not, placement), an invitation to chat, and blocking a visitor (from
   the list or from a chat). Kept live by the visitor_new / visitor_updated / visitor_left
   events; visitor strings go into the page as text. */
import { api } from '../lib/api.js';
import { dialog } from '../lib/dialog.js';
import { t, fill } from '../lib/i18n.js';
import { notify } from './alerts.js';
import { openChat } from './chat.js';
import { S, ui } from './state.js';
import { clear, el } from '../../common/dom.js';
import { visitorLabel } from '../lib/names.js';

/** @type {{ list: any[], shown: boolean, timer: any }} */
var V = { list: [], shown: false, timer: null };

/** The tab button in the header and the section (hidden until the tab is chosen). */
export function mountVisitors(header, before, main) {
  ui.visitorsTab = el('button', { class: 'c-link', 'data-test': 'visitors-tab', 'aria-pressed': 'false',
    'aria-controls': 'w-visitors', onclick: function () { showVisitors(!V.shown); } });
  header.insertBefore(ui.visitorsTab, before);
  ui.visitors = el('section', { id: 'w-visitors', class: 'w-visitors', 'data-test': 'visitors', hidden: true, tabindex: '-1',
    'aria-label': t('visitorsTitle') });
  main.insertBefore(ui.visitors, ui.chat);
  ui.visitorsNote = el('p', { class: 'c-ok', role: 'status', 'data-test': 'visitors-note' });
  counter();
  loadVisitors();
  // Time on site moves on by itself.
  V.timer = setInterval(function () { if (V.shown) renderVisitors(); }, 15000);
}

function counter() {
  if (ui.visitorsTab) ui.visitorsTab.textContent = fill(t('visitorsTabCount'), { n: V.list.length });
}

export function showVisitors(on) {
  V.shown = on;
  ui.visitors.hidden = !on;
  ui.chat.hidden = on;
  ui.visitorsTab.setAttribute('aria-pressed', on ? 'true' : 'false');
  if (on) { loadVisitors(); ui.visitors.focus(); }
}

export function loadVisitors() {
  return api('GET', '/api/operator/v1/visitors').then(function (res) {
    if (res.status !== 200) return;
    V.list = (res.body && res.body.visitors) || [];
    V.list.forEach(function (v) { v.loadedAt = Date.now(); });
    renderVisitors();
  });
}

/* An event about a visitor on the site (the server sends only those this operator may see). */
export function visitorEvent(e) {
  var v = e.visitor || {};
  var at = -1;
  for (var i = 0; i < V.list.length; i++) if (V.list[i].id === v.id) { at = i; break; }
  if (e.type === 'visitor_left') {
    if (at >= 0 && V.list[at].visitSessionId === v.visitSessionId) V.list.splice(at, 1);
  } else {
    v.loadedAt = Date.now();
    if (at >= 0) V.list[at] = v; else V.list.unshift(v);
    // The setting at the time of the arrival decides (e.notify).
    if (e.type === 'visitor_new' && e.notify) notify(t('newVisitor'), v.page || v.placementTitle || v.location || '');
  }
  renderVisitors();
}

/* A chat changed: whether its visitor is chatting. */
export function visitorChat(chat) {
  var closed = chat.state === 'closed';
  V.list.forEach(function (v) {
    if (v.id !== chat.visitorId) return;
    v.chatting = !closed; v.chatId = closed ? null : chat.id; v.chatState = closed ? null : chat.state;
    v.chatOperatorId = closed ? null : chat.operatorId;
  });
  renderVisitors();
}

/* The visitor's own name, or «Visitor 1234» by their stable number. */
function visitorName(v) {
  return visitorLabel({ visitorGivenName: v.name, visitorNumber: v.number });
}

function onSite(v) {
  var secs = (v.secondsOnSite || 0) + Math.floor((Date.now() - (v.loadedAt || Date.now())) / 1000);
  var m = Math.floor(secs / 60);
  return m < 1 ? t('lessThanMinute') : m < 60 ? fill(t('minutes'), { n: m }) : fill(t('hours'), { h: Math.floor(m / 60), m: m % 60 });
}

function renderVisitors() {
  counter();
  if (!ui.visitors || !V.shown) return;
  var rows = V.list.map(function (v) {
    var name = visitorName(v);
    var chat = v.chatting
      ? el('button', { class: 'c-link', 'data-test': 'visitor-chat', text: t(v.chatState === 'invitation' ? 'invited' : /^(queue|offline_queue)$/.test(v.chatState || '') ? 'visitorWaiting' : 'chatting'),
        onclick: function () { showVisitors(false); openChat(v.chatId); } })
      : el('span', { text: t('notChatting') });
    return el('tr', { 'data-visitor': v.id }, [
      el('td', {}, [el('b', { text: name }), el('br'), el('small', { text: v.placementTitle || v.location })]),
      el('td', { class: 'w-page' }, [el('span', { text: v.title || '' }), el('br'), el('small', { text: v.page || '' })]),
      el('td', { text: onSite(v) }),
      el('td', { text: String(v.visits) }),
      el('td', {}, [chat]),
      el('td', {}, [
        el('button', { 'data-test': 'invite', text: t('invite'), disabled: v.chatting, onclick: function () { inviteDialog(v); } }),
        ' ',
        el('button', { class: 'c-danger', 'data-test': 'block', text: t('block'), onclick: function () { blockDialog(v.id, null); } })
      ])
    ]);
  });
  var head = el('tr', {}, ['visitor', 'visitorPage', 'onSite', 'visits', 'chatColumn', 'actionsColumn'].map(function (k) {
    return el('th', { scope: 'col', text: t(k) });
  }));
  clear(ui.visitors).appendChild(el('h2', { text: t('visitorsTitle') }));
  ui.visitors.appendChild(ui.visitorsNote);
  if (!V.list.length) ui.visitors.appendChild(el('p', { class: 'w-empty', text: t('noVisitors') }));
  else ui.visitors.appendChild(el('table', { class: 'c-table', 'data-test': 'visitors-table' }, [el('thead', {}, [head]), el('tbody', {}, rows)]));
}

function say(text, ok) {
  if (!ui.visitorsNote) return;
  ui.visitorsNote.className = ok ? 'c-ok' : 'c-error';
  ui.visitorsNote.textContent = text;
}

function inviteDialog(v) {
  var text = el('textarea', { name: 'text', 'data-test': 'invite-text', maxlength: '1000', rows: '3', placeholder: t('invitationDefault') });
  dialog(fill(t('inviteTitle'), { name: visitorName(v) }), [el('label', {}, [t('invitationText'), text])], function (done) {
    api('POST', '/api/operator/v1/visitors/' + encodeURIComponent(v.id) + '/invite', { text: text.value }).then(function (res) {
      done(res);
      if (res.status === 200) { say(t('invitationSent'), true); loadVisitors(); }
    });
  });
}

var DURATIONS = [['hour', 3600], ['day', 86400], ['week', 7 * 86400], ['month', 30 * 86400], ['forever', null]];

/* Blocks a visitor: from the list (chatId null) or from the open chat. */
export function blockDialog(visitorId, chatId) {
  var reason = el('input', { name: 'reason', required: true, maxlength: '500', 'data-test': 'block-reason' });
  var duration = el('select', { name: 'duration', 'data-test': 'block-duration' }, DURATIONS.map(function (d) {
    return el('option', { value: d[1] == null ? '' : String(d[1]), text: t('block_' + d[0]) });
  }));
  duration.value = '86400';
  var address = el('input', { type: 'checkbox', name: 'address', 'data-test': 'block-address' });
  var fields = [el('label', {}, [t('blockReason'), reason]), el('label', {}, [t('blockDuration'), duration]),
    el('label', {}, [address, ' ' + t('blockAddress')])];
  dialog(t('blockTitle'), fields, function (done) {
    var body = { reason: reason.value, durationSecs: duration.value ? Number(duration.value) : null, blockAddress: address.checked };
    if (chatId != null) body.chatId = chatId;
    api('POST', '/api/operator/v1/visitors/' + encodeURIComponent(visitorId) + '/block', body).then(function (res) {
      done(res);
      if (res.status !== 200) return;
      say(t('visitorBlocked'), true);
      V.list = V.list.filter(function (v) { return v.id !== visitorId; });
      renderVisitors();
      if (chatId != null && S.open === chatId) openChat(chatId);
    });
  });
}

/* The chat bar's button: block the visitor of the open chat. */
export function blockButton() {
  var c = S.detail && S.detail.chat;
  if (!c) return null;
  return el('button', { class: 'c-danger', 'data-test': 'block-visitor', text: t('blockVisitor'),
    onclick: function () { blockDialog(c.visitorId, c.id); } });
}
