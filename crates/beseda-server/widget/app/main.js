/* Beseda chat app: runs in the widget's iframe on the Beseda server and speaks the visitor
   protocol (/l/v/m): init, a WebSocket for events (long-poll when sockets fail), actions over
   HTTP. Every visitor and operator string is put into the page as text; operators' Markdown is
   rendered by common/markdown.js into nodes (never HTML). This module wires the page up; the
   areas live in their own modules (see the imports). */
import { fileInput, fileLabel, menu, menuBtn, minBtn, sendBtn, text } from './layout.js';
import { contactsRequestOf } from './contacts.js';
import { parent, post } from './net.js';
import { LOC, P, id } from './params.js';
import { readAll } from './protocol.js';
import { onTyping, send } from './send.js';
import { S } from './state.js';
import { speakEnglish, t } from './texts.js';
import { init } from './transport.js';
import { menuItems, render, toggleMenu } from './view.js';

text.addEventListener('input', onTyping);
text.addEventListener('keydown', function (e) {
  if (e.key === 'Enter' && !e.shiftKey) { e.preventDefault(); send(); }
});
sendBtn.addEventListener('click', send);
fileInput.addEventListener('change', function () {
  var f = fileInput.files[0];
  if (!f) return;
  fileInput.value = '';
  post('upload', { 'chat-mode': 'online', 'client-side-id': id() }, f).then(function (r) {
    if (r.error) { S.note = t.errors[r.error] || r.error; render(); }
  }).catch(function () { S.note = t.retry; render(); });
});
fileLabel.addEventListener('keydown', function (e) { if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); fileInput.click(); } });
menuBtn.addEventListener('click', function () { if (menu.hidden) { menuItems(); toggleMenu(true); } else toggleMenu(false); });
minBtn.addEventListener('click', function () { parent({ type: 'beseda:minimise' }); });
document.addEventListener('keydown', function (e) { if (e.key === 'Escape') parent({ type: 'beseda:minimise' }); });
document.addEventListener('visibilitychange', readAll);

fetch('/api/visitor/v1/configs/' + encodeURIComponent(LOC)).then(function (r) { return r.json(); }).then(function (c) {
  var ls = c.locationSettings || {};
  S.config = Object.assign({}, c.accountConfig || {},
    { title: ls.title, sendChatHistory: ls.sendChatHistory, departmentChoice: ls.departmentChoice,
      contactsRequest: contactsRequestOf(c) });
  if (!P.get('lang') && ls.lang === 'en') speakEnglish();
}).catch(function () {}).then(init);
