/* Internal notes: the operator writes one in the reply box and adds it with «Note» — staff
   see it in the chat and the history; the visitor never does. A note (a `for_operator`
   message with an author) is shown apart from the conversation. */
import { api, message } from '../lib/api.js';
import { t } from '../lib/i18n.js';
import { time } from '../lib/time.js';
import { openChat } from './chat.js';
import { S, ui } from './state.js';
import { el } from '../../common/dom.js';

/**
 * A note's view, or null for other messages.
 * @param {{ kind: string, text: string, name?: string, authorId?: number | null, ts: number, data?: any }} m
 * @returns {HTMLElement | null}
 */
export function noteView(m) {
  if (m.kind !== 'for_operator') return null;
  return el('div', { class: 'w-msg w-note', 'data-kind': m.kind, 'data-test': 'note' }, [
    el('b', { class: 'w-note-label', text: (m.data && m.data.geo ? t('visitorLocation') : t('noteLabel')) + (m.name ? ' · ' + m.name : '') }),
    el('div', { text: m.text || '' }),
    el('time', { text: time(m.ts) })
  ]);
}

/** Adds the reply box's text to the open chat as a note. */
export function addNote() {
  const text = ui.text.value.trim();
  if (!text || !S.open) return;
  const chat = S.open;
  api('POST', '/api/operator/v1/chats/' + chat + '/notes', { text: text }).then(function (res) {
    if (res.status !== 200) { ui.note.className = 'c-error'; ui.note.textContent = message(res); return; }
    if (S.open !== chat) return;
    if (ui.text.value.trim() === text) ui.text.value = '';
    ui.note.className = 'c-ok'; ui.note.textContent = t('noteAdded');
    openChat(chat);
  });
}

/** The «Note» button beside «Send». @param {HTMLElement} actions */
export function mountNotes(actions) {
  actions.appendChild(el('button', { type: 'button', class: 'w-note-button', 'data-test': 'add-note',
    title: t('noteHint'), text: t('addNote'), onclick: addNote }));
}
