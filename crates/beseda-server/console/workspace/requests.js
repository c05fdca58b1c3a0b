/* Requests to the visitor beside «Send»: «Ask for contacts» sends a contact request (`cont_req`:
   the visitor's window shows a contact form; the server writes the request in the chat's
   language), «Action request» an `action_request` with data for the visitor's app, which the
   app acknowledges. */
import { t } from '../lib/i18n.js';
import { dialog } from '../lib/dialog.js';
import { time } from '../lib/time.js';
import { action } from './chat.js';
import { S } from './state.js';
import { el } from '../../common/dom.js';

/** The server's limit for an action request's data, as JSON. */
var MAX_DATA_BYTES = 16384;

function clientSideId() { return 'w' + Date.now().toString(36) + Math.random().toString(36).slice(2, 8); }

/** Asks the visitor of the open chat for contact details. */
export function askContacts() {
  if (!S.open) return;
  action('messages', { clientSideId: clientSideId(), kind: 'cont_req', text: '' });
}

/** The action request form: text for the visitor, data (a JSON object) for the app. */
export function actionRequestDialog() {
  var text = el('textarea', { name: 'text', rows: 2, required: 'required', 'data-test': 'action-request-text' });
  var data = el('textarea', { name: 'data', rows: 3, required: 'required', spellcheck: 'false',
    'data-test': 'action-request-data', placeholder: '{"action": "call"}' });
  var note = dialog(t('actionRequest'), [el('label', {}, [t('actionRequestText'), text]),
    el('label', {}, [t('actionRequestData'), data])], function (done) {
    var parsed = null;
    try { parsed = JSON.parse(data.value); } catch (e) { parsed = null; }
    var bad = !parsed || typeof parsed !== 'object' || Array.isArray(parsed) ? 'actionRequestBadData'
      : new TextEncoder().encode(JSON.stringify(parsed)).length > MAX_DATA_BYTES ? 'actionRequestDataTooLarge' : null;
    if (bad) {
      note.textContent = t(bad);
      data.setAttribute('aria-invalid', 'true');
      data.focus();
      return;
    }
    action('messages', { clientSideId: clientSideId(), kind: 'action_request', text: text.value.trim(), data: parsed }).then(done);
  });
}

/** The two buttons, after «Send». @param {HTMLElement} actions */
export function mountRequests(actions) {
  actions.appendChild(el('button', { type: 'button', 'data-test': 'ask-contacts', title: t('askContactsHint'),
    text: t('askContacts'), onclick: askContacts }));
  actions.appendChild(el('button', { type: 'button', 'data-test': 'action-request', text: t('actionRequest'),
    onclick: actionRequestDialog }));
}

/**
 * How the log shows a contact request, an answer or an action request (null for other kinds).
 * @param {{ kind: string, text: string, data?: any }} m
 * @returns {string | null}
 */
export function requestText(m) {
  if (m.kind === 'cont_req') return t('contactRequestLabel') + ': ' + (m.text || '');
  if (m.kind === 'contacts') return t('contactsLabel') + ':\n' + (m.text || '');
  if (m.kind !== 'action_request') return null;
  var ack = m.data && typeof m.data.acknowledgedAt === 'number'
    ? ' · ' + t('acknowledged') + ' ' + time(m.data.acknowledgedAt) : '';
  return t('actionRequestLabel') + ': ' + (m.text || '') + ack;
}
