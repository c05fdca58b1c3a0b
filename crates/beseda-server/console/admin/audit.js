/* The audit log. */
import { button, dateTime, input, query, row, say, statusLine, table, td } from './forms.js';
import { api, message } from '../lib/api.js';
import { fill, t } from '../lib/i18n.js';
import { clear, el } from '../../common/dom.js';

/* The audit log: who changed what, from where; newest first, a page at a time. */
export function auditSection(box) {
  clear(box);
  var PAGE = 50, offset = 0;
  var from = input('from', t('from'), { type: 'date' });
  var to = input('to', t('to'), { type: 'date' });
  var actor = input('actor', t('audit.actor'), { placeholder: t('audit.actorHint') });
  var action = input('action', t('audit.action'), { placeholder: t('audit.actionHint') });
  var line = statusLine();
  var csv = el('a', { class: 'c-link', 'data-test': 'audit-csv', text: t('csv'), download: 'beseda-audit.csv' });
  var out = el('div', { 'data-test': 'audit-result' });
  var newer = button(t('audit.newer'), 'audit-newer', function () { offset = Math.max(0, offset - PAGE); load(); });
  var older = button(t('audit.older'), 'audit-older', function () { offset += PAGE; load(); });
  var form = el('form', { class: 'a-filters', 'data-test': 'form-audit', novalidate: true,
    onsubmit: function (ev) { ev.preventDefault(); offset = 0; load(); } },
    [row(t('from'), from), row(t('to'), to), row(t('audit.actor'), actor), row(t('audit.action'), action),
      el('button', { type: 'submit', class: 'c-primary', 'data-test': 'find', text: t('find') }), csv]);
  function changesText(c) {
    return Object.keys(c || {}).map(function (k) {
      var v = c[k] || {};
      return k + ': ' + JSON.stringify(v.before === undefined ? null : v.before) + ' → ' + JSON.stringify(v.after === undefined ? null : v.after);
    }).join('\n');
  }
  function load() {
    var params = { from: from.value, to: to.value, actor: actor.value.trim(), action: action.value.trim() };
    csv.href = '/api/admin/v1/audit?' + query(Object.assign({ format: 'csv' }, params));
    say(line, t('loading'));
    api('GET', '/api/admin/v1/audit?' + query(Object.assign({ offset: offset, limit: PAGE }, params))).then(function (res) {
      clear(out);
      if (res.status !== 200) { say(line, message(res), true); return; }
      var rows = res.body.entries;
      say(line, fill(t('found'), { n: rows.length }));
      newer.disabled = offset === 0;
      older.disabled = !res.body.more;
      if (rows.length) {
        out.appendChild(table('audit-table', [t('audit.at'), t('audit.actor'), t('audit.address'), t('audit.action'),
          t('audit.target'), t('audit.changes')], rows.map(function (e) {
          return el('tr', { 'data-id': e.id }, [td(dateTime(e.at)), td(e.actor), td(e.address), td(e.action),
            td([e.targetType, e.targetId].filter(Boolean).join(' ')), el('td', { class: 'a-pre', text: changesText(e.changes) })]);
        })));
      }
      out.appendChild(el('div', { class: 'a-actions' }, [newer, older]));
    });
  }
  box.appendChild(form);
  box.appendChild(line);
  box.appendChild(out);
  load();
}
