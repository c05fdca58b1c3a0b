/* The visitor context in the side panel: browser and device, address, where the visitor came
   from and the pages of this visit, time on site and visits, pre-chat fields and the visitor's
   earlier chats (opened read-only). Every value is the visitor's or their browser's: text only,
   links only to http(s) addresses (safeLink). */
import { fill, t } from '../lib/i18n.js';
import { time } from '../lib/time.js';
import { openChat } from './chat.js';
import { showChat } from './readonly.js';
import { safeLink } from './side.js';
import { S } from './state.js';
import { el } from '../../common/dom.js';

/** `12 мин`, `1 ч 5 мин`, `40 с`. @param {number} secs */
export function duration(secs) {
  if (secs < 60) return fill(t('secs'), { n: secs });
  var m = Math.floor(secs / 60), h = Math.floor(m / 60);
  return h ? fill(t('hoursMins'), { h: h, m: m % 60 }) : fill(t('mins'), { n: m });
}

/** @param {HTMLElement} dl @param {string} label @param {string} test @param {Node | string} value */
function row(dl, label, test, value) {
  dl.appendChild(el('dt', { text: label }));
  dl.appendChild(el('dd', { 'data-test': test }, [value]));
}

/** Appends what `ctx` (the chat detail's visitorContext) tells to the panel's list `dl`. */
export function renderContext(dl, ctx) {
  if (!ctx) return;
  if (ctx.identified) row(dl, t('identified'), 'ctx-identified', t('identifiedYes'));
  var browser = [ctx.browser && [ctx.browser, ctx.browserVersion].filter(Boolean).join(' '),
    ctx.os && [ctx.os, ctx.osVersion].filter(Boolean).join(' '), ctx.device && t('device.' + ctx.device)].filter(Boolean).join(' · ');
  if (browser || ctx.userAgent) {
    var b = el('span', { title: ctx.userAgent || '', text: browser || ctx.userAgent });
    row(dl, t('browser'), 'ctx-browser', b);
  }
  if (ctx.address) row(dl, t('address'), 'ctx-address', ctx.address);
  if (ctx.location) row(dl, t('appLocation'), 'ctx-location', ctx.location.latitude.toFixed(6) + ', ' + ctx.location.longitude.toFixed(6));
  if (ctx.referrer) row(dl, t('referrer'), 'ctx-referrer', safeLink(ctx.referrer, ctx.referrer, 'ctx-referrer-link'));
  if (ctx.timeOnSiteSecs != null) row(dl, t('timeOnSite'), 'ctx-time', duration(ctx.timeOnSiteSecs));
  row(dl, t('visits'), 'ctx-visits', String(ctx.visits));
  var prechat = Object.keys(ctx.prechat || {});
  if (prechat.length) {
    var pre = el('dl', { class: 'w-ctx-pairs' });
    prechat.forEach(function (k) { pre.appendChild(el('dt', { text: k })); pre.appendChild(el('dd', { text: ctx.prechat[k] })); });
    row(dl, t('prechat'), 'ctx-prechat', pre);
  }
  if (ctx.pages && ctx.pages.length) {
    var pages = el('ol', { class: 'w-ctx-list' }, ctx.pages.slice().reverse().map(function (p) {
      return el('li', {}, [el('time', { text: time(p.ts) + ' ' }), safeLink(p.url, p.title || p.url, 'ctx-page')]);
    }));
    row(dl, fill(t('pagesVisited'), { n: ctx.pages.length }), 'ctx-pages', pages);
  }
  if (ctx.previousChats && ctx.previousChats.length) {
    var chats = el('ul', { class: 'w-ctx-list' }, ctx.previousChats.map(function (c) {
      var label = '№' + c.id + ' · ' + time(c.creationTs) + (c.operator ? ' · ' + c.operator : '') +
        (c.firstMessage ? ' — ' + c.firstMessage : '');
      return el('li', {}, [el('button', { type: 'button', class: 'c-link w-ctx-chat', 'data-test': 'ctx-previous-chat',
        'data-id': c.id, text: label, onclick: function () { showChat(c.id); } })]);
    }));
    row(dl, t('previousChats'), 'ctx-previous', chats);
  }
}

/** The open chat's visitor moved to another page (`visitor_updated`): the panel reads the
 * context again. @param {any} e */
export function visitorMoved(e) {
  if (e.type === 'visitor_updated' && e.visitor && S.detail && S.open != null && e.visitor.id === S.detail.chat.visitorId) {
    openChat(S.open);
  }
}
