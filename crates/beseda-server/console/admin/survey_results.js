/* Survey results: per survey of the period, its offers and, per question, the answers (average
   stars, how often each mark or option was chosen); CSV with one line per answer. Titles,
   questions and options are text nodes only. */
import { checkForm, daysBefore, input, mark, orgToday, query, row, say, statusLine, table, td } from './forms.js';
import { api, message } from '../lib/api.js';
import { fill, lang, t } from '../lib/i18n.js';
import { clear, el } from '../../common/dom.js';

export function surveyResultsSection(box) {
  api('GET', '/api/operator/v1/me').then(function (me) { resultsForm(box, orgToday(me)); });
}

function resultsForm(box, today) {
  var from = input('from', t('from'), { type: 'date', required: true, value: daysBefore(today, 6) });
  var to = input('to', t('to'), { type: 'date', required: true, value: today });
  var line = statusLine();
  var csv = el('a', { class: 'c-link', 'data-test': 'survey-results-csv', text: t('csv'), download: 'beseda-surveys.csv' });
  var out = el('div', { 'data-test': 'survey-results' });
  var form = el('form', { class: 'a-filters', 'data-test': 'form-survey-results', novalidate: true, onsubmit: function (ev) { ev.preventDefault(); load(); } },
    [row(t('from'), from), row(t('to'), to), el('button', { type: 'submit', class: 'c-primary', 'data-test': 'show', text: t('show') }), csv]);
  function counts(q) {
    var keys = Object.keys(q.counts || {});
    return keys.map(function (k) { return k + ': ' + q.counts[k]; }).join('; ');
  }
  function load() {
    if (!checkForm(form, line)) return;
    /* The server's limits of a period, said in the panel's language. */
    var days = (Date.parse(to.value) - Date.parse(from.value)) / 86400000;
    var wrong = days < 0 ? 'surveyPeriodOrder' : days > 366 ? 'surveyPeriodLong' : '';
    if (wrong) { mark(from, line); say(line, t(wrong), true); return; }
    var q = { from: from.value, to: to.value };
    csv.href = '/api/admin/v1/surveys/results?' + query(Object.assign({ format: 'csv' }, q));
    say(line, t('loading'));
    api('GET', '/api/admin/v1/surveys/results?' + query(q)).then(function (res) {
      clear(out);
      if (res.status !== 200) { say(line, message(res), true); return; }
      say(line, '');
      if (!res.body.surveys.length) { out.appendChild(el('p', { class: 'a-muted', text: t('noData') })); return; }
      res.body.surveys.forEach(function (s) {
        out.appendChild(el('h3', { text: s.title }));
        out.appendChild(el('p', { 'data-test': 'survey-offers', text: fill(t('surveyOffers'), { offered: s.offered, completed: s.completed, cancelled: s.cancelled }) }));
        out.appendChild(table('survey-results-table', [t('surveyFormCol'), t('surveyQuestionText'), t('surveyQuestionType'), t('surveyAnswers'), t('surveyAvgStars'), t('surveyCounts')],
          s.questions.map(function (x) {
            return el('tr', {}, [td(x.formId), td(x.text), td(t('surveyType.' + x.type)), td(x.answers), td(x.avgStars == null ? '' : Number(x.avgStars).toLocaleString(lang() === 'en' ? 'en' : 'ru', { maximumFractionDigits: 2 })), td(counts(x))]);
          })));
      });
    });
  }
  clear(box);
  box.appendChild(form);
  box.appendChild(line);
  box.appendChild(out);
  load();
}
