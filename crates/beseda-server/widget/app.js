/* Beseda chat app: runs in the widget's iframe on the Beseda server and speaks the visitor
   protocol (/l/v/m): init, a WebSocket for events (long-poll when sockets fail), actions over
   HTTP. Every visitor and operator string is put into the page as text; only the operator's
   Markdown is rendered, from escaped text, with http(s) links only. */
(function () {
  'use strict';
  var P = new URLSearchParams(location.search);
  var LOC = P.get('location') || 'default';
  var DEVICE = P.get('device') || hex(crypto.getRandomValues(new Uint8Array(16)));
  var HOST_URL = P.get('url') || '';
  var TITLE = P.get('title') || HOST_URL || 'chat';
  var IDENT = {};
  try { IDENT = JSON.parse(P.get('ident') || '{}') || {}; } catch (e) {}
  var TEXTS = {
    ru: {
      title: 'Чат с оператором', online: 'Мы на связи', offline: 'Сейчас никого нет', busy: 'Все операторы заняты',
      placeholder: 'Напишите сообщение…', first: 'Задайте ваш вопрос…', send: 'Отправить', attach: 'Прикрепить файл',
      typing: 'печатает…', menu: 'Меню', minimise: 'Свернуть', close: 'Завершить чат', rate: 'Оценить',
      history: 'Отправить диалог на e-mail', email: 'Ваш e-mail', name: 'Ваше имя', message: 'Сообщение',
      offlineIntro: 'Сейчас никого нет в сети. Оставьте сообщение — мы ответим на e-mail.',
      offlineSent: 'Сообщение отправлено. Мы ответим, как только сможем.', cantWrite: 'Сейчас нельзя оставить сообщение. Попробуйте позже.',
      pick: 'Выберите отдел:', closed: 'Чат завершён.', newChat: 'Напишите, чтобы начать новый чат.',
      thanks: 'Спасибо за оценку!', sent: 'Диалог отправлен на e-mail.', cancel: 'Отмена', read: 'прочитано',
      retry: 'не отправлено — повтор…', file: 'Файл', operator: 'Оператор', stars: 'Оценка {n} из 5',
      errors: { 'max_file_size_exceeded': 'Файл слишком большой.', 'not_allowed_file_type': 'Такой тип файла нельзя отправить.',
        'not_allowed_mime_type': 'Такой тип файла нельзя отправить.', 'not_matching_magic_numbers': 'Содержимое файла не совпадает с его типом.',
        'max-message-length-exceeded': 'Сообщение слишком длинное.', 'chat-history-sent-too-many-times': 'Слишком много отправок, попробуйте позже.',
        'wrong-argument-value': 'Проверьте введённые данные.',
        'visitor_banned': 'Доступ к чату для вас ограничен. Начать новый диалог сейчас нельзя.' }
    },
    en: {
      title: 'Chat with us', online: 'We are online', offline: 'Nobody is online', busy: 'All operators are busy',
      placeholder: 'Type a message…', first: 'Ask your question…', send: 'Send', attach: 'Attach a file',
      typing: 'is typing…', menu: 'Menu', minimise: 'Minimise', close: 'End chat', rate: 'Rate',
      history: 'Send the chat to my e-mail', email: 'Your e-mail', name: 'Your name', message: 'Message',
      offlineIntro: 'Nobody is online now. Leave a message and we will answer by e-mail.',
      offlineSent: 'Message sent. We will answer as soon as we can.', cantWrite: 'Messages cannot be left right now. Please try later.',
      pick: 'Choose a department:', closed: 'The chat has ended.', newChat: 'Write to start a new chat.',
      thanks: 'Thank you for the rating!', sent: 'The chat was sent to your e-mail.', cancel: 'Cancel', read: 'read',
      retry: 'not sent — retrying…', file: 'File', operator: 'Operator', stars: 'Rating {n} of 5',
      errors: { 'max_file_size_exceeded': 'The file is too large.', 'not_allowed_file_type': 'This type of file cannot be sent.',
        'not_allowed_mime_type': 'This type of file cannot be sent.', 'not_matching_magic_numbers': 'The file does not match its type.',
        'max-message-length-exceeded': 'The message is too long.', 'chat-history-sent-too-many-times': 'Too many requests, try later.',
        'wrong-argument-value': 'Please check what you entered.',
        'visitor_banned': 'Your access to the chat has been restricted. You cannot start a chat now.' }
    }
  };
  var t = TEXTS[P.get('lang') === 'en' ? 'en' : 'ru'];

  var S = {
    session: P.get('session') || '', page: null, token: null, rev: 0, chat: null, operator: null,
    state: 'idle', online: 'online', departments: [], hello: '', config: {}, typing: false,
    messages: [], outbox: [], pendingQuestion: null, note: null, banned: false
  };

  // ------------------------------------------------------------------ helpers
  function hex(bytes) {
    return Array.prototype.map.call(new Uint8Array(bytes), function (b) { return (b + 256).toString(16).slice(1); }).join('');
  }
  function id() { return hex(crypto.getRandomValues(new Uint8Array(16))); }
  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text != null) e.textContent = text;
    return e;
  }
  function esc(s) {
    return String(s).replace(/[&<>"']/g, function (c) {
      return { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c];
    });
  }
  /* Safe Markdown: escape everything, then bold, italics, code and http(s) links. */
  function markdown(src) {
    return esc(src)
      .replace(/\[([^\]\n]+)\]\((https?:\/\/[^\s)]+)\)/g, '<a href="$2" target="_blank" rel="noopener noreferrer nofollow">$1</a>')
      .replace(/\*\*([^*\n]+)\*\*/g, '<b>$1</b>')
      .replace(/(^|[^*\w])\*([^*\n]+)\*/g, '$1<i>$2</i>')
      .replace(/`([^`\n]+)`/g, '<code>$1</code>');
  }
  function time(m) {
    var d = new Date((m.ts || Date.now() / 1000) * 1000);
    return d.toLocaleTimeString(t === TEXTS.en ? 'en-GB' : 'ru-RU', { hour: '2-digit', minute: '2-digit' });
  }
  function post(action, fields, file) {
    var body = file ? new FormData() : new URLSearchParams();
    body.append('action', action);
    body.append('page-id', S.page);
    body.append('auth-token', S.token);
    Object.keys(fields || {}).forEach(function (k) { body.append(k, fields[k]); });
    if (file) /** @type {FormData} */ (body).append('webim_upload_file', file, file.name);
    return fetch(file ? '/l/v/m/upload' : '/l/v/m/action', { method: 'POST', body: body }).then(function (r) { return r.json(); })
      .then(function (r) {
        if (r.error === 'reinit-required') return init().then(function () { return post(action, fields, file); });
        if (r.error === 'visitor_banned') banned();
        return r;
      });
  }
  /* For calls whose failure only loses a hint (typing, read marks, the page): no retry. */
  function fire(action, fields) { post(action, fields).catch(function () {}); }
  function parent(msg) { if (window.parent !== window) window.parent.postMessage(msg, '*'); }

  // ------------------------------------------------------------------ layout
  var root = document.getElementById('beseda');
  var head = el('div', 'b-head'), avatar = el('img'), who = el('div', 'b-who'), whoName = el('b'), whoState = el('small');
  avatar.alt = ''; avatar.hidden = true; who.appendChild(whoName); who.appendChild(whoState);
  var menuBtn = el('button', null, '⋯'), minBtn = el('button', null, '–');
  menuBtn.setAttribute('aria-label', t.menu); menuBtn.setAttribute('aria-expanded', 'false'); minBtn.setAttribute('aria-label', t.minimise);
  [avatar, who, menuBtn, minBtn].forEach(function (e) { head.appendChild(e); });
  var menu = el('div', 'b-menu'); menu.hidden = true;
  var log = el('div', 'b-log'); log.setAttribute('role', 'log');
  var typingLine = el('div', 'b-typing');
  var panel = el('div');
  var input = el('div', 'b-input');
  var text = el('textarea'); text.rows = 1; text.setAttribute('aria-label', t.message); text.placeholder = t.placeholder;
  var fileLabel = el('label'), fileInput = el('input');
  // eslint-disable-next-line no-restricted-properties -- a constant icon
  fileLabel.innerHTML = '<svg width="20" height="20" viewBox="0 0 24 24" aria-hidden="true"><path fill="none" stroke="#5b6475" ' +
    'stroke-width="2" stroke-linecap="round" d="M21 11l-8.5 8.5a5 5 0 0 1-7-7L14 4a3.5 3.5 0 0 1 5 5l-8.5 8.5a2 2 0 0 1-3-3L15 7"/></svg>';
  fileInput.type = 'file'; fileLabel.title = t.attach; fileLabel.setAttribute('aria-label', t.attach); fileLabel.tabIndex = 0;
  fileLabel.appendChild(fileInput);
  var sendBtn = el('button', null, '➤'); sendBtn.setAttribute('aria-label', t.send);
  [fileLabel, text, sendBtn].forEach(function (e) { input.appendChild(e); });
  [head, menu, log, typingLine, panel, input].forEach(function (e) { root.appendChild(e); });
  document.documentElement.lang = t === TEXTS.en ? 'en' : 'ru';

  // ------------------------------------------------------------------ rendering
  function fileDesc(m) {
    try { var d = JSON.parse(m.text); return Array.isArray(d) ? d : [d]; } catch (e) { return []; }
  }
  function download(desc) {
    var expires = Math.floor(Date.now() / 1000) + 300, enc = new TextEncoder();
    return crypto.subtle.importKey('raw', enc.encode(S.token), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign'])
      .then(function (k) { return crypto.subtle.sign('HMAC', k, enc.encode(desc.guid + expires)); })
      .then(function (sig) {
        return '/l/v/m/download/' + desc.guid + '/' + encodeURIComponent(desc.filename) + '?page-id=' + S.page +
          '&expires=' + expires + '&hash=' + hex(sig);
      });
  }
  function visitorSide(m) { return /^(visitor|file_visitor|keyboard_response|contacts|sticker_visitor)$/.test(m.kind); }
  function bubble(m) {
    var kind = m.kind, mine = visitorSide(m);
    if (kind === 'for_operator') return null;
    if (kind === 'info' || kind === 'operator_busy') return el('div', 'b-msg ' + (kind === 'info' ? 'b-system' : 'b-busy'), m.text);
    if (kind === 'keyboard') return keyboard(m);
    var b = el('div', 'b-msg ' + (mine ? 'b-visitor' : 'b-operator'));
    if (!mine && m.name) b.appendChild(el('div', 'b-name', m.name));
    if (kind === 'file_visitor' || kind === 'file_operator') {
      fileDesc(m).forEach(function (d) {
        var a = el('a', 'b-file', d.filename + ' (' + Math.max(1, Math.round((d.size || 0) / 1024)) + ' KB)');
        a.href = '#'; a.target = '_blank'; a.rel = 'noopener';
        download(d).then(function (u) {
          a.href = u;
          if (/^image\//.test(d.content_type || '')) { var img = el('img'); img.alt = d.filename; img.src = u; a.insertBefore(img, a.firstChild); }
        });
        b.appendChild(a);
      });
    } else if (m.data && typeof m.data.markdown === 'string') {
      // eslint-disable-next-line no-restricted-properties -- markdown() escapes the text first
      var body = el('div'); body.innerHTML = markdown(m.data.markdown); b.appendChild(body);
    } else {
      b.appendChild(document.createTextNode(m.text));
    }
    var meta = el('small', null, time(m) + (mine && m.read ? ' · ' + t.read : ''));
    b.appendChild(meta);
    return b;
  }
  function keyboard(m) {
    var data = m.data || {}, box = el('div', 'b-kb'), done = data.state && data.state !== 'pending';
    (data.buttons || []).forEach(function (row) {
      var line = el('div');
      row.forEach(function (btn) {
        var cfg = btn.config || {}, link = cfg.link && /^https?:\/\//.test(cfg.link) ? cfg.link : null;
        var b = el(link ? 'a' : 'button', null, btn.text);
        if (link) { b.href = link; b.target = '_blank'; b.rel = 'noopener noreferrer'; b.className = 'b-link'; }
        else {
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
        }
        line.appendChild(b);
      });
      box.appendChild(line);
    });
    return box;
  }
  function render() {
    log.textContent = '';
    if (S.hello && (!S.chat || !S.messages.length)) {
      // eslint-disable-next-line no-restricted-properties -- markdown() escapes the text first
      var h = el('div', 'b-msg b-operator'); var hb = el('div'); hb.innerHTML = markdown(S.hello); h.appendChild(hb); log.appendChild(h);
    }
    S.messages.forEach(function (m) { var b = bubble(m); if (b) log.appendChild(b); });
    S.outbox.forEach(function (o) {
      if (S.messages.some(function (m) { return m.clientSideId === o.csid; })) return;
      var b = el('div', 'b-msg b-visitor b-pending' + (o.failed ? ' b-failed' : ''), o.text);
      b.appendChild(el('small', null, o.failed ? t.retry : '…'));
      log.appendChild(b);
    });
    if (S.note) log.appendChild(el('div', 'b-msg b-system', S.note));
    if (S.chat && /^closed/.test(S.chat.state)) log.appendChild(el('div', 'b-msg b-system', S.banned ? t.closed : t.closed + ' ' + t.newChat));
    log.scrollTop = log.scrollHeight;
    header();
    panels();
  }
  function header() {
    var op = S.operator;
    whoName.textContent = op ? op.fullname : (S.config.title || t.title);
    whoState.textContent = op ? (op.title || t.operator) : (S.online === 'online' ? t.online : S.online === 'busy_online' ? t.busy : t.offline);
    var picture = op ? op.avatar : S.config.logo;
    if (picture) { avatar.src = picture; avatar.hidden = false; } else avatar.hidden = true;
    typingLine.textContent = op && S.typing ? op.fullname + ' ' + t.typing : '';
  }
  function offlineMode() {
    return (!S.chat || S.chat.state === 'closed') && (S.online === 'offline' || S.online === 'busy_offline');
  }
  function panels() {
    panel.textContent = '';
    input.hidden = false;
    if (S.banned) {
      input.hidden = true;
      var note = el('p', 'b-note b-banned', t.errors.visitor_banned);
      note.setAttribute('role', 'alert');
      panel.appendChild(note);
      menu.textContent = '';
      return;
    }
    text.placeholder = S.state === 'first-question' || S.state === 'department-selection' ? t.first : t.placeholder;
    if (S.state === 'department-selection' && S.departments.length) {
      var deps = el('div', 'b-deps'); deps.appendChild(el('p', null, t.pick));
      S.departments.forEach(function (d) {
        var b = el('button', null, (d.localeToName && d.localeToName[document.documentElement.lang]) || d.name);
        b.type = 'button';
        b.addEventListener('click', function () { startWith(d.key); });
        deps.appendChild(b);
      });
      panel.appendChild(deps);
    } else if (offlineMode()) {
      input.hidden = true;
      panel.appendChild(S.online === 'busy_offline' ? el('p', 'b-note', t.cantWrite) : offlineForm());
    }
    fileLabel.hidden = S.config.visitor_upload_file === false;
    menuItems();
  }
  function offlineForm() {
    var f = el('form', 'b-form'), name = el('input'), email = el('input'), msg = el('textarea'), send = el('button', null, t.send), err = el('p', 'b-error');
    name.placeholder = t.name; name.name = 'name'; name.autocomplete = 'name';
    email.placeholder = t.email; email.type = 'email'; email.name = 'email'; email.required = true; email.autocomplete = 'email';
    msg.placeholder = t.message; msg.name = 'message'; msg.required = true; msg.rows = 4;
    send.type = 'submit';
    [el('p', null, t.offlineIntro), name, email, msg, send, err].forEach(function (e) { f.appendChild(e); });
    f.addEventListener('submit', function (e) {
      e.preventDefault();
      var fields = { email: email.value.trim() };
      if (name.value.trim()) fields.name = name.value.trim();
      post('chat.offline_message', { 'client-side-id': id(), text: msg.value, 'visitor-fields': JSON.stringify(fields) }).then(function (r) {
        if (r.error) { err.textContent = t.errors[r.error] || r.error; return; }
        S.note = t.offlineSent; S.online = 'offline-sent';
        render();
      }).catch(function () { err.textContent = t.retry; });
    });
    return f;
  }
  function menuItems() {
    menu.textContent = '';
    if (S.chat && S.operator && S.config.rate_operator !== false) menu.appendChild(action(t.rate, rateForm));
    if (S.chat && S.config.sendChatHistory) menu.appendChild(action(t.history, historyForm));
    if (S.chat && !/^closed/.test(S.chat.state)) menu.appendChild(action(t.close, function () { fire('chat.close', {}); toggleMenu(false); }));
  }
  function action(label, fn) { var b = el('button', null, label); b.type = 'button'; b.addEventListener('click', fn); return b; }
  function toggleMenu(open) { menu.hidden = !open; menuBtn.setAttribute('aria-expanded', open ? 'true' : 'false'); }
  function rateForm() {
    menu.textContent = '';
    var stars = el('div', 'b-rate'), op = S.operator;
    stars.setAttribute('role', 'group'); stars.setAttribute('aria-label', t.rate);
    [1, 2, 3, 4, 5].forEach(function (n) {
      var s = el('button', null, '★'); s.type = 'button'; s.setAttribute('aria-label', t.stars.replace('{n}', String(n)));
      s.addEventListener('click', function () {
        post('chat.operator_rate_select', { rate: n - 3, operator_id: op.id }).then(function (r) {
          toggleMenu(false);
          S.note = r.error ? (t.errors[r.error] || r.error) : t.thanks; render();
        }).catch(function () { S.note = t.retry; render(); });
      });
      s.addEventListener('mouseenter', function () {
        Array.prototype.forEach.call(stars.children, function (x, i) { x.className = i < n ? 'b-on' : ''; });
      });
      stars.appendChild(s);
    });
    menu.appendChild(stars);
    stars.firstChild.focus();
  }
  function historyForm() {
    menu.textContent = '';
    var f = el('form', 'b-row'), email = el('input'), ok = el('button', null, t.send);
    email.type = 'email'; email.required = true; email.placeholder = t.email; email.setAttribute('aria-label', t.email); ok.type = 'submit';
    f.appendChild(email); f.appendChild(ok);
    f.addEventListener('submit', function (e) {
      e.preventDefault();
      post('chat.send_chat_history', { email: email.value.trim() }).then(function (r) {
        toggleMenu(false);
        S.note = r.error ? (t.errors[r.error] || r.error) : t.sent; render();
      }).catch(function () { S.note = t.retry; render(); });
    });
    menu.appendChild(f);
    email.focus();
  }

  // ------------------------------------------------------------------ state from the server
  function setChat(chat) {
    S.chat = chat;
    S.messages = chat ? (chat.messages || []).slice() : [];
    S.operator = chat ? chat.operator : null;
    S.typing = chat ? !!chat.operatorTyping : false;
  }
  function applyFull(f) {
    S.page = f.pageId; S.token = f.authToken; S.session = f.visitSessionId;
    S.state = f.state; S.online = f.onlineStatus; S.departments = f.departments || [];
    S.hello = f.showHelloMessage ? (f.helloMessageMarkdown || f.helloMessageDescr || '') : '';
    setChat(f.chat);
    parent({ type: 'beseda:session', session: f.visitSessionId });
  }
  function upsert(m) {
    for (var i = 0; i < S.messages.length; i++) if (S.messages[i].id === m.id) { S.messages[i] = m; return; }
    S.messages.push(m);
  }
  function apply(item) {
    var d = item.data;
    switch (item.objectType) {
      case 'CHAT': setChat(d); if (d) S.pendingQuestion = null; break;
      case 'CHAT_MESSAGE':
        if (item.event === 'del') S.messages = S.messages.filter(function (m) { return m.id !== item.id; });
        else if (d) upsert(d);
        break;
      case 'CHAT_OPERATOR': S.operator = d; if (S.chat) S.chat.operator = d; break;
      case 'CHAT_OPERATOR_TYPING': S.typing = !!d; break;
      case 'CHAT_STATE': if (S.chat) S.chat.state = d; break;
      case 'MESSAGE_READ': S.messages.forEach(function (m) { if (m.id === item.id) m.read = !!d; }); break;
      case 'VISIT_SESSION_STATE': S.state = d; break;
      case 'DEPARTMENT_LIST': S.departments = d || []; break;
      case 'TELEPORT': if (d && d.url) parent({ type: 'beseda:teleport', url: d.url }); break;
      case 'UNREAD_BY_VISITOR': parent({ type: 'beseda:unread', count: (d && d.msgCnt) || 0 }); break;
    }
  }
  /* The visitor is blocked (Webim's visitor_banned): say so and stop; nothing can be sent. */
  function banned() {
    if (S.banned) return;
    S.banned = true; S.outbox = [];
    ++generation;
    if (socket) { try { socket.close(); } catch (e) {} socket = null; }
    root.setAttribute('data-ready', '1');
    root.setAttribute('data-banned', '1');
    render();
  }
  function handle(r) {
    if (r && r.error === 'visitor_banned') return banned();
    if (!r || r.error === 'reinit-required') return init();
    if (r.fullUpdate) applyFull(r.fullUpdate);
    else (r.deltaList || []).forEach(apply);
    if (typeof r.revision === 'number' || typeof r.revision === 'string') S.rev = +r.revision;
    render();
    readAll();
  }
  function readAll() {
    if (document.hidden || !S.chat) return;
    var unread = S.messages.some(function (m) { return !visitorSide(m) && m.read === false; });
    if (!unread) return;
    S.messages.forEach(function (m) { if (!visitorSide(m)) m.read = true; });
    fire('chat.read_by_visitor', {});
  }

  // ------------------------------------------------------------------ transport
  var generation = 0, failures = 0, longPoll = false, socket = null;
  function backoff() { return Math.min(10000, 500 * Math.pow(2, Math.min(failures, 5))) * (0.75 + Math.random() / 2); }
  function init() {
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
  function connect() {
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
  function poll(mine) {
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

  // ------------------------------------------------------------------ sending
  var flushing = false;
  /* Sends queued messages in order; each keeps its client-side id, so a retry after a network
     error or a restart is applied once. */
  function flush() {
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
  function startWith(department) {
    var q = S.pendingQuestion || { csid: id(), text: text.value.trim() };
    S.pendingQuestion = null;
    if (!q.text) { S.state = 'idle'; render(); return; }
    q.department = department; text.value = '';
    S.outbox.push(q); S.state = 'chat'; render(); flush();
  }
  function send() {
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
  function stopTyping() {
    clearTimeout(typingTimer);
    if (typingSent && S.chat) fire('chat.visitor_typing', { typing: 0, 'del-message-draft': 1 });
    typingSent = 0;
  }
  text.addEventListener('input', function () {
    if (!S.chat) return;
    if (Date.now() - typingSent > 2000) { typingSent = Date.now(); fire('chat.visitor_typing', { typing: 1, 'message-draft': text.value }); }
    clearTimeout(typingTimer); typingTimer = setTimeout(stopTyping, 4000);
  });
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
      { title: ls.title, sendChatHistory: ls.sendChatHistory, departmentChoice: ls.departmentChoice });
    if (!P.get('lang') && ls.lang === 'en') t = TEXTS.en;
  }).catch(function () {}).then(init);
})();
