/* Beseda console: what the workspace and the admin panel share — the API client (session
   cookie plus the CSRF token kept for this tab), the login form, Russian and English texts,
   and DOM helpers. Every visitor or operator string goes into the page as text. */
(function () {
  'use strict';
  var CSRF_KEY = 'beseda.csrf', LANG_KEY = 'beseda.lang';
  var lang = localStorage.getItem(LANG_KEY) || ((navigator.language || '').slice(0, 2) === 'en' ? 'en' : 'ru');
  var dict = { ru: {}, en: {} };
  var COMMON = {
    ru: { email: 'E-mail', password: 'Пароль', login: 'Войти', logout: 'Выйти', wrong: 'Неверный e-mail или пароль',
      language: 'English', save: 'Сохранить', saved: 'Сохранено', cancel: 'Отмена', delete: 'Удалить', add: 'Добавить',
      edit: 'Изменить', workspace: 'Рабочее место', admin: 'Администрирование', error: 'Ошибка', forbidden: 'Нет доступа',
      blocked: 'Доступ с вашего адреса запрещён', newPassword: 'Новый пароль', repeatPassword: 'Новый пароль ещё раз',
      mustChange: 'Этот пароль одноразовый. Задайте свой пароль, чтобы войти.', mismatch: 'Пароли не совпадают',
      weakPassword: 'Пароль — от 8 до 200 символов и не такой, как прежний', deactivated: 'Учётная запись отключена',
      setPassword: 'Задать пароль и войти', totp: 'Код из приложения-аутентификатора (или код восстановления)',
      totpWrong: 'Неверный код' },
    en: { email: 'E-mail', password: 'Password', login: 'Log in', logout: 'Log out', wrong: 'Wrong e-mail or password',
      language: 'Русский', save: 'Save', saved: 'Saved', cancel: 'Cancel', delete: 'Delete', add: 'Add',
      edit: 'Edit', workspace: 'Workspace', admin: 'Administration', error: 'Error', forbidden: 'Forbidden',
      blocked: 'Access from your address is not allowed', newPassword: 'New password', repeatPassword: 'New password again',
      mustChange: 'This password is one-time. Set your own password to log in.', mismatch: 'The passwords differ',
      weakPassword: 'A password has 8 to 200 characters and differs from the old one', deactivated: 'This account is deactivated',
      setPassword: 'Set the password and log in', totp: 'Code from the authenticator app (or a recovery code)',
      totpWrong: 'Wrong code' }
  };

  function t(key) { return dict[lang][key] || COMMON[lang][key] || key; }
  function texts(ru, en) { dict.ru = ru; dict.en = en; }
  function el(tag, attrs, children) {
    var e = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      var v = attrs[k];
      if (v == null || v === false) return;
      if (k === 'text') e.textContent = v;
      else if (k === 'class') e.className = v;
      else if (k.slice(0, 2) === 'on') e.addEventListener(k.slice(2), v);
      else if (k === 'value' || k === 'checked' || k === 'disabled' || k === 'hidden') e[k] = v;
      else e.setAttribute(k, v === true ? '' : v);
    });
    (children || []).forEach(function (c) { if (c != null) e.appendChild(typeof c === 'string' ? document.createTextNode(c) : c); });
    return e;
  }
  function clear(node) { while (node.firstChild) node.removeChild(node.firstChild); return node; }

  var onUnauthenticated = null;
  /* One call to the operator or admin API: resolves {status, body}; a 401 shows the login. */
  function api(method, path, body) {
    var headers = { 'content-type': 'application/json' };
    var csrf = sessionStorage.getItem(CSRF_KEY);
    if (csrf) headers['x-csrf-token'] = csrf;
    return fetch(path, { method: method, headers: headers, credentials: 'same-origin',
      body: body === undefined ? undefined : JSON.stringify(body) })
      .then(function (r) {
        var type = r.headers.get('content-type') || '';
        return (type.indexOf('json') >= 0 ? r.json() : r.text()).then(function (b) { return { status: r.status, body: b }; });
      })
      .then(function (res) {
        if (res.status === 401 && onUnauthenticated) onUnauthenticated();
        return res;
      });
  }
  function message(res) {
    var code = res.body && res.body.error;
    if (res.status === 403 && code === 'ip-not-allowed') return t('blocked');
    if (code === 'weak-password') return t('weakPassword');
    if (code === 'account-deactivated') return t('deactivated');
    return (res.body && (res.body.message || res.body.error)) || (t('error') + ' ' + res.status);
  }

  function header(root, me, title, links) {
    var langBtn = el('button', { class: 'c-link', 'data-test': 'lang', text: t('language'), onclick: function () {
      localStorage.setItem(LANG_KEY, lang === 'ru' ? 'en' : 'ru'); location.reload();
    } });
    var out = el('button', { class: 'c-link', 'data-test': 'logout', text: t('logout'), onclick: function () {
      api('POST', '/api/operator/v1/logout', {}).then(function () { sessionStorage.removeItem(CSRF_KEY); location.reload(); });
    } });
    var bar = el('header', { class: 'c-top' }, [el('b', { text: title }), el('nav', {}, links),
      el('span', { class: 'c-me', 'data-test': 'me', text: me.name + ' · ' + me.role }), langBtn, out]);
    root.appendChild(bar);
    return bar;
  }

  /* Shows the login form until the operator is in, then calls ready(me). */
  function start(ready) {
    var root = document.getElementById('console');
    document.documentElement.lang = lang;
    function showLogin(failed) {
      clear(root);
      var email = el('input', { type: 'email', name: 'email', autocomplete: 'username', required: true, 'aria-label': t('email') });
      var password = el('input', { type: 'password', name: 'password', autocomplete: 'current-password', required: true,
        'aria-label': t('password') });
      /* Shown when the password is one-time: the login then also sets the new one. */
      var fresh = el('input', { type: 'password', name: 'new-password', autocomplete: 'new-password', minlength: '8',
        maxlength: '200', 'data-test': 'new-password' });
      var again = el('input', { type: 'password', name: 'new-password-again', autocomplete: 'new-password',
        'data-test': 'new-password-again' });
      var change = el('fieldset', { class: 'c-change', hidden: true }, [el('legend', { text: t('mustChange') }),
        el('label', {}, [t('newPassword'), fresh]), el('label', {}, [t('repeatPassword'), again])]);
      /* Shown when the account has two-factor authentication. */
      var code = el('input', { name: 'totp', autocomplete: 'one-time-code', inputmode: 'numeric', 'data-test': 'totp' });
      var second = el('label', { hidden: true }, [t('totp'), code]);
      var submit = el('button', { type: 'submit', class: 'c-primary', text: t('login') });
      var note = el('p', { class: 'c-error', role: 'alert', text: failed || '' });
      var form = el('form', { class: 'c-login', onsubmit: function (ev) {
        ev.preventDefault();
        var body = { email: email.value, password: password.value };
        if (!second.hidden) {
          var typed = code.value.replace(/\s/g, '');
          if (/^\d{6}$/.test(typed)) body.totpCode = typed; else body.recoveryCode = typed;
        }
        if (!change.hidden) {
          if (fresh.value !== again.value) { note.textContent = t('mismatch'); again.focus(); return; }
          body.newPassword = fresh.value;
        }
        api('POST', '/api/operator/v1/login', body).then(function (res) {
          if (res.status === 403 && res.body && res.body.error === 'password-change-required') {
            change.hidden = false; fresh.required = true; again.required = true;
            submit.textContent = t('setPassword'); note.textContent = ''; fresh.focus();
            return;
          }
          var err = res.body && res.body.error;
          if (err === 'totp-required') { second.hidden = false; code.required = true; note.textContent = ''; code.focus(); return; }
          if (err === 'invalid-totp') { note.textContent = t('totpWrong'); code.select(); return; }
          if (res.status !== 200) { note.textContent = res.status === 401 ? t('wrong') : message(res); return; }
          sessionStorage.setItem(CSRF_KEY, res.body.csrfToken);
          go(res.body.operator);
        });
      } }, [el('h1', { text: t('title') }), el('label', {}, [t('email'), email]), el('label', {}, [t('password'), password]),
        second, change, submit, note]);
      root.appendChild(form);
      email.focus();
    }
    /* A 401 while logged in (the session ended: expiry, a reset, deactivation, a password change
       elsewhere) shows the login once; 401s on the login form itself change nothing. */
    var loggedIn = false;
    function go(me) { loggedIn = true; clear(root); ready(me, root); }
    onUnauthenticated = function () { if (loggedIn) { loggedIn = false; showLogin(); } };
    api('GET', '/api/operator/v1/me').then(function (res) {
      if (res.status === 200 && sessionStorage.getItem(CSRF_KEY)) go(res.body.operator);
      else if (res.status === 403) showLogin(message(res));
      else showLogin();
    });
  }

  function time(ts) {
    var d = new Date(ts * 1000), locale = lang === 'en' ? 'en-GB' : 'ru-RU';
    var today = new Date().toDateString() === d.toDateString();
    return today ? d.toLocaleTimeString(locale, { hour: '2-digit', minute: '2-digit' })
      : d.toLocaleString(locale, { day: '2-digit', month: '2-digit', hour: '2-digit', minute: '2-digit' });
  }

  window.Beseda = { api: api, t: t, texts: texts, el: el, clear: clear, start: start, header: header, message: message,
    time: time, lang: function () { return lang; } };
})();
