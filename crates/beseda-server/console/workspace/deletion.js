/* Deleting one's own message: a Delete button on the operator's own texts and files while the
   chat is not closed, a dialog to confirm, then the message leaves the log here, the visitor's
   widget or app and the other operators' workspaces. */
import { api } from '../lib/api.js';
import { t } from '../lib/i18n.js';
import { dialog } from '../lib/dialog.js';
import { focusReply, renderLog } from './chat.js';
import { S } from './state.js';
import { el } from '../../common/dom.js';

/** Whether the operator may delete message `m` of the open chat (the server decides again). */
function deletable(m) {
  var c = S.detail && S.detail.chat;
  return !!c && !m.deleted && (m.kind === 'operator' || m.kind === 'file_operator') && m.authorId === S.me.id &&
    !/^(closed|closed_by_operator)$/.test(c.state);
}

/** The Delete button of message `m` (shown as `excerpt`), or null. */
export function deleteButton(m, excerpt) {
  if (!deletable(m)) return null;
  return el('button', { type: 'button', class: 'w-msg-delete', 'data-test': 'delete-message',
    'aria-label': t('deleteMessage') + ': ' + excerpt.slice(0, 60), text: t('delete'),
    onclick: function () { confirmDelete(m, excerpt); } });
}

function confirmDelete(m, excerpt) {
  var chat = S.open;
  var quote = el('blockquote', { class: 'w-quote', 'data-test': 'delete-quote', text: excerpt.slice(0, 300) });
  var note = dialog(t('deleteMessage'), [el('p', { text: t('deleteMessageAsk') }), quote], function (done) {
    api('DELETE', '/api/operator/v1/chats/' + chat + '/messages/' + encodeURIComponent(m.id)).then(function (res) {
      // Deleted meanwhile (another tab, the API): what was asked for is done.
      var gone = res.status === 404 && res.body && res.body.error === 'message_not_found';
      if (res.status !== 200 && !gone) { done(res); return; }
      if (S.open === chat && S.detail) {
        S.detail.messages = S.detail.messages.filter(function (x) { return x.id !== m.id; });
        renderLog();
      }
      done({ status: 200 });
      focusReply();
    });
  }, t('delete'));
  // Nothing to fill in: the dialog starts on Cancel, so a second Enter does not delete.
  var form = note.closest('form'), cancel = form && form.querySelector('button[type=button]');
  if (cancel instanceof HTMLElement) cancel.focus();
}
