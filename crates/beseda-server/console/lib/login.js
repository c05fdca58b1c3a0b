/* The login form (with a one-time password change and the second factor) and the page
   header every console page shares. */
import { api, hasCsrf, keepCsrf, message, whenUnauthenticated } from './api.js';
import { adopt, keepLang, lang, otherLang, t } from './i18n.js';
import { clear, el } from '../../common/dom.js';

/** @typedef {{ id: number, name: string, email: string, role: string, status: string, avatar?: string, interfaceLang?: string | null }} Me */

/**
 * The header: title, the page's links, who is logged in, the language switch and log out.
 * @param {HTMLElement} root
 * @param {Me} me
 * @param {string} title
 * @param {HTMLElement[]} links
 */
export function header(root, me, title, links) {
  /* The switch saves the operator's interface language on the server (every browser follows it). */
  const langBtn = el('button', { class: 'c-link', 'data-test': 'lang', lang: otherLang(), text: t('language'),
    onclick: function () {
      const next = otherLang();
      api('PUT', '/api/operator/v1/interface-lang', { interfaceLang: next }).then(function () { keepLang(next); location.reload(); });
    } });
  const out = el('button', { class: 'c-link', 'data-test': 'logout', text: t('logout'), onclick: function () {
    api('POST', '/api/operator/v1/logout', {}).then(function () { keepCsrf(null); location.reload(); });
  } });
  const bar = el('header', { class: 'c-top' }, [el('b', { text: title }), el('nav', {}, links),
    el('span', { class: 'c-me', 'data-test': 'me', text: me.name + ' · ' + t('role.' + me.role) }), langBtn, out]);
  root.appendChild(bar);
  return bar;
}

/**
 * Shows the login form until the operator is in, then calls ready(me, root).
 * @param {(me: Me, root: HTMLElement) => void} ready
 */
export function start(ready) {
  const root = /** @type {HTMLElement} */ (document.getElementById('console'));
  document.documentElement.lang = lang();
  /** @param {string} [failed] */
  function showLogin(failed) {
    clear(root);
    const email = el('input', { type: 'email', name: 'email', autocomplete: 'username', required: true, 'aria-label': t('email') });
    const password = el('input', { type: 'password', name: 'password', autocomplete: 'current-password', required: true,
      'aria-label': t('password') });
    /* Shown when the password is one-time: the login then also sets the new one. */
    const fresh = el('input', { type: 'password', name: 'new-password', autocomplete: 'new-password', minlength: '8',
      maxlength: '200', 'data-test': 'new-password' });
    const again = el('input', { type: 'password', name: 'new-password-again', autocomplete: 'new-password',
      'data-test': 'new-password-again' });
    const change = el('fieldset', { class: 'c-change', hidden: true }, [el('legend', { text: t('mustChange') }),
      el('label', {}, [t('newPassword'), fresh]), el('label', {}, [t('repeatPassword'), again])]);
    /* Shown when the account has two-factor authentication. */
    const code = el('input', { name: 'totp', autocomplete: 'one-time-code', inputmode: 'numeric', 'data-test': 'totp' });
    const second = el('label', { hidden: true }, [t('totp'), code]);
    const submit = el('button', { type: 'submit', class: 'c-primary', text: t('login') });
    const note = el('p', { class: 'c-error', role: 'alert', text: failed || '' });
    const form = el('form', { class: 'c-login', onsubmit: function (/** @type {Event} */ ev) {
      ev.preventDefault();
      /** @type {Record<string, string>} */
      const body = { email: email.value, password: password.value };
      if (!second.hidden) {
        const typed = code.value.replace(/\s/g, '');
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
        const err = res.body && res.body.error;
        if (err === 'totp-required') { second.hidden = false; code.required = true; note.textContent = ''; code.focus(); return; }
        if (err === 'invalid-totp') { note.textContent = t('totpWrong'); code.select(); return; }
        if (res.status !== 200) { note.textContent = res.status === 401 ? t('wrong') : message(res); return; }
        keepCsrf(res.body.csrfToken);
        api('GET', '/api/operator/v1/me').then(function (me) {
          if (me.status === 200) go(me.body.operator, me.body.interfaceLang); else go(res.body.operator);
        });
      });
    } }, [el('h1', { text: t('title') }), el('label', {}, [t('email'), email]), el('label', {}, [t('password'), password]),
      second, change, submit, note]);
    root.appendChild(form);
    email.focus();
  }
  /* A 401 while logged in (the session ended: expiry, a reset, deactivation, a password change
     elsewhere) shows the login once; 401s on the login form itself change nothing. */
  let loggedIn = false;
  /** The operator is in: the page in their interface language (i18n.js `adopt`).
   * @param {Me} me @param {string} [main] the language `GET /me` names */
  function go(me, main) {
    adopt(me.interfaceLang, main);
    loggedIn = true; clear(root); ready(me, root);
  }
  whenUnauthenticated(function () { if (loggedIn) { loggedIn = false; showLogin(); } });
  api('GET', '/api/operator/v1/me').then(function (res) {
    if (res.status === 200 && hasCsrf()) go(res.body.operator, res.body.interfaceLang);
    else if (res.status === 403) showLogin(message(res));
    else showLogin();
  });
}
