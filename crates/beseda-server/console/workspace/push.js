/* Notifications when the tab is closed (Web Push): the operator's opt-in toggle, which
   registers the service worker (/workspace/sw.js), subscribes this browser with the server's
   VAPID key and hands the subscription to the server (or takes it back); and the way back in:
   a click on a notification opens its chat. docs/deployment.md "Web Push". */
import { api, message } from '../lib/api.js';
import { t } from '../lib/i18n.js';
import { openChat } from './chat.js';
import { el } from '../../common/dom.js';

const SCOPE = '/workspace/';

/** The VAPID public key (base64url) as the bytes `applicationServerKey` takes. @param {string} b64 */
function keyBytes(b64) {
  var raw = atob(b64.replace(/-/g, '+').replace(/_/g, '/') + '==='.slice((b64.length + 3) % 4));
  var out = new Uint8Array(raw.length);
  for (var i = 0; i < raw.length; i++) out[i] = raw.charCodeAt(i);
  return out;
}

/* The registration once its worker is active (the page is outside the worker's scope, so
   serviceWorker.ready would never resolve here). @param {ServiceWorkerRegistration} reg
   @returns {Promise<ServiceWorkerRegistration>} */
function activated(reg) {
  return new Promise(function (ok) {
    var worker = reg.installing || reg.waiting;
    if (reg.active || !worker) { ok(reg); return; }
    worker.addEventListener('statechange', function () { if (worker.state === 'activated') ok(reg); });
  });
}

function supported() {
  return 'serviceWorker' in navigator && 'PushManager' in window && 'Notification' in window;
}

/** This browser's subscription, if it has one. @returns {Promise<PushSubscription | null>} */
function current() {
  return navigator.serviceWorker.getRegistration(SCOPE).then(function (reg) {
    return reg ? reg.pushManager.getSubscription() : null;
  });
}

/* Opens the chat a notification named: in the URL (#chat=N, a new tab) or by a message from
   the service worker (an open tab brought to the front). */
function followNotifications() {
  var m = /^#chat=(\d+)$/.exec(location.hash);
  if (m) {
    history.replaceState(null, '', location.pathname + location.search);
    openChat(Number(m[1]));
  }
  if ('serviceWorker' in navigator) {
    navigator.serviceWorker.addEventListener('message', function (e) {
      if (e.data && e.data.type === 'beseda-open-chat' && e.data.chatId) openChat(Number(e.data.chatId));
    });
  }
}

/** The toggle for the page header: a labelled checkbox and a live status line. */
export function pushToggle() {
  var box = el('input', { type: 'checkbox', 'data-test': 'push-toggle', disabled: true });
  var note = el('span', { class: 'c-me', role: 'status', 'aria-live': 'polite', 'data-test': 'push-status' });
  var label = el('label', { class: 'c-me', title: t('pushHint') }, [box, ' ' + t('pushToggle')]);
  /** @param {string} text */
  function say(text) { note.textContent = text ? ' ' + text : ''; }

  function on() {
    if (Notification.permission === 'denied') return Promise.reject(new Error(t('pushDenied')));
    return Notification.requestPermission().then(function (p) {
      if (p !== 'granted') throw new Error(t('pushDenied'));
      return navigator.serviceWorker.register('/workspace/sw.js', { scope: SCOPE });
    }).then(function (reg) {
      return Promise.all([activated(reg), api('GET', '/api/operator/v1/push/key')]);
    }).then(function (r) {
      if (r[1].status !== 200) throw new Error(message(r[1]));
      return r[0].pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: keyBytes(r[1].body.publicKey) });
    }).then(function (sub) {
      return api('PUT', '/api/operator/v1/push/subscription', sub.toJSON()).then(function (res) {
        if (res.status === 200) return;
        sub.unsubscribe();
        throw new Error(message(res));
      });
    });
  }

  function off() {
    return current().then(function (sub) {
      // This browser only: the operator's other browsers keep theirs.
      if (!sub) return undefined;
      return api('DELETE', '/api/operator/v1/push/subscription', { endpoint: sub.endpoint }).then(function () {
        return sub.unsubscribe();
      }).then(function () {});
    });
  }

  box.addEventListener('change', function () {
    var want = box.checked;
    box.disabled = true;
    say(t('pushWorking'));
    (want ? on() : off()).then(function () {
      box.checked = want;
      say(want ? t('pushOn') : '');
    }, function (e) {
      box.checked = !want;
      say(t('pushFailed') + ' ' + ((e && e.message) || ''));
    }).then(function () { box.disabled = false; });
  });

  followNotifications();
  if (!supported()) {
    label.title = t('pushUnsupported');
    return el('span', {}, [label, note]);
  }
  // On when this browser has a subscription the server still knows (a 410 may have ended it).
  Promise.all([current(), api('GET', '/api/operator/v1/push/subscription')]).then(function (r) {
    var known = r[1].status === 200 ? r[1].body.subscriptions.map(function (/** @type {any} */ s) { return s.endpoint; }) : [];
    box.checked = !!r[0] && known.indexOf(r[0].endpoint) >= 0;
  }, function () {}).then(function () { box.disabled = false; });
  return el('span', {}, [label, note]);
}
