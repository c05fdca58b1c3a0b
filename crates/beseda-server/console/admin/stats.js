/* Statistics: a period by day, operator, department, category or subcategory, with charts and CSV.
   Keys (names of operators, departments, categories) are text nodes only. */
import { checkForm, daysBefore, input, orgToday, query, row, say, select, statusLine, table, td } from './forms.js';
import { api, message } from '../lib/api.js';
import { t } from '../lib/i18n.js';
import { clear, el } from '../../common/dom.js';

export var SVG = 'http://www.w3.org/2000/svg';
/* A horizontal bar chart: one bar a row, the label on the left and the value after the bar. */
export function barChart(caption, test, rows, valueOf) {
  var W = 640, bar = 18, gap = 6, left = 160, right = 70, top = 6;
  var raw = rows.map(valueOf);
  var values = raw.map(function (v) { return typeof v === 'number' && isFinite(v) ? v : 0; });
  var max = Math.max.apply(null, values.concat([0]));
  var H = top * 2 + rows.length * (bar + gap);
  function node(tag, attrs, text) {
    var n = document.createElementNS(SVG, tag);
    Object.keys(attrs).forEach(function (k) { n.setAttribute(k, attrs[k]); });
    if (text != null) n.textContent = text;
    return n;
  }
  var svg = node('svg', { class: 'c-chart', viewBox: '0 0 ' + W + ' ' + H, width: W, height: H, role: 'img', 'aria-label': caption,
    'data-test': test });
  rows.forEach(function (r, i) {
    var y = top + i * (bar + gap), v = values[i], w = max > 0 ? Math.max(v > 0 ? 1 : 0, (W - left - right) * v / max) : 0;
    var label = String(r.key);
    if (label.length > 24) label = label.slice(0, 23) + '…';
    svg.appendChild(node('text', { x: left - 6, y: y + bar * 0.72, 'text-anchor': 'end' }, label));
    var rect = node('rect', { x: left, y: y, width: w.toFixed(1), height: bar, rx: 2 });
    var shown = raw[i] == null ? '—' : String(v);
    rect.appendChild(node('title', {}, r.key + ': ' + shown));
    svg.appendChild(rect);
    svg.appendChild(node('text', { x: left + w + 4, y: y + bar * 0.72 }, shown));
  });
  return el('figure', { class: 'a-figure' }, [el('figcaption', { text: caption }), svg]);
}
export var STAT_COLUMNS = [['chats', 'chats'], ['answered', 'answered'], ['missed', 'missed'], ['refusals', 'refusals'],
  ['busyMessages', 'busyMessages'], ['offline', 'offline'], ['avgFirstAnswerSecs', 'avgFirstAnswer'],
  ['avgResponseSecs', 'avgResponse'], ['ratings', 'ratings'], ['avgRating', 'avgRating']];
export function statsSection(box) {
  api('GET', '/api/operator/v1/me').then(function (me) { statsForm(box, orgToday(me)); });
}
export function statsForm(box, today) {
  var from = input('from', t('from'), { type: 'date', required: true, value: daysBefore(today, 6) });
  var to = input('to', t('to'), { type: 'date', required: true, value: today });
  var group = select('group', t('group'), ['day', 'operator', 'department', 'category', 'subcategory'].map(function (g) {
    return [g, t('group.' + g)];
  }), 'day');
  var line = statusLine();
  var csv = el('a', { class: 'c-link', 'data-test': 'stats-csv', text: t('csv'), download: 'beseda-stats.csv' });
  var out = el('div', { 'data-test': 'stats-result' });
  var form = el('form', { class: 'a-filters', 'data-test': 'form-stats', novalidate: true, onsubmit: function (ev) { ev.preventDefault(); load(); } },
    [row(t('from'), from), row(t('to'), to), row(t('group'), group),
      el('button', { type: 'submit', class: 'c-primary', 'data-test': 'show', text: t('show') }), csv]);
  function load() {
    if (!checkForm(form, line)) return;
    var q = { from: from.value, to: to.value, group: group.value };
    csv.href = '/api/admin/v1/stats?' + query(Object.assign({ format: 'csv' }, q));
    say(line, t('loading'));
    api('GET', '/api/admin/v1/stats?' + query(q)).then(function (res) {
      clear(out);
      if (res.status !== 200) { say(line, message(res), true); return; }
      say(line, '');
      var rows = res.body.rows;
      if (!rows.length) { out.appendChild(el('p', { class: 'a-muted', text: t('noData') })); return; }
      var heads = [t('col.' + res.body.group)].concat(STAT_COLUMNS.map(function (c) { return t(c[1]); }));
      function cells(r, label) {
        return [td(label)].concat(STAT_COLUMNS.map(function (c) { return td(r[c[0]]); }));
      }
      var tbl = table('stats-table', heads, rows.map(function (r) { return el('tr', {}, cells(r, r.key)); }));
      tbl.appendChild(el('tfoot', {}, [el('tr', { class: 'a-total' }, cells(res.body.total, t('total')))]));
      out.appendChild(tbl);
      out.appendChild(el('div', { class: 'a-cols' }, [
        barChart(t('chartChats'), 'chart-chats', rows, function (r) { return r.chats; }),
        barChart(t('chartFirstAnswer'), 'chart-first-answer', rows, function (r) { return r.avgFirstAnswerSecs; })
      ]));
    });
  }
  clear(box);
  box.appendChild(form);
  box.appendChild(line);
  box.appendChild(out);
  load();
}
