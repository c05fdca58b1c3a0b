/* One message as a bubble: text, operator Markdown, files (signed download links), keyboards. */
import { el } from '../../common/dom.js';
import { markdown } from '../../common/markdown.js';
import { post } from './net.js';
import { hex } from './params.js';
import { S } from './state.js';
import { english, t } from './texts.js';

export function fileDesc(m) {
  try { var d = JSON.parse(m.text); return Array.isArray(d) ? d : [d]; } catch (e) { return []; }
}
export function download(desc) {
  var expires = Math.floor(Date.now() / 1000) + 300, enc = new TextEncoder();
  return crypto.subtle.importKey('raw', enc.encode(S.token), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign'])
    .then(function (k) { return crypto.subtle.sign('HMAC', k, enc.encode(desc.guid + expires)); })
    .then(function (sig) {
      return '/l/v/m/download/' + desc.guid + '/' + encodeURIComponent(desc.filename) + '?page-id=' + S.page +
        '&expires=' + expires + '&hash=' + hex(sig);
    });
}
/** A file's size for people: bytes below 1 KB, then KB, then MB, in the window's language. @param {number} bytes */
export function fileSize(bytes) {
  var n = Math.max(0, Number(bytes) || 0), kb = Math.max(1, Math.round(n / 1024));
  if (n < 1024) return t.bytes.replace('{n}', String(n));
  if (kb < 1024) return t.kb.replace('{n}', String(kb));
  var mb = (n / 1024 / 1024).toFixed(1);
  return t.mb.replace('{n}', english() ? mb : mb.replace('.', ','));
}
/** Types the widget shows as thumbnails: raster images only, never SVG. */
var RASTER = /^image\/(png|jpeg|gif|webp)$/;
export function visitorSide(m) { return /^(visitor|file_visitor|keyboard_response|contacts|sticker_visitor)$/.test(m.kind); }
export function bubble(m) {
  var kind = m.kind, mine = visitorSide(m);
  if (kind === 'for_operator') return null;
  if (kind === 'info' || kind === 'operator_busy') return el('div', { class: 'b-msg ' + (kind === 'info' ? 'b-system' : 'b-busy'), text: m.text });
  if (kind === 'keyboard') return keyboard(m);
  var b = el('div', { class: 'b-msg ' + (mine ? 'b-visitor' : 'b-operator') });
  if (!mine && m.name) b.appendChild(el('div', { class: 'b-name', text: m.name }));
  if (kind === 'file_visitor' || kind === 'file_operator') {
    fileDesc(m).forEach(function (d) {
      var a = el('a', { class: 'b-file', text: d.filename + ' (' + fileSize(d.size) + ')' });
      a.href = '#'; a.target = '_blank'; a.rel = 'noopener';
      download(d).then(function (u) {
        a.href = u;
        if (RASTER.test(d.content_type || '')) { var img = el('img'); img.alt = d.filename; img.src = u; a.insertBefore(img, a.firstChild); }
      });
      b.appendChild(a);
    });
  } else if (m.data && typeof m.data.markdown === 'string') {
    var body = el('div'); body.appendChild(markdown(m.data.markdown)); b.appendChild(body);
  } else {
    b.appendChild(kind === 'operator' ? markdown(m.text || '') : document.createTextNode(m.text));
  }
  var meta = el('small', { text: time(m) + (mine && m.read ? ' · ' + t.read : '') });
  b.appendChild(meta);
  return b;
}
export function keyboard(m) {
  var data = m.data || {}, box = el('div', { class: 'b-kb' }), done = data.state && data.state !== 'pending';
  (data.buttons || []).forEach(function (row) {
    var line = el('div');
    row.forEach(function (btn) {
      var cfg = btn.config || {}, link = cfg.link && /^https?:\/\//.test(cfg.link) ? cfg.link : null;
      if (link) { line.appendChild(el('a', { href: link, target: '_blank', rel: 'noopener noreferrer', class: 'b-link', text: btn.text })); return; }
      var b = el('button', { text: btn.text });
      b.type = 'button';
      b.disabled = !!done || cfg.active === false;
      if (cfg.state === 'showing_selected') b.className = 'b-chosen';
      b.addEventListener('click', function () {
        var all = box.querySelectorAll('button');
        Array.prototype.forEach.call(all, function (x) { x.disabled = true; });
        b.className = 'b-chosen';
        post('chat.keyboard_response', { 'button-id': btn.id, 'request-message-id': m.id }).catch(function () {
          Array.prototype.forEach.call(all, function (x) { x.disabled = false; });
          b.className = '';
        });
      });
      line.appendChild(b);
    });
    box.appendChild(line);
  });
  return box;
}
export function time(m) {
  var d = new Date((m.ts || Date.now() / 1000) * 1000);
  return d.toLocaleTimeString(english() ? 'en-GB' : 'ru-RU', { hour: '2-digit', minute: '2-digit' });
}
