/* Beseda widget loader: adds the chat button to the host page and opens the chat (an iframe
   of the Beseda server) when asked. No framework; the chat app is loaded only when opened.
   <script src="https://chat.example.com/widget/loader.js" data-location="default" async></script> */
(function () {
  var me = /** @type {HTMLScriptElement | null} */ (document.currentScript);
  var host = /** @type {any} */ (window);
  if (!me || host.__beseda) return;
  host.__beseda = 1;
  var origin = new URL(me.src).origin;
  var loc = me.getAttribute('data-location') || 'default';
  var key = 'beseda:' + origin + ':' + loc + ':';
  var store = {
    get: function (k) { try { return localStorage.getItem(key + k); } catch (e) { return null; } },
    set: function (k, v) { try { localStorage.setItem(key + k, v); } catch (e) {} }
  };
  function hex() {
    var a = new Uint8Array(16); crypto.getRandomValues(a);
    return Array.prototype.map.call(a, function (b) { return (b + 256).toString(16).slice(1); }).join('');
  }
  var device = store.get('device') || hex();
  store.set('device', device);
  // An identified visitor (visitor-identification.md): signed fields or a token from the page.
  /** @type {Record<string, string>} */
  var ident = {};
  if (host.webim_visitor && typeof host.webim_visitor === 'object') ident['visitor-ext'] = JSON.stringify(host.webim_visitor);
  if (typeof host.webim_auth_token === 'string' && host.webim_auth_token) ident.provided_auth_token = host.webim_auth_token;
  var identText = JSON.stringify(ident);
  // Another person on this browser (log-in, log-out) starts another visit session.
  if (store.get('ident') !== identText) { try { localStorage.removeItem(key + 'session'); } catch (e) {} store.set('ident', identText); }
  var lang = 'ru', frame, button, badge;
  var words = {
    ru: { open: 'Чат с оператором', close: 'Свернуть чат' },
    en: { open: 'Chat with us', close: 'Minimise chat' }
  };
  function q(params) {
    return Object.keys(params).map(function (k) { return k + '=' + encodeURIComponent(params[k]); }).join('&');
  }

  // The visit: init (the visitor protocol) and the page the visitor is on.
  function visit(then) {
    var p = { event: 'init', since: 0, 'respond-immediately': 1, 'device-id': device, location: loc,
      platform: 'web', title: document.title || location.href };
    var session = store.get('session'), extra = JSON.parse(identText);
    if (session) p['visit-session-id'] = session;
    for (var k in extra) p[k] = extra[k];
    // Pre-chat fields the page collected (window.beseda_prechat = {"Город": "Казань"}): operators see them.
    var prechat = host.beseda_prechat;
    if (prechat && typeof prechat === 'object') { try { p['prechat-key-independent-fields'] = JSON.stringify(prechat); } catch (e) {} }
    fetch(origin + '/l/v/m/init?' + q(p)).then(function (r) { return r.json(); }).then(function (r) {
      var f = r.fullUpdate;
      if (!f) return;
      store.set('session', f.visitSessionId);
      // The page, and where the visitor came from when that was another site (operators see both).
      var visit = { action: 'page_visit', 'page-id': f.pageId, 'auth-token': f.authToken, url: location.href,
        title: document.title || '' };
      try { if (document.referrer && new URL(document.referrer).origin !== location.origin) visit.referrer = document.referrer; } catch (e) {}
      fetch(origin + '/l/v/m/action', { method: 'POST', body: new URLSearchParams(visit) });
      then(f);
    }).catch(function () {});
  }

  function toggle(open) {
    if (open && !frame) {
      frame = document.createElement('iframe');
      frame.title = words[lang].open;
      frame.src = origin + '/widget/frame?' + q({ location: loc, device: device, session: store.get('session') || '',
        lang: lang, url: location.href, title: document.title || '', ident: identText });
      frame.setAttribute('style', 'position:fixed;z-index:2147483000;right:16px;bottom:84px;width:370px;' +
        'height:min(600px,calc(100vh - 100px));max-width:calc(100vw - 32px);border:0;border-radius:12px;' +
        'box-shadow:0 8px 32px rgba(0,0,0,.25);background:#fff');
      frame.setAttribute('allow', 'clipboard-write');
      document.body.appendChild(frame);
    } else if (frame) {
      frame.style.display = open ? 'block' : 'none';
    }
    store.set('open', open ? '1' : '0');
    button.setAttribute('aria-expanded', open ? 'true' : 'false');
    button.setAttribute('aria-label', open ? words[lang].close : words[lang].open);
    if (open) badge.style.display = 'none';
  }

  function show(unread) {
    button = document.createElement('button');
    button.type = 'button';
    button.id = 'beseda-button';
    button.setAttribute('style', 'position:fixed;z-index:2147483000;right:16px;bottom:16px;width:56px;height:56px;' +
      'border-radius:50%;border:0;background:#2b6de8;color:#fff;cursor:pointer;box-shadow:0 4px 16px rgba(0,0,0,.3);' +
      'font:24px/56px sans-serif;padding:0');
    // eslint-disable-next-line no-restricted-properties -- a constant icon
    button.innerHTML = '<svg width="26" height="26" viewBox="0 0 24 24" aria-hidden="true" style="vertical-align:middle">' +
      '<path fill="currentColor" d="M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H8l-4 4V6a2 2 0 0 1 2-2z"/></svg>';
    badge = document.createElement('span');
    badge.setAttribute('style', 'position:absolute;top:-2px;right:-2px;min-width:18px;height:18px;border-radius:9px;' +
      'background:#e5383b;color:#fff;font:bold 11px/18px sans-serif;display:none');
    button.appendChild(badge);
    button.addEventListener('click', function () { toggle(!frame || frame.style.display === 'none'); });
    document.body.appendChild(button);
    var wasOpen = store.get('open') === '1';
    toggle(wasOpen);
    if (unread > 0 && !wasOpen) { badge.textContent = unread; badge.style.display = 'block'; }
  }

  // An auto-invitation next to the button, once per browser session, while there is no chat.
  function invite(inv) {
    var seen = 'beseda:invited:' + loc;
    try { if (sessionStorage.getItem(seen)) return; } catch (e) {}
    setTimeout(function () {
      if (frame && frame.style.display !== 'none') return;
      var box = document.createElement('div');
      box.id = 'beseda-invitation';
      box.setAttribute('role', 'dialog');
      box.setAttribute('style', 'position:fixed;z-index:2147483000;right:16px;bottom:84px;max-width:300px;display:flex;gap:10px;' +
        'align-items:center;background:#fff;color:#1d2230;border-radius:12px;padding:12px 30px 12px 12px;cursor:pointer;' +
        'box-shadow:0 6px 24px rgba(0,0,0,.25);font:14px/1.4 system-ui,sans-serif');
      if (inv.photo) {
        var img = document.createElement('img');
        img.src = origin + inv.photo; img.alt = '';
        img.setAttribute('style', 'width:48px;height:48px;border-radius:50%;object-fit:cover;flex:none');
        box.appendChild(img);
      }
      var text = document.createElement('span');
      text.textContent = inv.text;
      box.appendChild(text);
      var x = document.createElement('button');
      x.type = 'button'; x.textContent = '×'; x.setAttribute('aria-label', words[lang].close);
      x.setAttribute('style', 'position:absolute;top:4px;right:6px;border:0;background:none;font-size:18px;cursor:pointer;color:#888');
      box.appendChild(x);
      function done() { box.remove(); try { sessionStorage.setItem(seen, '1'); } catch (e) {} }
      x.addEventListener('click', function (e) { e.stopPropagation(); done(); });
      box.addEventListener('click', function () { done(); toggle(true); });
      document.body.appendChild(box);
    }, (inv.delaySecs || 0) * 1000);
  }

  window.addEventListener('message', function (e) {
    if (e.origin !== origin || !e.data || typeof e.data.type !== 'string') return;
    var d = e.data;
    if (d.type === 'beseda:session') store.set('session', d.session);
    else if (d.type === 'beseda:minimise') toggle(false);
    else if (d.type === 'beseda:unread' && frame && frame.style.display === 'none' && d.count > 0) {
      badge.textContent = d.count; badge.style.display = 'block';
    } else if (d.type === 'beseda:teleport') {
      // Only to another page of this site.
      try { var to = new URL(d.url, location.href); if (to.origin === location.origin) location.href = to.href; } catch (x) {}
    }
  });

  function start() {
    fetch(origin + '/api/visitor/v1/configs/' + encodeURIComponent(loc)).then(function (r) { return r.json(); })
      .then(function (c) {
        var ls = c.locationSettings || {}, ac = c.accountConfig || {};
        lang = ls.lang === 'en' ? 'en' : 'ru';
        // Button probability: decided once per visitor.
        var lucky = store.get('lucky');
        if (lucky === null) {
          var p = ac.visitor_enabling_probability == null ? 100 : ac.visitor_enabling_probability;
          lucky = Math.random() * 100 < p ? '1' : '0';
          store.set('lucky', lucky);
        }
        visit(function (f) {
          var chatting = f.chat && f.chat.state !== 'closed';
          // An open conversation always keeps its button; otherwise probability and queue limits decide.
          if (chatting || (lucky === '1' && !ls.buttonHidden)) {
            show(f.chat ? f.chat.unreadByVisitorMsgCnt || 0 : 0);
            if (!chatting && ls.invitation) invite(ls.invitation);
          }
        });
      }).catch(function () {});
  }
  if (document.body) start(); else document.addEventListener('DOMContentLoaded', start);
})();
