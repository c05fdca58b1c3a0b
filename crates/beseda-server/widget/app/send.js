/* Sending: the outbox (in order, each once by its client-side id), starting a chat, the visitor's
   typing. */
import { text } from './layout.js';
import { post } from './net.js';
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
/* The visitor's typing, with the draft: sent at once on the first key, then at most every 2 s,
   with a trailing update, so operators see the whole draft within 2 s of the last key. The
   draft is withdrawn when the input is emptied or the message sent, and after 30 s without a
   key (the visitor is away). The updates go one after another, so a late one never overtakes
   the withdrawal. */
var THROTTLE = 2000, IDLE = 30000;
var typingSent = 0, typingShown = false, trailing = null, idle = null, typingChain = Promise.resolve();
function typing(fields) {
  typingChain = typingChain.then(function () { return post('chat.visitor_typing', fields); }).catch(function () {});
}
function sendDraft() {
  clearTimeout(trailing); trailing = null;
  if (!S.chat || !text.value.trim()) return;
  typingSent = Date.now(); typingShown = true;
  typing({ typing: 1, 'message-draft': text.value });
}
export function stopTyping() {
  clearTimeout(trailing); clearTimeout(idle); trailing = null;
  if (typingShown && S.chat) typing({ typing: 0, 'del-message-draft': 1 });
  typingShown = false; typingSent = 0;
}
export function onTyping() {
  if (!S.chat) return;
  if (!text.value.trim()) { stopTyping(); return; }
  var wait = typingSent + THROTTLE - Date.now();
  if (wait <= 0) sendDraft();
  else if (!trailing) trailing = setTimeout(sendDraft, wait);
  clearTimeout(idle); idle = setTimeout(stopTyping, IDLE);
}
