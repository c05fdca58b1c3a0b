/* Views over the workspace that only show: a modal with role="dialog", a focus trap and
   Escape to close (focus returns where it was), and a chat opened read-only in one (earlier
   chats of the visitor, chats found in the history). */
import { api, message } from '../lib/api.js';
import { t } from '../lib/i18n.js';
import { time } from '../lib/time.js';
import { fileName } from './chat.js';
import { visitorLabel } from './lists.js';
import { fileView } from '../lib/files.js';
import { noteView } from './notes.js';
import { STATE_TEXT, SYSTEM, VISITOR_SIDE } from './state.js';
import { surveyAnswers } from '../lib/survey_answers.js';
import { clear, el } from '../../common/dom.js';
import { requestText } from './requests.js';

var opened = 0;

/** Keeps Tab and Shift+Tab inside `box`. @param {KeyboardEvent} ev @param {HTMLElement} box */
function trap(ev, box) {
  var all = /** @type {NodeListOf<HTMLElement>} */ (box.querySelectorAll(
    'a[href], button:not([disabled]), input:not([disabled]), select:not([disabled]), textarea, [tabindex]:not([tabindex="-1"])'));
  if (!all.length) return;
  var first = all[0], last = all[all.length - 1];
  if (ev.shiftKey && document.activeElement === first) { ev.preventDefault(); last.focus(); }
  else if (!ev.shiftKey && document.activeElement === last) { ev.preventDefault(); first.focus(); }
}

/**
 * A modal view titled `title` holding `children`; `test` names it for tests.
 * @param {string} title
 * @param {Node[]} children
 * @param {string} test
 * @returns {{ box: HTMLElement, close: () => void }}
 */
export function modal(title, children, test) {
  var back = /** @type {HTMLElement | null} */ (document.activeElement);
  var id = 'w-modal-' + (++opened);
  var wrap;
  function close() { wrap.remove(); if (back && back.focus) back.focus(); }
  var shut = el('button', { type: 'button', class: 'c-link', 'data-test': test + '-close', text: t('closeView'), onclick: close });
  /** @type {Node[]} */
  var parts = [el('div', { class: 'w-modal-head' }, [el('h2', { id: id, text: title }), shut])];
  var box = el('div', { class: 'w-modal', role: 'dialog', 'aria-modal': 'true', 'aria-labelledby': id, 'data-test': test },
    parts.concat(children));
  wrap = el('div', { class: 'w-dialog', onkeydown: function (ev) {
    if (ev.key === 'Escape') { ev.stopPropagation(); close(); } else if (ev.key === 'Tab') trap(ev, box);
  } }, [box]);
  document.body.appendChild(wrap);
  shut.focus();
  return { box: box, close: close };
}

/** Chat `id` read-only: its messages, nothing to send. @param {number} id */
export function showChat(id) {
  var log = el('div', { class: 'w-log w-readonly-log', role: 'log', 'data-test': 'readonly-log' });
  var view = modal(t('chat') + ' №' + id, [log], 'readonly-chat');
  api('GET', '/api/operator/v1/chats/' + id).then(function (res) {
    clear(log);
    if (res.status !== 200) { log.appendChild(el('p', { class: 'c-error', role: 'alert', text: message(res) })); return; }
    var c = res.body.chat;
    view.box.querySelector('h2').textContent = t('chat') + ' №' + id + ' · ' + visitorLabel(c) + ' · ' + t(STATE_TEXT[c.state] || c.state);
    res.body.messages.forEach(function (m) {
      if (m.deleted) return; // as in the live chat
      var note = noteView(m);
      if (note) { log.appendChild(note); return; }
      var side = VISITOR_SIDE.test(m.kind) ? 'from-visitor' : SYSTEM.test(m.kind) ? 'from-system' : 'from-operator';
      var text = /^file_/.test(m.kind) ? t('file') + ': ' + fileName(m) : requestText(m) || m.text;
      var who = side === 'from-operator' && m.name ? m.name + ' · ' : '';
      log.appendChild(el('div', { class: 'w-msg ' + side, 'data-kind': m.kind },
        [fileView(m) || document.createTextNode(text || ''), el('time', { text: who + time(m.ts) })]));
    });
    var survey = surveyAnswers(res.body.surveyAnswers);
    if (survey) log.appendChild(survey);
  });
}
