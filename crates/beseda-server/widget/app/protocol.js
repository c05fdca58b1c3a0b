/* Applying the server's full updates and deltas to the state. */
import { visitorSide } from './messages.js';
import { fire, parent } from './net.js';
import { S } from './state.js';
import { banned, init } from './transport.js';
import { render } from './view.js';

export function setChat(chat) {
  S.chat = chat;
  S.messages = chat ? (chat.messages || []).slice() : [];
  S.operator = chat ? chat.operator : null;
  S.typing = chat ? !!chat.operatorTyping : false;
}
export function applyFull(f) {
  S.page = f.pageId; S.token = f.authToken; S.session = f.visitSessionId;
  S.state = f.state; S.online = f.onlineStatus; S.departments = f.departments || [];
  S.hello = f.showHelloMessage ? (f.helloMessageMarkdown || f.helloMessageDescr || '') : '';
  setChat(f.chat);
  S.survey = f.survey || null;
  parent({ type: 'beseda:session', session: f.visitSessionId });
}
export function upsert(m) {
  for (var i = 0; i < S.messages.length; i++) if (S.messages[i].id === m.id) { S.messages[i] = m; return; }
  S.messages.push(m);
}
export function apply(item) {
  var d = item.data;
  switch (item.objectType) {
    case 'CHAT': setChat(d); if (d) S.pendingQuestion = null; break;
    case 'CHAT_MESSAGE':
      if (item.event === 'del') S.messages = S.messages.filter(function (m) { return m.id !== item.id; });
      else if (d) upsert(d);
      /* A note (thanks, sent, …) belongs to its moment: the other side's next message ends it. */
      if (item.event === 'add' && d && !visitorSide(d)) S.note = null;
      break;
    case 'CHAT_OPERATOR': S.operator = d; if (S.chat) S.chat.operator = d; break;
    case 'CHAT_OPERATOR_TYPING': S.typing = !!d; break;
    case 'CHAT_STATE': if (S.chat) S.chat.state = d; break;
    case 'MESSAGE_READ': S.messages.forEach(function (m) { if (m.id === item.id) m.read = !!d; }); break;
    case 'VISIT_SESSION_STATE': S.state = d; break;
    case 'DEPARTMENT_LIST': S.departments = d || []; break;
    case 'SURVEY': S.survey = d || null; break;
    case 'TELEPORT': if (d && d.url) parent({ type: 'beseda:teleport', url: d.url }); break;
    case 'UNREAD_BY_VISITOR': parent({ type: 'beseda:unread', count: (d && d.msgCnt) || 0 }); break;
  }
}
export function handle(r) {
  if (r && r.error === 'visitor_banned') return banned();
  if (!r || r.error === 'reinit-required') return init();
  if (r.fullUpdate) applyFull(r.fullUpdate);
  else (r.deltaList || []).forEach(apply);
  if (typeof r.revision === 'number' || typeof r.revision === 'string') S.rev = +r.revision;
  render();
  readAll();
}
export function readAll() {
  if (document.hidden || !S.chat) return;
  var unread = S.messages.some(function (m) { return !visitorSide(m) && m.read === false; });
  if (!unread) return;
  S.messages.forEach(function (m) { if (!visitorSide(m)) m.read = true; });
  fire('chat.read_by_visitor', {});
}
