/* The operator event stream (WebSocket, resumed from the last seen event) and what each event
   changes. */
import { visitorMoved } from './context.js';
import { api } from '../lib/api.js';
import { t } from '../lib/i18n.js';
import { markRead, openChat, renderChatBar, renderLog } from './chat.js';
import { names, onAssigned, place, reloadLists, renderLists } from './lists.js';
import { renderSide } from './side.js';
import { S, ui } from './state.js';
import { visitorChat, visitorEvent } from './visitors.js';

export function connect() {
  var proto = location.protocol === 'https:' ? 'wss:' : 'ws:';
  var url = proto + '//' + location.host + '/api/operator/v1/events/ws' + (S.cursor != null ? '?cursor=' + S.cursor : '');
  var sock = new WebSocket(url), opened = false;
  sock.onopen = function () { if (opened) return; opened = true; if (S.cursor != null) reloadLists(); };
  sock.onmessage = function (ev) {
    var e; try { e = JSON.parse(ev.data); } catch (x) { return; }
    if (typeof e.seq === 'number') S.cursor = e.seq;
    handle(e);
  };
  sock.onclose = function (ev) {
    /* 4001: this session ended (password changed elsewhere, reset, deactivated): back to the login. */
    if (ev.code === 4001) { api('GET', '/api/operator/v1/me'); return; }
    setTimeout(connect, opened ? 500 : 3000);
  };
  if (S.cursor == null) api('GET', '/api/operator/v1/events').then(function (res) {
    if (S.cursor == null && res.body) S.cursor = res.body.cursor;
  });
}
export function handle(e) {
  /* A message event carries its chat's list row. */
  if (e.chat && /^message_/.test(e.type)) { handleOne(e); handleOne({ type: 'chat_updated', chat: e.chat }); return; }
  handleOne(e);
}
function handleOne(e) {
  switch (e.type) {
    case 'chat_updated':
      place(e.chat);
      renderLists();
      visitorChat(e.chat);
      if (S.open === e.chat.id && S.detail) { S.detail.chat = e.chat; renderChatBar(); renderSide(); markRead(); }
      break;
    case 'chat_assigned':
      onAssigned(e);
      break;
    case 'chat_hidden':
      /* Not (any more) this operator's to see: a colleague took it, or it went to another department. */
      names().forEach(function (name) { S.lists[name] = S.lists[name].filter(function (c) { return c.id !== e.chatId; }); });
      renderLists();
      if (S.open === e.chatId) openChat(e.chatId);
      break;
    case 'message_added': case 'message_updated':
      if (S.open === e.chatId && S.detail) { upsertMessage(e.message); renderLog(); markRead(); }
      /* The visitor's answer to a contact request changed their fields: the panel reads them again. */
      if (S.open === e.chatId && e.type === 'message_added' && e.message && e.message.kind === 'contacts') openChat(e.chatId);
      break;
    case 'message_deleted':
      if (S.open === e.chatId && S.detail) { S.detail.messages = S.detail.messages.filter(function (m) { return m.id !== e.messageId; }); renderLog(); }
      break;
    case 'chat_rated': case 'chat_read_by_visitor':
      if (S.open === e.chatId) openChat(e.chatId);
      break;
    case 'visitor_typing':
      if (S.open === e.chatId && ui.typing) ui.typing.textContent = e.typing ? (t('visitor') + ' ' + t('typing') + (e.draft ? ': ' + e.draft : '')) : '';
      break;
    case 'workspace_changed':
      /* The admin changed settings that shape the workspace (hidden chats, …): reload them. */
      api('GET', '/api/operator/v1/me').then(function (res) {
        if (res.status !== 200) return;
        S.ws = res.body.workspace || {};
        reloadLists();
        if (S.open) openChat(S.open);
      });
      break;
    case 'operator_status':
      S.directory.operators.forEach(function (o) { if (o.id === e.operatorId) o.status = e.status; });
      if (e.operatorId === S.me.id) { S.me.status = e.status; ui.status.value = e.status; }
      break;
    case 'visitor_new': case 'visitor_updated': case 'visitor_left':
      visitorEvent(e);
      visitorMoved(e);
      break;
  }
}
export function upsertMessage(m) {
  var list = S.detail.messages;
  for (var i = 0; i < list.length; i++) if (list[i].id === m.id) { list[i] = m; return; }
  list.push(m);
}
