/* The workspace's service worker, served as /workspace/sw.js (scope /workspace/): shows the
   Web Push notifications the server sends while the workspace tab is closed, and on a click
   focuses an open workspace (which opens the chat) or opens one at the chat. A classic worker
   script with its own texts (it cannot load the workspace catalogue); payload fields are
   shown as text by the browser, never as markup. docs/deployment.md "Web Push". */
(function () {
  /** @type {any} */
  var sw = self;
  var TEXTS = {
    ru: { new_chat: 'Новый диалог', message: 'Новое сообщение', redirected: 'Вам передан диалог', chat: 'Диалог {n}' },
    en: { new_chat: 'New chat', message: 'New message', redirected: 'A chat was redirected to you', chat: 'Chat {n}' }
  };

  function texts() {
    var lang = String((sw.navigator && sw.navigator.language) || 'ru').toLowerCase();
    return lang.indexOf('ru') === 0 ? TEXTS.ru : TEXTS.en;
  }

  /** @param {any} client */
  function isWorkspace(client) {
    try { return new URL(client.url).pathname === '/workspace'; } catch (x) { return false; }
  }

  sw.addEventListener('install', function () { sw.skipWaiting(); });
  sw.addEventListener('activate', function (/** @type {any} */ event) { event.waitUntil(sw.clients.claim()); });

  sw.addEventListener('push', function (/** @type {any} */ event) {
    var data = {};
    try { data = event.data ? event.data.json() : {}; } catch (x) { data = {}; }
    var tx = texts();
    var chat = Number(data.chatId) || 0;
    var title = tx[data.type] || tx.message;
    var where = tx.chat.replace('{n}', String(chat));
    var text = typeof data.text === 'string' ? data.text.slice(0, 200) : '';
    event.waitUntil(sw.clients.matchAll({ type: 'window', includeUncontrolled: true }).then(function (/** @type {any[]} */ list) {
      // A workspace in front of the operator alerts by itself.
      if (list.some(function (c) { return isWorkspace(c) && c.focused && c.visibilityState === 'visible'; })) return null;
      return sw.registration.showNotification(title, {
        body: text ? where + ': ' + text : where,
        tag: 'beseda-chat-' + chat,
        renotify: true,
        data: { chatId: chat }
      });
    }));
  });

  sw.addEventListener('notificationclick', function (/** @type {any} */ event) {
    event.notification.close();
    var chat = Number(event.notification.data && event.notification.data.chatId) || 0;
    event.waitUntil(sw.clients.matchAll({ type: 'window', includeUncontrolled: true }).then(function (/** @type {any[]} */ list) {
      var open = list.filter(isWorkspace)[0];
      if (open) {
        open.postMessage({ type: 'beseda-open-chat', chatId: chat });
        return open.focus();
      }
      return sw.clients.openWindow(chat ? '/workspace#chat=' + chat : '/workspace');
    }));
  });
})();
