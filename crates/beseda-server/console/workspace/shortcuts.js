/* Keyboard shortcuts of the workspace, listed in a help dialog on "?": Alt+N the next chat
   with unread messages (else the first waiting one), Alt+T take, Alt+C close, Alt+P the
   template picker, Alt+K ask the visitor for contacts, Ctrl+Enter send (Enter sends too), Escape closes a dialog. */
import { focusReply, openChat } from './chat.js';
import { sendReply } from './reply.js';
import { S, ui } from './state.js';
import { dialog } from '../lib/dialog.js';
import { t } from '../lib/i18n.js';
import { el } from '../../common/dom.js';

/** @type {[string, string][]} key, text key */
const KEYS = [['Alt+N', 'keyNext'], ['Alt+T', 'take'], ['Alt+C', 'close'], ['Alt+P', 'templates'],
  ['Alt+K', 'askContacts'], ['Enter / Ctrl+Enter', 'send'], ['Shift+Enter', 'keyNewLine'], ['Esc', 'keyEscape'], ['?', 'shortcuts']];

/** The next chat to answer: mine with unread messages after the open one, else the first waiting. */
function nextChat() {
  const mine = S.lists.mine.filter(function (c) { return c.unreadCount; });
  const after = mine.filter(function (c) { return c.id !== S.open; });
  if (after.length) return after[0];
  return S.lists.waiting[0] || null;
}

function click(test) {
  const b = /** @type {HTMLButtonElement | null} */ (document.querySelector('[data-test=chat-bar] [data-test=' + test + ']'));
  if (b && !b.disabled) b.click();
}

export function help() {
  const list = el('dl', { class: 'w-keys', 'data-test': 'shortcuts' });
  KEYS.forEach(function (k) {
    list.appendChild(el('dt', {}, [el('kbd', { text: k[0] })]));
    list.appendChild(el('dd', { text: t(k[1]) }));
  });
  dialog(t('shortcuts'), [list], null);
}

/** Listens for the shortcuts on the whole page. */
export function mountShortcuts() {
  document.addEventListener('keydown', function (ev) {
    const target = /** @type {HTMLElement} */ (ev.target);
    const typing = /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName) || target.isContentEditable;
    if (document.querySelector('.w-dialog')) return;
    if (ev.key === '?' && !typing && !ev.altKey && !ev.ctrlKey && !ev.metaKey) { ev.preventDefault(); help(); return; }
    if (ev.key === 'Enter' && (ev.ctrlKey || ev.metaKey) && target === ui.text) { ev.preventDefault(); sendReply(); return; }
    if (!ev.altKey || ev.ctrlKey || ev.metaKey) return;
    const key = ev.code.replace(/^Key/, '').toLowerCase();
    if (key === 'n') {
      ev.preventDefault();
      const c = nextChat();
      if (c) openChat(c.id).then(focusReply);
    } else if (key === 't') { ev.preventDefault(); click('take'); }
    else if (key === 'c') { ev.preventDefault(); click('close'); }
    else if (key === 'p' && ui.picker && !ui.picker.disabled) { ev.preventDefault(); ui.picker.focus(); }
    else if (key === 'k') {
      ev.preventDefault();
      const ask = /** @type {HTMLButtonElement | null} */ (document.querySelector('[data-test=ask-contacts]'));
      if (ask && !ask.disabled) ask.click();
    }
  });
}
