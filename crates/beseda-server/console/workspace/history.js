/* The operator's own history: the admin panel's filters (period, operator, department,
   category, text) over the chats this operator may see, a page at a time; a chat found opens
   read-only. */
import { api, message } from '../lib/api.js';
import { fill, lang, t } from '../lib/i18n.js';
import { modal, showChat } from './readonly.js';
import { departmentName } from './side.js';
import { S } from './state.js';
import { clear, el } from '../../common/dom.js';
import { visitorLabel } from '../lib/names.js';

var PAGE = 25;

/** @param {Date} d */
function ymd(d) { return d.toISOString().slice(0, 10); }

/** @param {Record<string, any>} params */
function query(params) {
  return Object.keys(params).filter(function (k) { return params[k] !== '' && params[k] != null; })
    .map(function (k) { return encodeURIComponent(k) + '=' + encodeURIComponent(params[k]); }).join('&');
}

/** @param {string} label @param {HTMLElement} input */
function field(label, input) { return el('label', { class: 'w-field' }, [el('span', { text: label }), input]); }

/** @param {string} iso */
function when(iso) {
  var d = new Date(iso);
  return isNaN(d.getTime()) ? iso : d.toLocaleString(lang() === 'en' ? 'en-GB' : 'ru-RU',
    { year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit' });
}

export function openHistory() {
  var today = /^\d{4}-\d{2}-\d{2}$/.test(S.ws.today || '') ? S.ws.today : ymd(new Date());
  var from = el('input', { type: 'date', name: 'from', required: true, 'data-test': 'history-from',
    value: ymd(new Date(Date.parse(today + 'T00:00:00Z') - 29 * 86400000)) });
  var to = el('input', { type: 'date', name: 'to', required: true, 'data-test': 'history-to', value: today });
  var any = function () { return el('option', { value: '', text: t('any') }); };
  var who = el('select', { name: 'operator', 'data-test': 'history-operator' }, [any()].concat(S.directory.operators.map(function (o) {
    return el('option', { value: String(o.id), text: o.name });
  })));
  var dep = el('select', { name: 'department', 'data-test': 'history-department' }, [any()].concat(S.directory.departments.map(function (d) {
    return el('option', { value: d.key, text: departmentName(d.key) });
  })));
  var category = el('input', { name: 'category', list: 'w-history-categories', 'data-test': 'history-category' });
  var cats = el('datalist', { id: 'w-history-categories' }, (S.ws.categories || []).map(function (c) {
    return el('option', { value: String(c).trim() });
  }));
  var q = el('input', { type: 'search', name: 'q', 'data-test': 'history-q', maxlength: 200 });
  var line = el('p', { role: 'status', 'aria-live': 'polite', 'data-test': 'history-status' });
  var out = el('div', { class: 'w-history-out', 'data-test': 'history-result' });
  var prev = el('button', { type: 'button', 'data-test': 'history-prev', text: t('prevPage'), hidden: true });
  var next = el('button', { type: 'button', 'data-test': 'history-next', text: t('nextPage'), hidden: true });
  var offset = 0;
  var form = el('form', { class: 'w-history-filters', 'data-test': 'history-form', onsubmit: function (ev) {
    ev.preventDefault(); offset = 0; load();
  } }, [field(t('from'), from), field(t('to'), to), field(t('operator'), who), field(t('department'), dep),
    field(t('categoryLabel'), category), field(t('searchText'), q), cats,
    el('button', { type: 'submit', class: 'c-primary', 'data-test': 'history-find', text: t('find') })]);
  prev.addEventListener('click', function () { offset = Math.max(0, offset - PAGE); load(); });
  next.addEventListener('click', function () { load(offset + PAGE); });
  /** @param {number} [at] */
  function load(at) {
    var params = { from: from.value, to: to.value, operator: who.value, department: dep.value,
      category: category.value.trim(), q: q.value.trim(), offset: at == null ? offset : at, limit: PAGE };
    line.className = ''; line.textContent = t('loading');
    api('GET', '/api/operator/v1/history?' + query(params)).then(function (res) {
      clear(out);
      if (res.status !== 200) { line.className = 'c-error'; line.textContent = message(res); return; }
      offset = res.body.offset;
      var rows = res.body.chats;
      line.textContent = rows.length ? fill(t('foundRange'), { a: offset + 1, b: offset + rows.length }) : t('nothingFound');
      prev.hidden = offset === 0; next.hidden = !res.body.truncated;
      if (!rows.length) return;
      var head = el('tr', {}, ['№', t('when'), t('visitor'), t('firstQuestion'), t('operator'), t('categoryLabel'), ''].map(function (h) {
        return el('th', { scope: 'col', text: h });
      }));
      out.appendChild(el('table', { class: 'c-table', 'data-test': 'history-table' }, [el('thead', {}, [head]),
        el('tbody', {}, rows.map(function (c) {
          var cat = [c.category, c.subcategory].filter(Boolean).join(' / ');
          return el('tr', { 'data-id': c.id }, [el('td', { text: String(c.id) }), el('td', { text: when(c.createdAt) }),
            el('td', { text: visitorLabel({ visitorGivenName: c.visitorGivenName, visitorNumber: c.visitorNumber, visitorName: c.visitor }) }), el('td', { class: 'w-history-q', text: c.firstQuestion || '' }),
            el('td', { text: c.operator || '' }), el('td', { text: cat }),
            el('td', {}, [el('button', { type: 'button', class: 'c-link', 'data-test': 'history-open',
              'aria-label': t('open') + ' №' + c.id, text: t('open'), onclick: function () { showChat(c.id); } })])]);
        }))]));
    });
  }
  modal(t('history'), [form, line, out, el('div', { class: 'w-actions' }, [prev, next])], 'history-view');
  q.focus();
  load();
}
