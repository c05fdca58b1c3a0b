/* Sending: the outbox (in order, each once by its client-side id), starting a chat, the visitor's
   typing. */
import { text } from './layout.js';
import { fire, post } from './net.js';
import { id } from './params.js';
import { S } from './state.js';
import { t } from './texts.js';
import { backoff } from './transport.js';
import { render } from './view.js';

var flushing = false;
/* Sends queued messages in order; each keeps its client-side id, so a retry after a network
   error or a restart is applied once. */
export function flush() {
  if (flushing || !S.outbox.length || !S.page) return;
  var o = S.outbox[0];
  flushing = true;
  var fields = { 'client-side-id': o.csid };
  var action = 'chat.message';
  if (o.department || S.state === 'first-question') {
    action = 'chat.start';
    fields['first-question'] = o.text; fields['force-start'] = 1;
    if (o.department) fields['department-key'] = o.department;
  } else fields.message = o.text;
  post(action, fields).then(function (r) {
    flushing = false;
    if (r.error && /exceeded|empty|not_allowed|banned/.test(r.error)) {
      S.outbox.shift(); S.note = t.errors[r.error] || r.error; render(); return flush();
    }
    if (r.error) throw new Error(r.error);
    S.outbox.shift();
    // Without a chat the message may wait for a department choice (VISIT_SESSION_STATE).
    if (!S.chat) S.pendingQuestion = o;
    render(); flush();
  }).catch(function () {
    flushing = false; o.failed = true; render();
    setTimeout(flush, backoff());
  });
}
export function startWith(department) {
  var q = S.pendingQuestion || { csid: id(), text: text.value.trim() };
  S.pendingQuestion = null;
  if (!q.text) { S.state = 'idle'; render(); return; }
  q.department = department; text.value = '';
  S.outbox.push(q); S.state = 'chat'; render(); flush();
}
export function send() {
  var value = text.value.trim();
  if (!value) return;
  text.value = '';
  // A required department is chosen before the first message starts the chat.
  if ((!S.chat || S.chat.state === 'closed') && S.config.departmentChoice && S.departments.length > 1) {
    S.pendingQuestion = { csid: id(), text: value };
    S.state = 'department-selection';
    render();
    return;
  }
  S.outbox.push({ csid: id(), text: value });
  S.note = null;
  stopTyping(); render(); flush();
}
var typingSent = 0, typingTimer = null;
export function stopTyping() {
  clearTimeout(typingTimer);
  if (typingSent && S.chat) fire('chat.visitor_typing', { typing: 0, 'del-message-draft': 1 });
  typingSent = 0;
}
/* The visitor's typing, with the draft, at most every 2 s; stopped 4 s after the last key. */
export function onTyping() {
  if (!S.chat) return;
  if (Date.now() - typingSent > 2000) { typingSent = Date.now(); fire('chat.visitor_typing', { typing: 1, 'message-draft': text.value }); }
  clearTimeout(typingTimer); typingTimer = setTimeout(stopTyping, 4000);
}
