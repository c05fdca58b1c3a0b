/* Beseda workspace: the operator's lists (waiting, mine, with others), one chat with its
   history and visitor, the reply box with templates and suggestions, categories, redirect,
   teleport and close; live over the operator event stream. Every visitor and operator string
   is put into the page as text. This module builds the page; each area lives in its own
   module (see the imports). */
import { twoFactorDialog, passwordDialog, profileDialog } from './account.js';
import { askNotifications, stopBlink } from './alerts.js';
import { loadDirectory, loadTemplates, setStatus } from './data.js';
import { connect } from './events.js';
import { openHistory } from './history.js';
import { pushToggle } from './push.js';
import { reloadLists } from './lists.js';
import { help, mountShortcuts } from './shortcuts.js';
import { S, ui } from './state.js';
import { TEXTS } from './texts.js';
import { mountVisitors } from './visitors.js';
import { api } from '../lib/api.js';
import { loadLanguages } from '../lib/languages.js';
import { t, texts } from '../lib/i18n.js';
import { header as pageHeader, start } from '../lib/login.js';
import { el } from '../../common/dom.js';

texts(TEXTS);

start(function (me, root) {
  S.me = me;
  mountShortcuts();
  var links = [];
  if (me.role !== 'operator') links.push(el('a', { class: 'c-link', href: '/admin', text: t('admin') }));
  var header = pageHeader(root, me, t('title'), links);
  ui.status = el('select', { 'data-test': 'status', 'aria-label': t('myStatus'), onchange: function () { setStatus(ui.status.value); } },
    ['online', 'invisible', 'offline'].map(function (s) { return el('option', { value: s, text: t(s) }); }));
  ui.status.value = me.status;
  ui.notify = el('button', { class: 'c-link', 'data-test': 'notifications', text: t('notifications'), onclick: askNotifications });
  ui.soundBox = el('input', { type: 'checkbox', checked: S.sound, onchange: function () {
    S.sound = ui.soundBox.checked; localStorage.setItem('beseda.sound', S.sound ? 'on' : 'off');
  } });
  header.insertBefore(el('label', { class: 'c-me' }, [ui.soundBox, ' ' + t('sound')]), header.querySelector('[data-test=me]'));
  header.insertBefore(ui.notify, header.querySelector('[data-test=me]'));
  header.insertBefore(pushToggle(), header.querySelector('[data-test=me]'));
  header.insertBefore(el('button', { class: 'c-link', 'data-test': 'history', text: t('history'), onclick: openHistory }),
    header.querySelector('[data-test=me]'));
  header.insertBefore(el('button', { class: 'c-link', 'data-test': 'shortcuts', 'aria-keyshortcuts': '?', text: t('shortcuts'),
    onclick: help }), header.querySelector('[data-test=me]'));
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
  var main = el('div', { class: 'w-main' }, [ui.lists, ui.chat, ui.side]);
  root.appendChild(main);
  mountVisitors(header, ui.status, main);
  window.addEventListener('focus', stopBlink);
  document.addEventListener('click', stopBlink);
  Promise.all([api('GET', '/api/operator/v1/me'), loadTemplates(), loadDirectory(), loadLanguages()]).then(function (r) {
    S.ws = r[0].body.workspace || {};
    S.twoFactor = r[0].body.twoFactor || {};
    // The organisation requires a second factor this account lacks: set it up first.
    if (r[0].body.require2fa && !S.twoFactor.enabled) { twoFactorDialog(); return null; }
    return reloadLists().then(connect);
  });
});
