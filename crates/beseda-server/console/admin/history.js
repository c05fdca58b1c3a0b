/* Chat history: search a period, open a chat. */
import { actions, button, checkForm, dateTime, daysBefore, input, orgToday, query, row, say, select, statusLine, table, td } from './forms.js';
import { api, message } from '../lib/api.js';
import { fileView } from '../lib/files.js';
import { fill, has, t } from '../lib/i18n.js';
import { time } from '../lib/time.js';
import { clear, el } from '../../common/dom.js';
import { visitorLabel } from '../lib/names.js';
import { surveyAnswers } from '../lib/survey_answers.js';

/** Messages the visitor writes (captioned «Посетитель» when they have no name). */
var VISITOR_KINDS = /^(visitor|file_visitor|sticker_visitor|contacts)$/;

export function historySection(box) {
  Promise.all([api('GET', '/api/operator/v1/directory'), api('GET', '/api/operator/v1/me')]).then(function (r) {
    var dir = r[0], cats = r[1].status === 200 && r[1].body.workspace ? r[1].body.workspace.categories || [] : [];
    clear(box);
    var people = dir.status === 200 ? dir.body.operators : [], deps = dir.status === 200 ? dir.body.departments : [];
    var today = orgToday(r[1]);
    var from = input('from', t('from'), { type: 'date', required: true, value: daysBefore(today, 29) });
    var to = input('to', t('to'), { type: 'date', required: true, value: today });
    var who = select('operator', t('operator'), [['', t('any')]].concat(people.map(function (o) { return [String(o.id), o.name]; })), '');
    var dep = select('department', t('department'), [['', t('any')]].concat(deps.map(function (d) { return [d.key, d.name]; })), '');
    var category = input('category', t('category'), { list: 'a-categories' });
    var catList = el('datalist', { id: 'a-categories' }, cats.map(function (c) { return el('option', { value: c.trim() }); }));
    var q = input('q', t('search'), { type: 'search' });
    var line = statusLine();
    var csv = el('a', { class: 'c-link', 'data-test': 'history-csv', text: t('csv'), download: 'beseda-history.csv' });
    var out = el('div', { 'data-test': 'history-result' });
    var chat = el('div', { 'data-test': 'history-chat' });
    var form = el('form', { class: 'a-filters', 'data-test': 'form-history', novalidate: true, onsubmit: function (ev) { ev.preventDefault(); load(); } },
      [row(t('from'), from), row(t('to'), to), row(t('operator'), who), row(t('department'), dep), row(t('category'), category),
        row(t('search'), q), el('button', { type: 'submit', class: 'c-primary', 'data-test': 'find', text: t('find') }), csv, catList]);
    function load() {
      if (!checkForm(form, line)) return;
      var params = { from: from.value, to: to.value, operator: who.value, department: dep.value, category: category.value.trim(),
        q: q.value.trim() };
      csv.href = '/api/admin/v1/history?' + query(Object.assign({ format: 'csv' }, params));
      say(line, t('loading'));
      api('GET', '/api/admin/v1/history?' + query(params)).then(function (res) {
        clear(out); clear(chat);
        if (res.status !== 200) { say(line, message(res), true); return; }
        var rows = res.body.chats;
        say(line, fill(t('found'), { n: rows.length }));
        if (res.body.truncated) out.appendChild(el('p', { class: 'a-muted', text: t('truncated') }));
        if (!rows.length) return;
        out.appendChild(table('history-table', ['№', t('when'), t('visitor'), t('firstQuestion'), t('operator'), t('department'),
          t('category'), t('outcome'), t('messages'), ''], rows.map(function (c) {
          var cat = [c.category, c.subcategory].filter(Boolean).join(' / ');
          var outcome = c.outcome ? (has('outcome.' + c.outcome) ? t('outcome.' + c.outcome) : c.outcome)
            : has('state.' + c.state) ? t('state.' + c.state) : c.state;
          return el('tr', { 'data-id': c.id }, [td(c.id), td(dateTime(c.createdAt)), td(visitorLabel({ visitorGivenName: c.visitorGivenName, visitorNumber: c.visitorNumber, visitorName: c.visitor })), el('td', { class: 'a-pre', text: c.firstQuestion || '' }),
            td(c.operator || ''), td(c.department || ''), td(cat), td(outcome), td(c.messages),
            actions([button(t('open'), 'open', function () { showChat(c.id); })])]);
        })));
      });
    }
    function showChat(id) {
      clear(chat);
      api('GET', '/api/operator/v1/chats/' + id).then(function (res) {
        clear(chat);
        if (res.status !== 200) { chat.appendChild(el('p', { class: 'c-error', text: message(res) })); return; }
        var log = el('div', { class: 'a-log' }, res.body.messages.map(function (m) {
          var note = m.kind === 'for_operator';
          var who = note ? t('noteLabel') + (m.name ? ' · ' + m.name : '') : m.name || t(VISITOR_KINDS.test(m.kind) ? 'historyVisitor' : 'historySystem');
          // A deleted message is listed as such, without its text (as the Stored Data API lists it).
          var body = m.deleted ? el('div', { class: 'a-deleted', text: t('deletedMessage') }) : fileView(m) || el('div', { text: m.text || '' });
          return el('div', { class: 'a-msg kind-' + m.kind, 'data-test': note ? 'note' : null }, [
            el('small', { text: time(m.ts) + ' · ' + who }), body]);
        }));
        chat.appendChild(el('div', { class: 'a-box' }, [el('h3', { text: t('chat') + ' №' + id + ' · ' + visitorLabel(res.body.chat) }), log,
          surveyAnswers(res.body.surveyAnswers), button(t('close'), 'close', function () { clear(chat); })]));
      });
    }
    box.appendChild(form);
    box.appendChild(line);
    box.appendChild(out);
    box.appendChild(chat);
    load();
  });
}
