/* The connection: init, then a WebSocket (long-poll when sockets fail), with backoff and resume. */
import { root } from './layout.js';
import { fire } from './net.js';
import { DEVICE, HOST_URL, IDENT, LOC, TITLE } from './params.js';
import { applyFull, handle } from './protocol.js';
import { flush } from './send.js';
import { S } from './state.js';
import { render } from './view.js';

export var generation = 0, failures = 0, longPoll = false, socket = null;
export function backoff() { return Math.min(10000, 500 * Math.pow(2, Math.min(failures, 5))) * (0.75 + Math.random() / 2); }
export function init() {
  var p = new URLSearchParams({ event: 'init', since: '0', 'respond-immediately': '1', 'device-id': DEVICE, location: LOC, platform: 'web', title: TITLE });
  if (S.session) p.set('visit-session-id', S.session);
  Object.keys(IDENT).forEach(function (k) { if (typeof IDENT[k] === 'string') p.set(k, IDENT[k]); });
  return fetch('/l/v/m/init?' + p).then(function (r) { return r.json(); }).then(function (r) {
    if (r.error === 'visitor_banned') return banned();
    if (!r.fullUpdate) throw new Error(r.error || 'init failed');
    failures = 0;
    applyFull(r.fullUpdate); S.rev = +r.revision;
    root.setAttribute('data-ready', '1');
    if (HOST_URL) fire('page_visit', { url: HOST_URL });
    render();
    connect();
    flush();
  }).catch(function () { failures++; return new Promise(function (ok) { setTimeout(ok, backoff()); }).then(init); });
}
export function connect() {
  var mine = ++generation;
  if (socket) { try { socket.close(); } catch (e) {} socket = null; }
  if (longPoll || !window.WebSocket) return poll(mine);
  var opened = false, ws = new WebSocket((location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host +
    '/l/v/m/ws?' + new URLSearchParams({ 'page-id': S.page, 'auth-token': S.token, since: String(S.rev) }));
  socket = ws;
  ws.onopen = function () { opened = true; failures = 0; flush(); };
  ws.onmessage = function (e) { if (mine === generation) handle(JSON.parse(e.data)); };
  ws.onclose = function (e) {
    if (mine !== generation) return;
    if (e.code === 4001) return init();
    if (e.code === 4003) return banned();
    failures++;
    if (!opened && failures >= 3) longPoll = true;
    setTimeout(function () { if (mine === generation) connect(); }, backoff());
  };
}
export function poll(mine) {
  if (mine !== generation) return;
  fetch('/l/v/m/delta?' + new URLSearchParams({ since: String(S.rev), 'page-id': S.page, 'auth-token': S.token, ts: String(Date.now()) }))
    .then(function (r) { return r.json(); })
    .then(function (r) {
      if (mine !== generation) return;
      failures = 0;
      if (r.error === 'reinit-required') return init();
      if (r.error === 'visitor_banned') return banned();
      handle(r); flush(); poll(mine);
    })
    .catch(function () { failures++; setTimeout(function () { poll(mine); }, backoff()); });
}
/* The visitor is blocked (Webim's visitor_banned): say so and stop; nothing can be sent. */
export function banned() {
  if (S.banned) return;
  S.banned = true; S.outbox = [];
  ++generation;
  if (socket) { try { socket.close(); } catch (e) {} socket = null; }
  root.setAttribute('data-ready', '1');
  root.setAttribute('data-banned', '1');
  render();
}
