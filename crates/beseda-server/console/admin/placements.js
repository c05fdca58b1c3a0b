/* Placements and the HTML code of their chat button. */
import { actions, button, checkForm, checkSet, input, intOrNull, refusal, reopened, row, select, statusLine, table, td } from './forms.js';
import { api, message } from '../lib/api.js';
import { t } from '../lib/i18n.js';
import { languageName, languageOptions } from '../lib/languages.js';
import { clear, el } from '../../common/dom.js';

export function embedBlock(code) {
  var pre = el('pre', { class: 'c-code', 'data-test': 'embed-code', text: code });
  var line = el('span', { class: 'c-ok' });
  var copy = button(t('copy'), 'copy', function () {
    function done() { line.textContent = t('copied'); }
    if (navigator.clipboard && navigator.clipboard.writeText) {
      navigator.clipboard.writeText(code).then(done, function () { selectText(pre); });
    } else { selectText(pre); }
  });
  return el('div', { class: 'a-embed' }, [el('h4', { text: t('embed') }), pre, el('div', { class: 'a-bar' }, [copy, line])]);
}
export function selectText(node) {
  var range = document.createRange();
  range.selectNodeContents(node);
  var sel = window.getSelection();
  sel.removeAllRanges();
  sel.addRange(range);
}
export function placementsSection(box, ctx, keep) {
  Promise.all([api('GET', '/api/admin/v1/placements'), api('GET', '/api/admin/v1/departments')]).then(function (r) {
    clear(box);
    if (r[0].status !== 200) { box.appendChild(el('p', { class: 'c-error', text: message(r[0]) })); return; }
    var places = r[0].body.placements, deps = r[1].status === 200 ? r[1].body.departments : [];
    var depOptions = deps.map(function (d) { return [d.key, d.name]; });
    var editor = el('div', {});
    box.appendChild(table('placements-table', [t('key'), t('placementTitle'), t('lang'), t('departments'), t('actions')], places.map(function (p) {
      return el('tr', { 'data-key': p.key }, [td(p.key), td(p.title), td(p.lang ? languageName(p.lang) : t('orgLang')),
        td((p.departmentKeys || []).join(', ')), actions([button(t('edit'), 'edit', function () { edit(p); })])]);
    })));
    box.appendChild(editor);
    function edit(p, keep) {
      clear(editor);
      var fresh = !p;
      p = p || { key: '', title: '', lang: null, departmentKeys: [], defaultDepartment: null, helloMessage: '', conversationTimeoutHours: 24 };
      var key = input('key', t('key'), { required: true, pattern: '[a-z0-9][a-z0-9_\\-]{0,63}', value: p.key, spellcheck: 'false' });
      key.readOnly = !fresh;
      var title = input('title', t('placementTitle'), { required: true, maxlength: 100, value: p.title });
      var lang = select('lang', t('lang'), [['', t('orgLang')]].concat(languageOptions()), p.lang || '');
      var depSet = checkSet('departmentKeys', t('departments'), depOptions, p.departmentKeys);
      var def = select('defaultDepartment', t('defaultDepartment'), [['', t('none')]].concat(depOptions), p.defaultDepartment || '');
      var hello = input('helloMessage', t('helloMessage'), { type: 'textarea', rows: 2, maxlength: 2000, value: p.helloMessage });
      var hours = input('conversationTimeoutHours', t('timeoutHours'), { type: 'number', min: 1, max: 720, step: 1, required: true,
        value: p.conversationTimeoutHours });
      var line = statusLine();
      var form = el('form', { class: 'c-form a-box', 'data-test': 'form-placement', novalidate: true, onsubmit: function (ev) {
        ev.preventDefault();
        if (!checkForm(form, line)) return;
        var body = { title: title.value.trim(), lang: lang.value || null, departmentKeys: depSet.values(),
          defaultDepartment: def.value || null, helloMessage: hello.value, conversationTimeoutHours: intOrNull(hours.value) };
        api('PUT', '/api/admin/v1/placements/' + encodeURIComponent(key.value.trim()), body).then(function (res) {
          if (res.status !== 200) { refusal(form, line, res); return; }
          placementsSection(box, ctx, { key: res.body.key, text: t('saved') });
        });
      } }, [el('h3', { text: fresh ? t('newPlacement') : t('placement') + ': ' + p.title }),
        row(t('key'), key, fresh ? t('keyHelp') : null), row(t('placementTitle'), title), row(t('lang'), lang), depSet.node,
        row(t('defaultDepartment'), def), row(t('helloMessage'), hello), row(t('timeoutHours'), hours),
        el('div', { class: 'a-bar' }, [el('button', { type: 'submit', class: 'c-primary', 'data-test': 'save', text: t('save') }),
          fresh ? null : button(t('close'), 'close', function () { edit(null); }), line])]);
      editor.appendChild(form);
      if (p.embedCode) editor.appendChild(embedBlock(p.embedCode));
      reopened(form, line, keep);
    }
    var kept = keep && places.filter(function (p) { return p.key === keep.key; })[0];
    edit(kept || null, kept ? keep : null);
  });
}
