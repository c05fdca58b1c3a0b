/* The chat's actions with a dialog: category, close, redirect, teleport. */
import { api, message } from '../lib/api.js';
import { lang, t } from '../lib/i18n.js';
import { languageName } from '../lib/languages.js';
import { dialog } from '../lib/dialog.js';
import { action, openChat } from './chat.js';
import { loadDirectory } from './data.js';
import { S, ui } from './state.js';
import { clear, el } from '../../common/dom.js';

/* Categories: one per line; a line starting with a space is a subcategory of the line above. */
export function categoryTree() {
  var tree = [];
  (S.ws.categories || []).forEach(function (line) {
    if (!line.trim()) return;
    if (/^\s/.test(line) && tree.length) tree[tree.length - 1].subs.push(line.trim());
    else tree.push({ name: line.trim(), subs: [] });
  });
  return tree;
}
export function categoryDialog(message) {
  var tree = categoryTree(), c = S.detail.chat;
  var cat = el('select', { name: 'category', 'data-test': 'category-select' }, tree.map(function (x) { return el('option', { value: x.name, text: x.name }); }));
  var sub = el('select', { name: 'subcategory', 'data-test': 'subcategory-select' });
  function subs() {
    var node = tree.filter(function (x) { return x.name === cat.value; })[0];
    clear(sub).appendChild(el('option', { value: '', text: t('none') }));
    (node ? node.subs : []).forEach(function (s) { sub.appendChild(el('option', { value: s, text: s })); });
    sub.disabled = !node || !node.subs.length;
  }
  cat.addEventListener('change', subs);
  if (c.category) cat.value = c.category;
  subs();
  if (c.subcategory) sub.value = c.subcategory;
  var note = dialog(t('category'), [el('label', {}, [t('categoryLabel'), cat]), el('label', {}, [t('subcategory'), sub])], function (done) {
    action('category', { category: cat.value, subcategory: sub.value || null }).then(done);
  });
  if (typeof message === 'string') note.textContent = message;
}
export function closeChat() {
  api('POST', '/api/operator/v1/chats/' + S.open + '/close', {}).then(function (res) {
    if (res.status === 200) return openChat(S.open);
    if (res.body && /categor/.test(res.body.error || '')) categoryDialog(t('categoryRequired'));
    else { ui.note.className = 'c-error'; ui.note.textContent = message(res); }
  });
}
export function redirectDialog() {
  loadDirectory().then(function () {
    var mode = el('select', { name: 'mode', 'data-test': 'redirect-mode', 'aria-label': t('redirect') }, [
      el('option', { value: 'operator', text: t('toOperator') }), el('option', { value: 'department', text: t('toDepartment') }),
      el('option', { value: 'queue', text: t('toQueue') })]);
    var people = S.directory.operators.filter(function (o) { return o.id !== S.me.id; });
    var op = el('select', { name: 'operator', 'data-test': 'redirect-operator' }, people.map(function (o) {
      return el('option', { value: String(o.id), text: o.name + ' · ' + t(o.status) });
    }));
    var dep = el('select', { name: 'department', 'data-test': 'redirect-department' }, S.directory.departments.map(function (d) {
      return el('option', { value: d.key, text: (d.localeNames || {})[lang()] || d.name });
    }));
    /* A new language (multilingual mode): one the chosen operator speaks, or, to a department or
       the queue, one an operator online speaks — the server refuses anything else. */
    var current = S.detail.chat.language;
    var language = el('select', { name: 'language', 'data-test': 'redirect-language' });
    function fillLanguages() {
      var pool = mode.value === 'operator'
        ? people.filter(function (o) { return String(o.id) === op.value; })
        : S.directory.operators.filter(function (o) { return o.status === 'online'; });
      var spoken = [];
      pool.forEach(function (o) {
        (o.languages || []).forEach(function (l) { if (l !== current && spoken.indexOf(l) < 0) spoken.push(l); });
      });
      spoken.sort(function (a, b) { return languageName(a).localeCompare(languageName(b), lang()); });
      var keep = language.value;
      language.replaceChildren.apply(language, [el('option', { value: '', text: t('none') })].concat(spoken.map(function (l) {
        return el('option', { value: l, text: languageName(l) + ' (' + l + ')' });
      })));
      language.value = spoken.indexOf(keep) >= 0 ? keep : '';
    }
    var opRow = el('label', {}, [t('operator'), op]), depRow = el('label', {}, [t('department'), dep]);
    var langRow = el('label', { hidden: !S.ws.multilang }, [t('languageLabel'), language]);
    function rows() { opRow.hidden = mode.value !== 'operator'; depRow.hidden = mode.value !== 'department'; fillLanguages(); }
    mode.addEventListener('change', rows); op.addEventListener('change', fillLanguages); rows();
    dialog(t('redirect'), [mode, opRow, depRow, langRow], function (done) {
      var body = mode.value === 'operator' ? { operatorId: Number(op.value) }
        : mode.value === 'department' ? { departmentKey: dep.value } : { queue: true };
      if (language.value) body.language = language.value;
      action('redirect', body).then(done);
    });
  });
}
/* Teleport: to a page of the organisation's list by its code (when there is one), or to an address of the visitor's site. */
export function teleportDialog() {
  var pages = S.ws.teleportPages || [];
  var mode = el('select', { name: 'mode', 'data-test': 'teleport-mode' }, [
    el('option', { value: 'code', text: t('teleportByCode') }), el('option', { value: 'url', text: t('teleportByUrl') })]);
  var code = el('select', { name: 'code', 'data-test': 'teleport-code' }, pages.map(function (p) {
    return el('option', { value: p.code, text: p.code + ' — ' + p.url });
  }));
  // A path of the visitor's site (/delivery) or a full address: the server checks the site.
  var url = el('input', { type: 'text', name: 'url', 'data-test': 'teleport-url', placeholder: '/delivery', required: 'required' });
  var modeRow = el('label', { hidden: !pages.length }, [t('teleportBy'), mode]);
  var codeRow = el('label', {}, [t('teleportPage'), code]), urlRow = el('label', {}, [t('url'), url]);
  function rows() {
    var byCode = pages.length > 0 && mode.value === 'code';
    codeRow.hidden = !byCode; urlRow.hidden = byCode; url.required = !byCode;
  }
  mode.addEventListener('change', rows); rows();
  dialog(t('teleport'), [modeRow, codeRow, urlRow], function (done) {
    action('teleport', !codeRow.hidden ? { code: code.value } : { url: url.value }).then(done);
  });
}
