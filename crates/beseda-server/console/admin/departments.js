/* Departments and their templates. */
import { actions, button, checkForm, input, intOrNull, refusal, reopened, row, statusLine, table, td } from './forms.js';
import { templatesBlock } from './templates.js';
import { api, message } from '../lib/api.js';
import { t } from '../lib/i18n.js';
import { clear, el } from '../../common/dom.js';

export function departmentsSection(box, ctx, keep) {
  api('GET', '/api/admin/v1/departments').then(function (res) {
    clear(box);
    if (res.status !== 200) { box.appendChild(el('p', { class: 'c-error', text: message(res) })); return; }
    var deps = res.body.departments.slice().sort(function (a, b) { return a.order - b.order; });
    var editor = el('div', {});
    var templates = el('div', {});
    box.appendChild(table('departments-table', [t('key'), t('depName'), t('depNameEn'), t('order'), t('actions')], deps.map(function (d) {
      return el('tr', { 'data-key': d.key }, [td(d.key), td(d.name), td((d.localeNames || {}).en), td(d.order),
        actions([button(t('edit'), 'edit', function () { edit(d); }), button(t('templates'), 'templates', function () { showTemplates(d); })])]);
    })));
    box.appendChild(editor);
    box.appendChild(templates);
    function edit(d, keep) {
      clear(editor);
      var fresh = !d;
      d = d || { key: '', name: '', localeNames: {}, order: (deps.length + 1) * 10 };
      var key = input('key', t('key'), { required: true, pattern: '[a-z0-9][a-z0-9_\\-]{0,63}', value: d.key, spellcheck: 'false' });
      key.readOnly = !fresh;
      var name = input('name', t('depName'), { required: true, value: d.name });
      var nameEn = input('nameEn', t('depNameEn'), { value: (d.localeNames || {}).en || '' });
      var order = input('order', t('order'), { type: 'number', step: 1, value: d.order });
      var line = statusLine();
      var form = el('form', { class: 'c-form a-box', 'data-test': 'form-department', novalidate: true, onsubmit: function (ev) {
        ev.preventDefault();
        if (!checkForm(form, line)) return;
        var names = {};
        Object.keys(d.localeNames || {}).forEach(function (k) { names[k] = d.localeNames[k]; });
        names.ru = name.value.trim();
        if (nameEn.value.trim()) names.en = nameEn.value.trim(); else delete names.en;
        var body = { name: name.value.trim(), localeNames: names, order: intOrNull(order.value) || 0 };
        api('PUT', '/api/admin/v1/departments/' + encodeURIComponent(key.value.trim()), body).then(function (r) {
          if (r.status !== 200) { refusal(form, line, r); return; }
          departmentsSection(box, ctx, { key: key.value.trim(), text: t('saved') });
        });
      } }, [el('h3', { text: fresh ? t('newDepartment') : t('editDepartment') + ': ' + d.name }),
        row(t('key'), key, fresh ? t('keyHelp') : null), row(t('depName'), name), row(t('depNameEn'), nameEn), row(t('order'), order, t('orderHelp')),
        el('div', { class: 'a-bar' }, [el('button', { type: 'submit', class: 'c-primary', 'data-test': 'save', text: t('save') }),
          fresh ? null : button(t('close'), 'close', function () { edit(null); }), line])]);
      editor.appendChild(form);
      reopened(form, line, keep);
    }
    function showTemplates(d) {
      clear(templates);
      templates.appendChild(el('h3', { text: t('depTemplates') + ': ' + d.name }));
      templates.appendChild(templatesBlock(d.key));
    }
    var kept = keep && deps.filter(function (d) { return d.key === keep.key; })[0];
    edit(kept || null, kept ? keep : null);
  });
}
