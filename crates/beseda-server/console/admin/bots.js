/* Bots: the operator account a bot speaks as, its webhook and token. */
import { actions, button, check, checkForm, input, intOrNull, mark, refusal, reopened, row, say, select, statusLine, table, td } from './forms.js';
import { result } from './integration.js';
import { api, message } from '../lib/api.js';
import { t } from '../lib/i18n.js';
import { clear, el } from '../../common/dom.js';

export function botsSection(box, ctx, keep) {
  Promise.all([api('GET', '/api/admin/v1/bots'), api('GET', '/api/admin/v1/operators')]).then(function (r) {
    clear(box);
    if (r[0].status !== 200) { box.appendChild(el('p', { class: 'c-error', text: message(r[0]) })); return; }
    var bots = r[0].body.bots, ops = r[1].status === 200 ? r[1].body.operators : [];
    var editor = el('div', {});
    if (bots.length) {
      box.appendChild(table('bots-table', [t('bot'), t('sortOrder'), t('apiVersion'), t('botWebhook'), t('replyTimeout'), t('token'),
        t('actions')], bots.map(function (b) {
        return el('tr', { 'data-id': b.operatorId }, [td(b.name), td(b.sortOrder), td(b.apiVersion), el('td', { class: 'a-break', text: b.webhookUrl }),
          td(b.replyTimeoutSecs), el('td', {}, [el('code', { class: 'a-break', text: b.token || '' })]),
          actions([button(t('edit'), 'edit', function () { edit(b); })])]);
      })));
    } else {
      box.appendChild(el('p', { class: 'a-muted', text: t('noBots') }));
    }
    box.appendChild(editor);
    function edit(b, keep) {
      clear(editor);
      var fresh = !b;
      b = b || { operatorId: null, sortOrder: 100, apiVersion: 2, webhookUrl: '', replyTimeoutSecs: 0 };
      var choices = ops.filter(function (o) {
        return o.role !== 'admin' && (!fresh || !bots.some(function (x) { return x.operatorId === o.id; }));
      });
      var who = select('operatorId', t('operatorAccount'), [['', t('choose')]].concat(choices.map(function (o) {
        return [String(o.id), o.name + ' <' + o.email + '>'];
      })), b.operatorId == null ? '' : String(b.operatorId));
      who.disabled = !fresh;
      var sort = input('sortOrder', t('sortOrder'), { type: 'number', step: 1, value: b.sortOrder });
      var version = select('apiVersion', t('apiVersion'), [['2', '2'], ['1', '1']], String(b.apiVersion));
      var hook = input('webhookUrl', t('botWebhook'), { type: 'url', value: b.webhookUrl, placeholder: 'https://' });
      var timeout = input('replyTimeoutSecs', t('replyTimeout'), { type: 'number', min: 0, max: 3600, step: 1, value: b.replyTimeoutSecs });
      var ext = ['sendChannel', 'sendChatClosed', 'sendChatReturnedToBot'].map(function (k) { return check(k, t(k), b[k]); });
      var rotate = check('rotateToken', t('rotateToken'), false);
      var line = statusLine();
      var out = el('div', {});
      var form = el('form', { class: 'c-form a-box', 'data-test': 'form-bot', novalidate: true, onsubmit: function (ev) {
        ev.preventDefault();
        if (!checkForm(form, line)) return;
        if (!who.value) { mark(who, line); say(line, t('operatorAccount') + ': ' + t('required'), true); return; }
        var body = { operatorId: parseInt(who.value, 10), sortOrder: intOrNull(sort.value) || 0, apiVersion: parseInt(version.value, 10),
          webhookUrl: hook.value.trim(), replyTimeoutSecs: intOrNull(timeout.value) || 0, rotateToken: rotate.box.checked,
          sendChannel: ext[0].box.checked, sendChatClosed: ext[1].box.checked, sendChatReturnedToBot: ext[2].box.checked };
        api('PUT', '/api/admin/v1/bots', body).then(function (res) {
          if (res.status !== 200) { refusal(form, line, res); return; }
          botsSection(box, ctx, { id: res.body.operatorId, text: t('saved') });
        });
      } }, [el('h3', { text: fresh ? t('newBot') : t('editBot') + ': ' + b.name }), row(t('operatorAccount'), who),
        row(t('sortOrder'), sort), row(t('apiVersion'), version), row(t('botWebhook'), hook), row(t('replyTimeout'), timeout)]
        .concat(ext.map(function (c) { return c.node; })).concat([fresh ? null : rotate.node,
          el('div', { class: 'a-bar' }, [el('button', { type: 'submit', class: 'c-primary', 'data-test': 'save', text: t('save') }),
            fresh ? null : button(t('close'), 'close', function () { edit(null); }), line]), out]));
      if (!fresh && b.token) out.appendChild(result('bot-token', [[t('token'), b.token]]));
      editor.appendChild(form);
      reopened(form, line, keep);
    }
    var kept = keep && bots.filter(function (b) { return b.operatorId === keep.id; })[0];
    edit(kept || null, kept ? keep : null);
  });
}
