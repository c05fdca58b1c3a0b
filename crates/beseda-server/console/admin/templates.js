/* Reply templates, global or a department's, one set per language. */
import { actions, button, checkForm, deleteButton, input, refusal, row, say, select, statusLine, table, td, unmark } from './forms.js';
import { api, message } from '../lib/api.js';
import { lang, t } from '../lib/i18n.js';
import { languageOptions } from '../lib/languages.js';
import { clear, el } from '../../common/dom.js';

/* The template language last chosen in this tab. */
export var TEMPLATE_LANG = 'beseda.admin.templateLang';
export function templatesBlock(departmentKey) {
  var wrap = el('div', { class: 'a-templates', 'data-test': 'templates' });
  var langSel = select('lang', t('lang'), languageOptions(), sessionStorage.getItem(TEMPLATE_LANG) || lang());
  langSel.setAttribute('data-test', 'template-lang');
  var list = el('div', {});
  var editing = 0;
  var heading = el('h3', { text: t('newTemplate') });
  var section = input('section', t('section'), { maxlength: 100 });
  var title = input('title', t('templateTitle'), { maxlength: 200 });
  var text = input('text', t('text'), { type: 'textarea', rows: 4, required: true });
  var line = statusLine();
  var cancel = button(t('cancel'), 'cancel', function () { reset(); say(line, ''); });
  var form = el('form', { class: 'c-form', 'data-test': 'form-template', novalidate: true, onsubmit: function (ev) {
    ev.preventDefault();
    if (!checkForm(form, line)) return;
    var body = { section: section.value.trim(), lang: langSel.value, title: title.value.trim(), text: text.value };
    if (editing) body.id = editing;
    if (departmentKey) body.departmentKey = departmentKey;
    api('PUT', '/api/admin/v1/templates', body).then(function (res) {
      if (res.status !== 200) { refusal(form, line, res); return; }
      reset();
      say(line, t('saved'));
      load();
    });
  } }, [heading, row(t('section'), section), row(t('templateTitle'), title), row(t('text'), text),
    el('div', { class: 'a-bar' }, [el('button', { type: 'submit', class: 'c-primary', 'data-test': 'save', text: t('save') }), cancel, line])]);
  function reset() {
    editing = 0; section.value = ''; title.value = ''; text.value = '';
    heading.textContent = t('newTemplate'); cancel.hidden = true; unmark(form);
  }
  function edit(tpl) {
    editing = tpl.id; section.value = tpl.section || ''; title.value = tpl.title || ''; text.value = tpl.text || '';
    heading.textContent = t('editTemplate'); cancel.hidden = false; say(line, '');
    text.focus();
  }
  function load() {
    api('GET', '/api/admin/v1/templates').then(function (res) {
      clear(list);
      if (res.status !== 200) { list.appendChild(el('p', { class: 'c-error', text: message(res) })); return; }
      var mine = res.body.templates.filter(function (x) {
        var owner = departmentKey ? x.scope === 'department' && x.departmentKey === departmentKey : x.scope === 'global';
        return owner && x.lang === langSel.value;
      });
      if (!mine.length) { list.appendChild(el('p', { class: 'a-muted', 'data-test': 'templates-empty', text: t('noTemplates') })); return; }
      list.appendChild(table('templates-table', [t('templateTitle'), t('text'), t('section'), t('actions')], mine.map(function (x) {
        return el('tr', { 'data-id': x.id }, [td(x.title), el('td', { class: 'a-pre', text: x.text }), td(x.section),
          actions([button(t('edit'), 'edit', function () { edit(x); }), deleteButton(function () {
            api('DELETE', '/api/admin/v1/templates/' + x.id).then(function (r) {
              if (r.status !== 200) say(line, message(r), true);
              if (editing === x.id) reset();
              load();
            });
          })])]);
      })));
    });
  }
  langSel.addEventListener('change', function () {
    sessionStorage.setItem(TEMPLATE_LANG, langSel.value);
    reset(); say(line, ''); load();
  });
  wrap.appendChild(row(t('lang'), langSel));
  wrap.appendChild(list);
  wrap.appendChild(form);
  reset();
  if (sessionStorage.getItem(TEMPLATE_LANG)) load();
  else {
    /* Nothing chosen in this tab yet: the organisation's main language. */
    api('GET', '/api/operator/v1/me').then(function (res) {
      var main = res.status === 200 && res.body.workspace ? res.body.workspace.defaultLang : '';
      if (main && !sessionStorage.getItem(TEMPLATE_LANG)) langSel.value = main;
      load();
    });
  }
  return wrap;
}
