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
      // A blocked visitor still gets the button: the chat window says why it cannot be used.
      if (r.error === 'visitor_banned') { then(null); return; }
      if (!f) return;
      store.set('session', f.visitSessionId);
      // The page, and where the visitor came from when that was another site (operators see both).
      var visit = { action: 'page_visit', 'page-id': f.pageId, 'auth-token': f.authToken, url: location.href,
        title: document.title || '' };
      try { if (document.referrer && new URL(document.referrer).origin !== location.origin) visit.referrer = document.referrer; } catch (e) {}
      fetch(origin + '/l/v/m/action', { method: 'POST', body: new URLSearchParams(visit) });
      then(f, r.revision);
    }).catch(function () {});
  }

  // While the visitor is on the page, a socket keeps the visit on the site (operators see it
  // in their list) and brings an operator's invitation to chat.
  var watching = null, failures = 0;
  function watch(f, revision) {
    var since = +revision || 0, ws;
    try {
      ws = new WebSocket(origin.replace(/^http/, 'ws') + '/l/v/m/ws?' + q({ 'page-id': f.pageId, 'auth-token': f.authToken, since: since }));
    } catch (e) { return; }
    watching = ws;
    ws.onopen = function () { failures = 0; };
    ws.onmessage = function (e) {
      var r; try { r = JSON.parse(e.data); } catch (x) { return; }
      if (r.revision != null) since = +r.revision;
      if (r.fullUpdate && r.fullUpdate.chat && r.fullUpdate.chat.state === 'invitation') invited(r.fullUpdate.chat);
      (r.deltaList || []).forEach(function (item) {
        if (item.objectType === 'CHAT' && item.data && item.data.state === 'invitation') invited(item.data);
      });
    };
    ws.onclose = function (e) {
      if (watching !== ws || e.code === 4003) return;
      failures++;
      var wait = Math.min(30000, 1000 * Math.pow(2, Math.min(failures, 5)));
      // 4001: the page expired; a new visit gives new credentials.
      setTimeout(function () {
        if (e.code === 4001) visit(function (g, rev) { if (g) watch(g, rev); }); else watch(f, since);
      }, wait);
    };
  }

  function picture(path) {
    if (!path) return null;
    return /^https?:\/\//.test(path) ? path : origin + path;
  }

  // An operator invites the visitor: their name, photo and text next to the button.
  function invited(chat) {
    if (frame && frame.style.display !== 'none') return;
    if (!button) show(0);
    var op = chat.operator || {};
    var first = (chat.messages || []).filter(function (m) { return m.kind === 'operator'; })[0];
    var old = document.getElementById('beseda-invitation');
    if (old) old.remove();
    bubble(picture(op.avatar), op.fullname || '', first ? first.text : '', function () {});
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
    if (open) { badge.style.display = 'none'; var inv = document.getElementById('beseda-invitation'); if (inv) inv.remove(); }
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
      bubble(inv.photo ? origin + inv.photo : null, '', inv.text, function () {
        try { sessionStorage.setItem(seen, '1'); } catch (e) {}
      });
    }, (inv.delaySecs || 0) * 1000);
  }

  // The invitation box: photo, name and text (all as text); a click opens the chat.
  function bubble(photo, name, message, onDone) {
    if (document.getElementById('beseda-invitation')) return;
    var box = document.createElement('div');
    box.id = 'beseda-invitation';
    box.setAttribute('role', 'dialog');
    box.setAttribute('aria-label', name || message);
    box.tabIndex = 0;
    box.setAttribute('style', 'position:fixed;z-index:2147483000;right:16px;bottom:84px;max-width:300px;display:flex;gap:10px;' +
      'align-items:center;background:#fff;color:#1d2230;border-radius:12px;padding:12px 30px 12px 12px;cursor:pointer;' +
      'box-shadow:0 6px 24px rgba(0,0,0,.25);font:14px/1.4 system-ui,sans-serif');
    if (photo) {
      var img = document.createElement('img');
      img.src = photo; img.alt = '';
      img.setAttribute('style', 'width:48px;height:48px;border-radius:50%;object-fit:cover;flex:none');
      box.appendChild(img);
    }
    var text = document.createElement('span');
    if (name) {
      var who = document.createElement('b');
      who.textContent = name;
      who.setAttribute('style', 'display:block');
      text.appendChild(who);
    }
    var said = document.createElement('span');
    said.textContent = message;
    text.appendChild(said);
    box.appendChild(text);
    // The operator's Markdown, drawn by the chat's own renderer once it has loaded (the text
    // stays as it is when the page does not let it load).
    import(origin + '/assets/{widget-hash}/common/markdown.js').then(function (md) {
      said.textContent = '';
      said.appendChild(md.markdown(message));
      if (!name) box.setAttribute('aria-label', said.textContent || '');
    }).catch(function () {});
    var x = document.createElement('button');
    x.type = 'button'; x.textContent = '×'; x.setAttribute('aria-label', words[lang].close);
    x.setAttribute('style', 'position:absolute;top:4px;right:6px;border:0;background:none;font-size:18px;cursor:pointer;color:#888');
    box.appendChild(x);
    function done() { box.remove(); onDone(); }
    x.addEventListener('click', function (e) { e.stopPropagation(); done(); });
    box.addEventListener('click', function () { done(); toggle(true); });
    box.addEventListener('keydown', function (e) { if (e.key === 'Enter') { done(); toggle(true); } });
    document.body.appendChild(box);
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
        visit(function (f, revision) {
          if (!f) { show(0); return; }
          var chatting = f.chat && f.chat.state !== 'closed';
          // An open conversation always keeps its button; otherwise probability and queue limits decide.
          if (chatting || (lucky === '1' && !ls.buttonHidden)) {
            show(f.chat ? f.chat.unreadByVisitorMsgCnt || 0 : 0);
            if (!chatting && ls.invitation) invite(ls.invitation);
          }
          if (f.chat && f.chat.state === 'invitation') invited(f.chat);
          watch(f, revision);
        });
      }).catch(function () {});
  }
  if (document.body) start(); else document.addEventListener('DOMContentLoaded', start);
})();
