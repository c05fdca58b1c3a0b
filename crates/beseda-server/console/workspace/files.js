/* Sending files to the open chat: the attach button, dropping files on the chat, pasting
   them into the reply box. Each is posted on its own; a refusal is shown in the console's
   language. */
import { message, upload } from '../lib/api.js';
import { has, t } from '../lib/i18n.js';
import { openChat } from './chat.js';
import { S, ui } from './state.js';
import { el } from '../../common/dom.js';

/**
 * A refused upload in words: the server's code translated, else its message.
 * @param {import('../lib/api.js').Result} res
 */
function refusal(res) {
  const code = res.body && res.body.error;
  return code && has('err.' + code) ? t('err.' + code) : message(res);
}

/** Sends each file to the open chat, one after another; reloads the chat after each. @param {File[]} files */
export function sendFiles(files) {
  if (!S.open || !files.length) return Promise.resolve();
  const chat = S.open;
  ui.note.className = 'c-ok';
  ui.note.textContent = t('uploading');
  return files.reduce(function (done, file) {
    return done.then(function (ok) {
      if (!ok) return false;
      const form = new FormData();
      form.append('file', file, file.name || 'file');
      return upload('/api/operator/v1/chats/' + chat + '/files', form).then(function (res) {
        if (res.status !== 200) {
          ui.note.className = 'c-error';
          ui.note.textContent = (file.name ? file.name + ': ' : '') + refusal(res);
          return false;
        }
        return (S.open === chat ? openChat(chat) : Promise.resolve()).then(function () { return true; });
      });
    });
  }, Promise.resolve(true)).then(function (ok) {
    if (ok) { ui.note.className = 'c-ok'; ui.note.textContent = ''; }
  });
}

/* A paper clip drawn inline (no emoji font needed); the button's text names it. */
function clipIcon() {
  const NS = 'http://www.w3.org/2000/svg';
  const svg = document.createElementNS(NS, 'svg');
  svg.setAttribute('viewBox', '0 0 24 24'); svg.setAttribute('width', '16'); svg.setAttribute('height', '16');
  svg.setAttribute('aria-hidden', 'true'); svg.setAttribute('focusable', 'false');
  const path = document.createElementNS(NS, 'path');
  path.setAttribute('d', 'M21 11.5l-8.5 8.5a5 5 0 0 1-7-7L14 4.5a3.5 3.5 0 0 1 5 5L10.5 18a2 2 0 0 1-3-3L15 7.5');
  path.setAttribute('fill', 'none'); path.setAttribute('stroke', 'currentColor'); path.setAttribute('stroke-width', '2');
  path.setAttribute('stroke-linecap', 'round'); path.setAttribute('stroke-linejoin', 'round');
  svg.appendChild(path);
  return svg;
}

/**
 * The attach button (a labelled file input), dropping files on the chat and pasting them into
 * the reply box. Called for each chat view built.
 * @param {HTMLElement} actions where the button goes
 */
export function mountFiles(actions) {
  const input = el('input', { type: 'file', multiple: true, class: 'w-file-input', 'data-test': 'attach-input',
    'aria-label': t('attach'), onchange: function () {
      const files = Array.prototype.slice.call(input.files || []);
      input.value = '';
      sendFiles(files);
    } });
  const button = el('button', { type: 'button', class: 'w-attach', 'data-test': 'attach',
    onclick: function () { input.click(); } }, [clipIcon(), t('attach')]);
  actions.appendChild(button);
  actions.appendChild(input);
  ui.text.addEventListener('paste', function (ev) {
    const files = ev.clipboardData ? Array.prototype.slice.call(ev.clipboardData.files || []) : [];
    if (!files.length) return;
    ev.preventDefault();
    sendFiles(files);
  });
  // The chat's section outlives the chats shown in it: listen on it once.
  if (ui.chat.hasAttribute('data-drop')) return;
  ui.chat.setAttribute('data-drop', '');
  ui.chat.addEventListener('dragover', function (ev) {
    if (!hasFiles(ev.dataTransfer)) return;
    ev.preventDefault();
    ui.chat.classList.add('is-dropping');
  });
  ui.chat.addEventListener('dragleave', function (ev) {
    const to = /** @type {Node | null} */ (ev.relatedTarget);
    if (!to || !ui.chat.contains(to)) ui.chat.classList.remove('is-dropping');
  });
  ui.chat.addEventListener('drop', function (ev) {
    ui.chat.classList.remove('is-dropping');
    if (!hasFiles(ev.dataTransfer)) return;
    ev.preventDefault();
    sendFiles(Array.prototype.slice.call(/** @type {DataTransfer} */ (ev.dataTransfer).files));
  });
}

/** @param {DataTransfer | null} dt */
function hasFiles(dt) {
  return !!dt && Array.prototype.indexOf.call(dt.types || [], 'Files') >= 0;
}
