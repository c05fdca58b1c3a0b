/* Beseda workspace: the operator's lists (waiting, mine, with others), one chat with its
   history and visitor, the reply box with templates and suggestions, categories, redirect,
   teleport and close; live over the operator event stream. Every visitor and operator string
   is put into the page as text. */
(function () {
  'use strict';
  var B = window.Beseda, el = B.el, t = B.t;
  B.texts({
    title: 'Рабочее место', waiting: 'Ожидают ответа', mine: 'Мои диалоги', others: 'В диалоге с другими',
    online: 'Онлайн', invisible: 'Невидимый', offline: 'Не в сети', pick: 'Выберите диалог слева',
    take: 'Взять', close: 'Закрыть', redirect: 'Перенаправить', category: 'Указать категорию', teleport: 'Телепорт',
    send: 'Отправить', reply: 'Ответ посетителю…', templates: 'Шаблоны', saveTemplate: 'В мои шаблоны',
    templateSaved: 'Сохранено в личные шаблоны', typing: 'печатает…', visitor: 'Посетитель', page: 'Текущая страница',
    priority: 'Приоритетная страница', location: 'Размещение', department: 'Отдел', languageLabel: 'Язык',
    crm: 'Профиль в CRM', rating: 'Оценка', noRating: 'нет', categoryLabel: 'Категория', subcategory: 'Подкатегория',
    none: '—', operator: 'Оператор', queue: 'Общая очередь', toOperator: 'Оператору', toDepartment: 'В отдел',
    toQueue: 'Вернуть в очередь', apply: 'Применить', url: 'Адрес страницы', notifications: 'Уведомления',
    sound: 'Звук', newChat: 'Новый диалог', newVisitor: 'На сайте новый посетитель', categoryRequired: 'Перед закрытием укажите категорию',
    offlineChat: 'оставленное сообщение', file: 'Файл', hidden: 'Скрыто настройками', ratingOf: '{n} из 5',
    stateQueue: 'в очереди', stateChatting: 'идёт диалог', stateClosed: 'закрыт', stateClosedByVisitor: 'посетитель ушёл',
    stateRobot: 'с ботом', empty: 'пусто', autoAssign: 'Автоназначение: новые диалоги приходят сами',
    profile: 'Профиль', name: 'Имя', photo: 'Фото (JPEG или PNG до 100×100)', myTemplates: 'Мои шаблоны',
    profileLocked: 'Профили редактируют супервизоры и администраторы.', changePassword: 'Сменить пароль',
    currentPassword: 'Текущий пароль', wrongPassword: 'Текущий пароль неверен', twoFactor: 'Двухфакторная защита',
    tfIntro: 'Добавьте ключ в приложение-аутентификатор (по ссылке или вручную) и введите код из него.',
    tfKey: 'Ключ', tfCode: 'Код из приложения', tfCodes: 'Коды восстановления — сохраните их, они показаны один раз:',
    tfOn: 'Двухфакторная защита включена. Чтобы выключить, введите пароль и код.', ok: 'Готово'
  }, {
    title: 'Workspace', waiting: 'Waiting for answer', mine: 'My chats', others: 'In chat with others',
    online: 'Online', invisible: 'Invisible', offline: 'Offline', pick: 'Pick a chat on the left',
    take: 'Take', close: 'Close', redirect: 'Redirect', category: 'Set category', teleport: 'Teleport',
    send: 'Send', reply: 'Reply to the visitor…', templates: 'Templates', saveTemplate: 'Save as my template',
    templateSaved: 'Saved to personal templates', typing: 'is typing…', visitor: 'Visitor', page: 'Current page',
    priority: 'Priority page', location: 'Placement', department: 'Department', languageLabel: 'Language',
    crm: 'CRM profile', rating: 'Rating', noRating: 'none', categoryLabel: 'Category', subcategory: 'Subcategory',
    none: '—', operator: 'Operator', queue: 'General queue', toOperator: 'To an operator', toDepartment: 'To a department',
    toQueue: 'Back to the queue', apply: 'Apply', url: 'Page address', notifications: 'Notifications',
    sound: 'Sound', newChat: 'New chat', newVisitor: 'A new visitor on the site', categoryRequired: 'Set a category before closing',
    offlineChat: 'left message', file: 'File', hidden: 'Hidden by the settings', ratingOf: '{n} of 5',
    stateQueue: 'waiting', stateChatting: 'chatting', stateClosed: 'closed', stateClosedByVisitor: 'visitor left',
    stateRobot: 'with a bot', empty: 'empty', autoAssign: 'Auto-assignment: new chats come to you',
    profile: 'Profile', name: 'Name', photo: 'Photo (JPEG or PNG up to 100×100)', myTemplates: 'My templates',
    profileLocked: 'Profiles are edited by supervisors and administrators.', changePassword: 'Change password',
    currentPassword: 'Current password', wrongPassword: 'The current password is wrong', twoFactor: 'Two-factor',
    tfIntro: 'Add the key to an authenticator app (with the link or by hand) and enter the code it shows.',
    tfKey: 'Key', tfCode: 'Code from the app', tfCodes: 'Recovery codes — keep them, they are shown once:',
    tfOn: 'Two-factor authentication is on. To turn it off, enter your password and a code.', ok: 'Done'
  });

  var STATE_TEXT = { queue: 'stateQueue', offline_queue: 'stateQueue', chatting: 'stateChatting', closed: 'stateClosed',
    closed_by_operator: 'stateClosed', closed_by_visitor: 'stateClosedByVisitor', chatting_with_robot: 'stateRobot' };
  var VISITOR_SIDE = /^(visitor|file_visitor|keyboard_response|contacts|sticker_visitor)$/;
  var SYSTEM = /^(info|operator_busy|for_operator|keyboard)$/;

  var S = {
    me: null, ws: {}, lists: { waiting: [], mine: [], others: [] }, open: null, detail: null, templates: [],
    directory: { operators: [], departments: [] }, cursor: null, typingSent: 0, alerts: 0, blink: null, known: {},
    sound: localStorage.getItem('beseda.sound') !== 'off'
  };
  var ui = {};

  B.start(function (me, root) {
    S.me = me;
    var links = [];
    if (me.role !== 'operator') links.push(el('a', { class: 'c-link', href: '/admin', text: t('admin') }));
    var header = B.header(root, me, t('title'), links);
    ui.status = el('select', { 'data-test': 'status', 'aria-label': 'status', onchange: function () { setStatus(ui.status.value); } },
      ['online', 'invisible', 'offline'].map(function (s) { return el('option', { value: s, text: t(s) }); }));
    ui.status.value = me.status;
    ui.notify = el('button', { class: 'c-link', 'data-test': 'notifications', text: t('notifications'), onclick: askNotifications });
    ui.soundBox = el('input', { type: 'checkbox', checked: S.sound, onchange: function () {
      S.sound = ui.soundBox.checked; localStorage.setItem('beseda.sound', S.sound ? 'on' : 'off');
    } });
    header.insertBefore(el('label', { class: 'c-me' }, [ui.soundBox, ' ' + t('sound')]), header.querySelector('[data-test=me]'));
    header.insertBefore(ui.notify, header.querySelector('[data-test=me]'));
    header.insertBefore(el('button', { class: 'c-link', 'data-test': 'profile', text: t('profile'), onclick: profileDialog }),
      header.querySelector('[data-test=me]'));
    header.insertBefore(el('button', { class: 'c-link', 'data-test': 'change-password', text: t('changePassword'),
      onclick: passwordDialog }), header.querySelector('[data-test=me]'));
    header.insertBefore(el('button', { class: 'c-link', 'data-test': 'two-factor', text: t('twoFactor'),
      onclick: twoFactorDialog }), header.querySelector('[data-test=me]'));
    header.insertBefore(ui.status, header.querySelector('[data-test=me]'));

    ui.lists = el('aside', { class: 'w-lists', 'data-test': 'lists' });
    ui.chat = el('section', { class: 'w-chat', 'data-test': 'chat' }, [el('p', { class: 'w-empty', text: t('pick') })]);
    ui.side = el('aside', { class: 'w-side', 'data-test': 'visitor' });
    root.appendChild(el('div', { class: 'w-main' }, [ui.lists, ui.chat, ui.side]));
    window.addEventListener('focus', stopBlink);
    document.addEventListener('click', stopBlink);
    Promise.all([B.api('GET', '/api/operator/v1/me'), loadTemplates(), loadDirectory()]).then(function (r) {
      S.ws = r[0].body.workspace || {};
      S.twoFactor = r[0].body.twoFactor || {};
      // The organisation requires a second factor this account lacks: set it up first.
      if (r[0].body.require2fa && !S.twoFactor.enabled) { twoFactorDialog(); return null; }
      return reloadLists().then(connect);
    });
  });

  // ------------------------------------------------------------------ data
  function setStatus(status) {
    B.api('PUT', '/api/operator/v1/status', { status: status }).then(function (res) {
      if (res.status === 200) { S.me.status = status; reloadLists(); }
    });
  }
  function loadTemplates() {
    return B.api('GET', '/api/operator/v1/templates').then(function (res) { S.templates = (res.body && res.body.templates) || []; });
  }
  function loadDirectory() {
    return B.api('GET', '/api/operator/v1/directory').then(function (res) { if (res.status === 200) S.directory = res.body; });
  }
  function names() { return S.ws.hideOthersChats ? ['waiting', 'mine'] : ['waiting', 'mine', 'others']; }
  function reloadLists() {
    return Promise.all(names().map(function (name) {
      return B.api('GET', '/api/operator/v1/chats?list=' + name).then(function (res) {
        S.lists[name] = (res.body && res.body.chats) || [];
      });
    })).then(function () {
      S.lists.waiting.forEach(function (c) { S.known[c.id] = true; });
      renderLists();
    });
  }
  var waitingReload = null;
  function reloadWaitingSoon() {
    if (waitingReload) return;
    waitingReload = setTimeout(function () {
      waitingReload = null;
      B.api('GET', '/api/operator/v1/chats?list=waiting').then(function (res) {
        var fresh = (res.body && res.body.chats) || [];
        fresh.forEach(function (c) { if (!S.known[c.id]) { S.known[c.id] = true; alert(t('newChat'), c.visitorName); } });
        S.lists.waiting = fresh;
        renderLists();
      });
    }, 120);
  }
  /* Where a chat belongs, by the same rules the server lists use. */
  function listOf(c) {
    var holder = c.operatorId;
    if (holder == null && (c.state === 'queue' || c.state === 'offline_queue')) return 'waiting';
    if (holder === S.me.id && /^(chatting|chatting_with_robot|closed_by_visitor)$/.test(c.state)) return 'mine';
    var human = S.directory.operators.some(function (o) { return o.id === holder; });
    if (holder != null && holder !== S.me.id && human && /^(chatting|closed_by_visitor)$/.test(c.state)) return 'others';
    return null;
  }
  function place(c) {
    var target = listOf(c);
    names().forEach(function (name) {
      var list = S.lists[name], at = -1;
      for (var i = 0; i < list.length; i++) if (list[i].id === c.id) { at = i; break; }
      if (name === target) {
        if (at >= 0) list[at] = c;
        else { list.push(c); list.sort(function (a, b) { return (b.priority - a.priority) || (a.id - b.id); }); }
      } else if (at >= 0) list.splice(at, 1);
    });
    if (target === 'waiting' && !S.known[c.id]) reloadWaitingSoon();
    else if (target === 'others' && S.ws.hideOthersChats) { /* never shown */ }
  }

  // ------------------------------------------------------------------ events
  function connect() {
    var proto = location.protocol === 'https:' ? 'wss:' : 'ws:';
    var url = proto + '//' + location.host + '/api/operator/v1/events/ws' + (S.cursor != null ? '?cursor=' + S.cursor : '');
    var sock = new WebSocket(url), opened = false;
    sock.onopen = function () { if (opened) return; opened = true; if (S.cursor != null) reloadLists(); };
    sock.onmessage = function (ev) {
      var e; try { e = JSON.parse(ev.data); } catch (x) { return; }
      if (typeof e.seq === 'number') S.cursor = e.seq;
      handle(e);
    };
    sock.onclose = function (ev) {
      /* 4001: this session ended (password changed elsewhere, reset, deactivated): back to the login. */
      if (ev.code === 4001) { B.api('GET', '/api/operator/v1/me'); return; }
      setTimeout(connect, opened ? 500 : 3000);
    };
    if (S.cursor == null) B.api('GET', '/api/operator/v1/events').then(function (res) {
      if (S.cursor == null && res.body) S.cursor = res.body.cursor;
    });
  }
  function handle(e) {
    switch (e.type) {
      case 'chat_updated':
        place(e.chat);
        renderLists();
        if (S.open === e.chat.id && S.detail) { S.detail.chat = e.chat; renderChatBar(); renderSide(); }
        break;
      case 'chat_hidden':
        /* Not (any more) this operator's to see: a colleague took it, or it went to another department. */
        names().forEach(function (name) { S.lists[name] = S.lists[name].filter(function (c) { return c.id !== e.chatId; }); });
        renderLists();
        if (S.open === e.chatId) openChat(e.chatId);
        break;
      case 'message_added': case 'message_updated':
        if (S.open === e.chatId && S.detail) { upsertMessage(e.message); renderLog(); markRead(); }
        break;
      case 'message_deleted':
        if (S.open === e.chatId && S.detail) { S.detail.messages = S.detail.messages.filter(function (m) { return m.id !== e.messageId; }); renderLog(); }
        break;
      case 'chat_rated': case 'chat_read_by_visitor':
        if (S.open === e.chatId) openChat(e.chatId);
        break;
      case 'visitor_typing':
        if (S.open === e.chatId && ui.typing) ui.typing.textContent = e.typing ? (t('visitor') + ' ' + t('typing') + (e.draft ? ': ' + e.draft : '')) : '';
        break;
      case 'operator_status':
        S.directory.operators.forEach(function (o) { if (o.id === e.operatorId) o.status = e.status; });
        if (e.operatorId === S.me.id) { S.me.status = e.status; ui.status.value = e.status; }
        break;
      case 'visitor_new':
        if (S.ws.newVisitorNotification) alert(t('newVisitor'), e.page || e.location || '');
        break;
    }
  }
  function upsertMessage(m) {
    var list = S.detail.messages;
    for (var i = 0; i < list.length; i++) if (list[i].id === m.id) { list[i] = m; return; }
    list.push(m);
  }

  // ------------------------------------------------------------------ alerts
  function askNotifications() {
    if (window.Notification && Notification.permission === 'default') Notification.requestPermission();
  }
  function alert(title, body) {
    S.alerts += 1;
    document.body.setAttribute('data-alerts', String(S.alerts));
    if (window.Notification && Notification.permission === 'granted') {
      try { new Notification('Beseda: ' + title, { body: String(body || ''), tag: 'beseda-' + S.alerts }); } catch (x) { /* no notifications here */ }
    }
    if (S.sound) beep();
    startBlink(title);
  }
  function beep() {
    try {
      var Ctx = window.AudioContext || window.webkitAudioContext, ctx = new Ctx(), osc = ctx.createOscillator(), gain = ctx.createGain();
      osc.frequency.value = 880; gain.gain.value = 0.08; osc.connect(gain); gain.connect(ctx.destination);
      osc.start(); osc.stop(ctx.currentTime + 0.18); osc.onended = function () { ctx.close(); };
    } catch (x) { /* no audio here */ }
  }
  function startBlink(title) {
    if (S.blink) return;
    var plain = document.title, on = false;
    S.blink = { plain: plain, timer: setInterval(function () { on = !on; document.title = on ? '● ' + title : plain; }, 800) };
    document.title = '● ' + title;
  }
  function stopBlink() {
    if (!S.blink) return;
    clearInterval(S.blink.timer); document.title = S.blink.plain; S.blink = null;
  }

  // ------------------------------------------------------------------ lists
  function renderLists() {
    var frag = document.createDocumentFragment();
    names().forEach(function (name) {
      var list = S.lists[name];
      var head = el('h2', {}, [el('span', { text: t(name) }), el('span', { 'data-test': 'count-' + name, text: String(list.length) })]);
      frag.appendChild(head);
      if (name === 'waiting' && S.ws.autoAssignment) frag.appendChild(el('small', { class: 'c-me', text: t('autoAssign') }));
      var box = el('div', { 'data-test': 'list-' + name });
      for (var i = 0; i < list.length; i++) box.appendChild(item(list[i]));
      frag.appendChild(box);
    });
    B.clear(ui.lists).appendChild(frag);
  }
  function preview(m) {
    if (!m) return '';
    if (/^file_/.test(m.kind)) return t('file');
    return m.text || '';
  }
  function item(c) {
    var cls = 'w-item' + (c.id === S.open ? ' is-open' : '') + (c.priority ? ' is-priority' : '');
    var unread = c.unreadByOperatorSinceTs ? el('span', { class: 'w-unread', text: '•' }) : null;
    return el('button', { class: cls, 'data-chat': String(c.id), onclick: function () { openChat(c.id); } }, [
      unread, el('b', { text: c.visitorName }),
      el('small', { text: (c.offline ? t('offlineChat') + ' · ' : '') + preview(c.preview) })
    ]);
  }

  // ------------------------------------------------------------------ one chat
  function openChat(id) {
    var first = S.open !== id;
    S.open = id;
    return B.api('GET', '/api/operator/v1/chats/' + id).then(function (res) {
      if (S.open !== id) return;
      if (res.status !== 200) {
        S.detail = null;
        B.clear(ui.chat).appendChild(el('p', { class: 'w-empty c-error', text: B.message(res) }));
        B.clear(ui.side);
        return;
      }
      S.detail = res.body;
      if (first || !ui.log) buildChat();
      renderChatBar(); renderLog(); renderSide(); renderLists(); markRead();
    });
  }
  function mineOpen() { return S.detail && S.detail.chat.operatorId === S.me.id; }
  function markRead() {
    if (mineOpen() && S.detail.chat.unreadByOperatorSinceTs) {
      S.detail.chat.unreadByOperatorSinceTs = null;
      B.api('POST', '/api/operator/v1/chats/' + S.open + '/read', {});
    }
  }
  function buildChat() {
    ui.bar = el('div', { class: 'w-bar', 'data-test': 'chat-bar' });
    ui.log = el('div', { class: 'w-log', role: 'log', 'data-test': 'log' });
    ui.typing = el('div', { class: 'w-typing', 'data-test': 'typing' });
    ui.text = el('textarea', { 'data-test': 'reply', 'aria-label': t('reply'), placeholder: t('reply'),
      oninput: onInput, onkeydown: onKey });
    ui.suggest = el('div', { class: 'w-suggest', 'data-test': 'suggestions', hidden: true });
    ui.picker = el('select', { 'data-test': 'templates', 'aria-label': t('templates'), onchange: function () {
      var tpl = S.templates.filter(function (x) { return String(x.id) === ui.picker.value; })[0];
      if (tpl) useTemplate(tpl);
      ui.picker.value = '';
    } });
    ui.note = el('span', { class: 'c-ok', 'data-test': 'reply-note' });
    var send = el('button', { class: 'c-primary', 'data-test': 'send', text: t('send'), onclick: sendReply });
    var save = el('button', { 'data-test': 'save-template', text: t('saveTemplate'), onclick: saveTemplate });
    var reply = el('div', { class: 'w-reply' }, [ui.suggest, ui.text, el('div', { class: 'w-actions' }, [send, ui.picker, save, ui.note])]);
    B.clear(ui.chat);
    [ui.bar, ui.log, ui.typing, reply].forEach(function (n) { ui.chat.appendChild(n); });
    fillPicker();
  }
  function action(name, body, then) {
    return B.api('POST', '/api/operator/v1/chats/' + S.open + '/' + name, body || {}).then(function (res) {
      if (res.status !== 200) { ui.note.className = 'c-error'; ui.note.textContent = B.message(res); return res; }
      ui.note.className = 'c-ok'; ui.note.textContent = '';
      if (then) then(res);
      return openChat(S.open).then(function () { return res; });
    });
  }
  function renderChatBar() {
    var c = S.detail.chat;
    var title = el('span', { class: 'w-title', 'data-test': 'chat-title',
      text: c.visitorName + ' · ' + t(STATE_TEXT[c.state] || c.state) + (c.category ? ' · ' + c.category + (c.subcategory ? ' / ' + c.subcategory : '') : '') });
    var buttons = [title];
    var waiting = c.operatorId == null && (c.state === 'queue' || c.state === 'offline_queue');
    if (waiting) buttons.push(el('button', { class: 'c-primary', 'data-test': 'take', text: t('take'), onclick: function () { action('take'); } }));
    var active = !/^(closed|closed_by_operator)$/.test(c.state);
    if (active && (mineOpen() || S.me.role !== 'operator' || waiting)) {
      if (S.ws.categories && S.ws.categories.length) buttons.push(el('button', { 'data-test': 'category', text: t('category'), onclick: categoryDialog }));
      buttons.push(el('button', { 'data-test': 'redirect', text: t('redirect'), onclick: redirectDialog }));
      if (S.ws.teleport) buttons.push(el('button', { 'data-test': 'teleport', text: t('teleport'), onclick: teleportDialog }));
      buttons.push(el('button', { class: 'c-danger', 'data-test': 'close', text: t('close'), onclick: closeChat }));
    }
    B.clear(ui.bar);
    buttons.forEach(function (b) { ui.bar.appendChild(b); });
  }
  function fileName(m) {
    try { var d = JSON.parse(m.text); return (Array.isArray(d) ? d : [d]).map(function (f) { return f.filename; }).join(', '); } catch (x) { return m.text; }
  }
  function renderLog() {
    var frag = document.createDocumentFragment();
    S.detail.messages.forEach(function (m) {
      var side = VISITOR_SIDE.test(m.kind) ? 'from-visitor' : SYSTEM.test(m.kind) ? 'from-system' : 'from-operator';
      var text = /^file_/.test(m.kind) ? '📎 ' + fileName(m) : m.kind === 'keyboard' ? '⌨ ' + (m.text || '') : m.text;
      var who = side === 'from-operator' && m.name ? m.name + ' · ' : '';
      frag.appendChild(el('div', { class: 'w-msg ' + side, 'data-kind': m.kind }, [
        document.createTextNode(text || ''), el('time', { text: who + B.time(m.ts) + (side === 'from-operator' && m.read ? ' ✓' : '') })
      ]));
    });
    B.clear(ui.log).appendChild(frag);
    ui.log.scrollTop = ui.log.scrollHeight;
  }
  function renderSide() {
    var d = S.detail, c = d.chat, v = d.visitor || {}, fields = v.fields || {};
    var rows = [[t('visitor'), c.visitorName]];
    Object.keys(fields).forEach(function (k) { if (k !== 'name') rows.push([k, String(fields[k])]); });
    rows.push([t('location'), c.location]);
    if (c.departmentKey) rows.push([t('department'), departmentName(c.departmentKey)]);
    if (c.language) rows.push([t('languageLabel'), c.language]);
    rows.push([t('categoryLabel'), c.category ? c.category + (c.subcategory ? ' / ' + c.subcategory : '') : t('none')]);
    var rating = (d.ratings || []).map(function (r) { return t('ratingOf').replace('{n}', String(r.rating + 3)); }).join(', ');
    rows.push([t('rating'), rating || t('noRating')]);
    var dl = el('dl');
    rows.forEach(function (r) { dl.appendChild(el('dt', { text: r[0] })); dl.appendChild(el('dd', { text: r[1] })); });
    if (d.visitorPage) {
      dl.appendChild(el('dt', { text: d.visitorOnPriorityPage ? t('page') + ' · ' + t('priority') : t('page') }));
      dl.appendChild(el('dd', {}, [safeLink(d.visitorPage, d.visitorPage, 'page')]));
    }
    if (d.crmLink) {
      dl.appendChild(el('dt', { text: t('crm') }));
      dl.appendChild(el('dd', {}, [safeLink(d.crmLink, d.crmLink, 'crm')]));
    }
    ui.side.className = 'w-side' + (d.visitorOnPriorityPage ? ' is-priority' : '');
    B.clear(ui.side).appendChild(dl);
  }
  function safeLink(href, text, test) {
    var ok = /^https?:\/\//i.test(href);
    return ok ? el('a', { href: href, target: '_blank', rel: 'noopener noreferrer', 'data-test': test, text: text })
      : el('span', { 'data-test': test, text: text });
  }
  function departmentName(key) {
    var d = S.directory.departments.filter(function (x) { return x.key === key; })[0];
    return d ? ((d.localeNames || {})[B.lang()] || d.name) : key;
  }

  // ------------------------------------------------------------------ reply box
  function chatLang() { return (S.detail && S.detail.chat.language) || S.ws.defaultLang || 'ru'; }
  function usable() { var l = chatLang(); return S.templates.filter(function (x) { return x.lang === l; }); }
  function fillPicker() {
    B.clear(ui.picker).appendChild(el('option', { value: '', text: t('templates') + '…' }));
    var groups = {};
    usable().forEach(function (x) {
      var key = x.section || t('templates');
      if (!groups[key]) { groups[key] = el('optgroup', { label: key }); ui.picker.appendChild(groups[key]); }
      groups[key].appendChild(el('option', { value: String(x.id), text: (x.title || x.text).slice(0, 60) }));
    });
  }
  function useTemplate(tpl) {
    ui.text.value = tpl.text;
    hideSuggestions();
    ui.text.focus();
  }
  var active = -1, shown = [];
  function onInput() {
    var q = ui.text.value.trim().toLowerCase();
    shown = q.length < 2 ? [] : usable().filter(function (x) {
      return (x.title && x.title.toLowerCase().indexOf(q) >= 0) || x.text.toLowerCase().indexOf(q) >= 0;
    }).slice(0, 6);
    active = shown.length ? 0 : -1;
    renderSuggestions();
    var now = Date.now();
    if (mineOpen() && now - S.typingSent > 2500) {
      S.typingSent = now;
      B.api('POST', '/api/operator/v1/chats/' + S.open + '/typing', { typing: true });
    }
  }
  function renderSuggestions() {
    B.clear(ui.suggest);
    ui.suggest.hidden = !shown.length;
    shown.forEach(function (x, i) {
      ui.suggest.appendChild(el('button', { type: 'button', class: i === active ? 'is-active' : '', 'data-test': 'suggestion',
        onmousedown: function (ev) { ev.preventDefault(); useTemplate(x); } }, [
        el('b', { text: x.title ? x.title + ' — ' : '' }), x.text.slice(0, 120)
      ]));
    });
  }
  function hideSuggestions() { shown = []; active = -1; renderSuggestions(); }
  function onKey(ev) {
    if (shown.length && (ev.key === 'ArrowDown' || ev.key === 'ArrowUp')) {
      ev.preventDefault();
      active = (active + (ev.key === 'ArrowDown' ? 1 : shown.length - 1)) % shown.length;
      renderSuggestions();
    } else if (shown.length && ev.key === 'Tab') {
      ev.preventDefault(); useTemplate(shown[active]);
    } else if (ev.key === 'Escape') {
      hideSuggestions();
    } else if (ev.key === 'Enter' && !ev.shiftKey) {
      ev.preventDefault(); sendReply();
    }
  }
  function sendReply() {
    var text = ui.text.value.trim();
    if (!text || !S.open) return;
    var id = 'w' + Date.now().toString(36) + Math.random().toString(36).slice(2, 8);
    ui.text.value = ''; hideSuggestions(); S.typingSent = 0;
    action('messages', { clientSideId: id, text: text }).then(function (res) { if (res.status !== 200) ui.text.value = text; });
  }
  function saveTemplate() {
    var text = ui.text.value.trim();
    if (!text) return;
    B.api('PUT', '/api/operator/v1/templates', { lang: chatLang(), title: text.slice(0, 40), text: text }).then(function (res) {
      if (res.status !== 200) { ui.note.className = 'c-error'; ui.note.textContent = B.message(res); return; }
      ui.note.className = 'c-ok'; ui.note.textContent = t('templateSaved');
      loadTemplates().then(fillPicker);
    });
  }

  // ------------------------------------------------------------------ dialogs
  function dialog(title, fields, onApply) {
    var note = el('p', { class: 'c-error', role: 'alert' });
    var wrap;
    var form = el('form', { 'data-test': 'dialog', onsubmit: function (ev) {
      ev.preventDefault();
      onApply(function (res) {
        if (res.status === 200) wrap.remove(); else note.textContent = B.message(res);
      });
    } }, [el('h3', { text: title })].concat(fields).concat([note,
      el('div', { class: 'w-actions' }, [el('button', { type: 'submit', class: 'c-primary', 'data-test': 'apply', text: t('apply') }),
        el('button', { type: 'button', text: t('cancel'), onclick: function () { wrap.remove(); } })])]));
    wrap = el('div', { class: 'w-dialog', onkeydown: function (ev) { if (ev.key === 'Escape') wrap.remove(); } }, [form]);
    document.body.appendChild(wrap);
    var first = form.querySelector('select, input'); if (first) first.focus();
    return note;
  }
  /* Categories: one per line; a line starting with a space is a subcategory of the line above. */
  function categoryTree() {
    var tree = [];
    (S.ws.categories || []).forEach(function (line) {
      if (!line.trim()) return;
      if (/^\s/.test(line) && tree.length) tree[tree.length - 1].subs.push(line.trim());
      else tree.push({ name: line.trim(), subs: [] });
    });
    return tree;
  }
  function categoryDialog(message) {
    var tree = categoryTree(), c = S.detail.chat;
    var cat = el('select', { name: 'category', 'data-test': 'category-select' }, tree.map(function (x) { return el('option', { value: x.name, text: x.name }); }));
    var sub = el('select', { name: 'subcategory', 'data-test': 'subcategory-select' });
    function subs() {
      var node = tree.filter(function (x) { return x.name === cat.value; })[0];
      B.clear(sub).appendChild(el('option', { value: '', text: t('none') }));
      (node ? node.subs : []).forEach(function (s) { sub.appendChild(el('option', { value: s, text: s })); });
      sub.disabled = !node || !node.subs.length;
    }
    cat.addEventListener('change', subs);
    if (c.category) cat.value = c.category;
    subs();
    if (c.subcategory) sub.value = c.subcategory;
    var note = dialog(t('category'), [el('label', {}, [t('categoryLabel'), cat]), el('label', {}, [t('subcategory'), sub])], function (done) {
      action('category', { category: cat.value, subcategory: sub.value || null }).then(done);
    });
    if (typeof message === 'string') note.textContent = message;
  }
  function closeChat() {
    B.api('POST', '/api/operator/v1/chats/' + S.open + '/close', {}).then(function (res) {
      if (res.status === 200) return openChat(S.open);
      if (res.body && /categor/.test(res.body.error || '')) categoryDialog(t('categoryRequired'));
      else { ui.note.className = 'c-error'; ui.note.textContent = B.message(res); }
    });
  }
  function redirectDialog() {
    loadDirectory().then(function () {
      var mode = el('select', { name: 'mode', 'data-test': 'redirect-mode' }, [
        el('option', { value: 'operator', text: t('toOperator') }), el('option', { value: 'department', text: t('toDepartment') }),
        el('option', { value: 'queue', text: t('toQueue') })]);
      var people = S.directory.operators.filter(function (o) { return o.id !== S.me.id; });
      var op = el('select', { name: 'operator', 'data-test': 'redirect-operator' }, people.map(function (o) {
        return el('option', { value: String(o.id), text: o.name + ' · ' + t(o.status) });
      }));
      var dep = el('select', { name: 'department', 'data-test': 'redirect-department' }, S.directory.departments.map(function (d) {
        return el('option', { value: d.key, text: (d.localeNames || {})[B.lang()] || d.name });
      }));
      var language = el('select', { name: 'language', 'data-test': 'redirect-language' }, [el('option', { value: '', text: t('none') }),
        el('option', { value: 'ru', text: 'Русский' }), el('option', { value: 'en', text: 'English' })]);
      var opRow = el('label', {}, [t('operator'), op]), depRow = el('label', {}, [t('department'), dep]);
      var langRow = el('label', { hidden: !S.ws.multilang }, [t('languageLabel'), language]);
      function rows() { opRow.hidden = mode.value !== 'operator'; depRow.hidden = mode.value !== 'department'; }
      mode.addEventListener('change', rows); rows();
      dialog(t('redirect'), [mode, opRow, depRow, langRow], function (done) {
        var body = mode.value === 'operator' ? { operatorId: Number(op.value) }
          : mode.value === 'department' ? { departmentKey: dep.value } : { queue: true };
        if (language.value) body.language = language.value;
        action('redirect', body).then(done);
      });
    });
  }
  /* The operator's own card (read-only for operators with hidden profiles) and personal templates. */
  function profileDialog() {
    var locked = S.ws.hiddenProfiles && S.me.role === 'operator';
    var name = el('input', { name: 'name', value: S.me.name, disabled: locked, required: true });
    var email = el('input', { type: 'email', name: 'email', value: S.me.email, disabled: locked, required: true });
    var avatar = S.me.avatar || '';
    var preview = el('img', { alt: '', width: '48', height: '48', hidden: !avatar, src: avatar || null });
    var file = el('input', { type: 'file', name: 'photo', accept: 'image/jpeg,image/png', disabled: locked, onchange: function () {
      var f = file.files[0]; if (!f) return;
      var reader = new FileReader();
      reader.onload = function () { avatar = reader.result; preview.src = avatar; preview.hidden = false; };
      reader.readAsDataURL(f);
    } });
    var mine = el('ul', { 'data-test': 'my-templates' });
    function listMine() {
      B.clear(mine);
      S.templates.filter(function (x) { return x.scope === 'personal'; }).forEach(function (x) {
        mine.appendChild(el('li', {}, [(x.title || x.text).slice(0, 60) + ' ',
          el('button', { type: 'button', class: 'c-link c-danger', text: t('delete'), onclick: function () {
            B.api('DELETE', '/api/operator/v1/templates/' + x.id).then(function () { loadTemplates().then(listMine); });
          } })]));
      });
    }
    listMine();
    var fields = [el('label', {}, [t('name'), name]), el('label', {}, [t('email'), email]),
      el('label', {}, [t('photo'), preview, file])];
    if (locked) fields.push(el('p', { 'data-test': 'profile-locked', text: t('profileLocked') }));
    fields.push(el('h3', { text: t('myTemplates') }), mine);
    dialog(t('profile'), fields, function (done) {
      if (locked) { done({ status: 200 }); return; }
      B.api('PUT', '/api/operator/v1/profile', { name: name.value, email: email.value, avatar: avatar }).then(function (res) {
        if (res.status === 200) S.me = Object.assign(S.me, res.body.operator);
        done(res);
      });
    });
  }
  /* The operator's own password; the current one is required. Other sessions end. */
  function passwordDialog() {
    var current = el('input', { type: 'password', name: 'current-password', autocomplete: 'current-password', required: true,
      'data-test': 'current-password' });
    var fresh = el('input', { type: 'password', name: 'new-password', autocomplete: 'new-password', required: true,
      minlength: '8', maxlength: '200', 'data-test': 'new-password' });
    var again = el('input', { type: 'password', name: 'new-password-again', autocomplete: 'new-password', required: true,
      'data-test': 'new-password-again' });
    dialog(t('changePassword'), [el('label', {}, [t('currentPassword'), current]), el('label', {}, [t('newPassword'), fresh]),
      el('label', {}, [t('repeatPassword'), again])], function (done) {
      if (fresh.value !== again.value) { done({ status: 422, body: { message: t('mismatch') } }); return; }
      B.api('PUT', '/api/operator/v1/password', { currentPassword: current.value, newPassword: fresh.value }).then(function (res) {
        if (res.status === 422 && res.body && res.body.error === 'wrong-password') res = { status: 422, body: { message: t('wrongPassword') } };
        done(res);
      });
    });
  }
  /* Two-factor authentication: set up (key, code, then the recovery codes once) or turn off. */
  function twoFactorDialog() {
    var code = el('input', { name: 'totp', autocomplete: 'one-time-code', inputmode: 'numeric', required: true,
      'data-test': 'totp' });
    if (S.twoFactor && S.twoFactor.enabled) {
      var password = el('input', { type: 'password', name: 'password', autocomplete: 'current-password', required: true });
      dialog(t('twoFactor'), [el('p', { text: t('tfOn') }), el('label', {}, [t('password'), password]),
        el('label', {}, [t('tfCode'), code])], function (done) {
        B.api('POST', '/api/operator/v1/2fa/disable', { password: password.value, code: code.value.trim() }).then(function (res) {
          if (res.status === 200) S.twoFactor = { enabled: false };
          done(res);
        });
      });
      return;
    }
    B.api('POST', '/api/operator/v1/2fa/setup', {}).then(function (res) {
      if (res.status !== 200) return;
      var key = el('code', { 'data-test': 'totp-secret', text: res.body.secret });
      var link = el('a', { href: res.body.otpauthUrl, text: res.body.otpauthUrl });
      dialog(t('twoFactor'), [el('p', { text: t('tfIntro') }), el('p', {}, [t('tfKey') + ': ', key]), el('p', {}, [link]),
        el('label', {}, [t('tfCode'), code])], function (done) {
        B.api('POST', '/api/operator/v1/2fa/enable', { code: code.value.trim() }).then(function (r) {
          done(r);
          if (r.status !== 200) return;
          S.twoFactor = { enabled: true };
          var list = el('ul', { 'data-test': 'recovery-codes' }, r.body.recoveryCodes.map(function (c) { return el('li', {}, [el('code', { text: c })]); }));
          dialog(t('twoFactor'), [el('p', { text: t('tfCodes') }), list], function (ok) { ok({ status: 200 }); location.reload(); });
        });
      });
    });
  }
  function teleportDialog() {
    var url = el('input', { type: 'url', name: 'url', required: true, 'data-test': 'teleport-url', placeholder: 'https://' });
    dialog(t('teleport'), [el('label', {}, [t('url'), url])], function (done) { action('teleport', { url: url.value }).then(done); });
  }
})();
