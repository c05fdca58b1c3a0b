/* Operators: list, card, routing profile, access (reset, deactivate, delete) and new accounts. */
import { actions, button, checkForm, checkSet, input, intOrNull, languageSet, refusal, reopened, roleName, row, say, select, statusLine, table, td } from './forms.js';
import { imageField } from './settings.js';
import { api, message } from '../lib/api.js';
import { fill, has, t } from '../lib/i18n.js';
import { languageOptions } from '../lib/languages.js';
import { clear, el } from '../../common/dom.js';

export function operatorsSection(box, ctx, keep) {
  var me = ctx.me, admin = me.role === 'admin';
  Promise.all([api('GET', '/api/admin/v1/operators'), api('GET', '/api/operator/v1/directory'),
    api('GET', '/api/operator/v1/me')]).then(function (r) {
    clear(box);
    if (r[0].status !== 200) { box.appendChild(el('p', { class: 'c-error', text: message(r[0]) })); return; }
    var ops = r[0].body.operators;
    var deps = r[1].status === 200 ? r[1].body.departments : [];
    /* The organisation's main language: what a new operator speaks unless told otherwise. */
    var mainLang = r[2].status === 200 && r[2].body.workspace ? r[2].body.workspace.defaultLang : 'ru';
    var langOptions = languageOptions();
    var depOptions = deps.map(function (d) { return [d.key, d.name]; });
    var depName = function (k) { var d = deps.filter(function (x) { return x.key === k; })[0]; return d ? d.name : k; };
    var editor = el('div', { 'data-test': 'operator-editor' });
    box.appendChild(table('operators-table', [t('name'), t('email'), t('role'), t('status'), t('departments'), t('languages'),
      t('maxChats'), t('actions')], ops.map(function (o) {
      var editable = admin || o.role !== 'admin';
      return el('tr', { 'data-id': o.id }, [td(o.name + (o.id === me.id ? ' ' + t('self') : '')), td(o.email), td(roleName(o.role)),
        td(o.active === false ? t('inactive') : has('st.' + o.status) ? t('st.' + o.status) : o.status),
        td((o.departmentKeys || []).map(depName).join(', ')),
        td((o.languages || []).join(', ')), td(o.maxChats == null ? '' : o.maxChats),
        actions([editable ? button(t('edit'), 'edit', function () { openEditor(o); }) : null])]);
    })));
    box.appendChild(editor);
    if (admin) box.appendChild(newOperatorForm());
    var kept = keep && ops.filter(function (o) { return o.id === keep.id; })[0];
    if (kept) openEditor(kept, keep);

    function openEditor(o, keep) {
      clear(editor);
      var name = input('name', t('name'), { required: true, maxlength: 100, value: o.name });
      var email = input('email', t('email'), { type: 'email', required: true, value: o.email });
      var avatar = imageField({ key: 'avatar', types: ['image/jpeg', 'image/png'] }, o.avatar, t('avatar'),
        el('small', { text: t('avatarHelp') }));
      var role = admin ? select('role', t('role'), ['operator', 'supervisor', 'admin'].map(function (x) { return [x, roleName(x)]; }), o.role) : null;
      if (role && o.id === me.id) role.disabled = true;
      var uiLang = select('interfaceLang', t('interfaceLang'), [['', t('interfaceMain')], ['ru', 'Русский'], ['en', 'English']],
        o.interfaceLang || '');
      var line = statusLine();
      var card = el('form', { class: 'c-form a-box', 'data-test': 'form-operator-card', novalidate: true, onsubmit: function (ev) {
        ev.preventDefault();
        if (!checkForm(card, line)) return;
        var body = { name: name.value.trim(), email: email.value.trim(), avatar: avatar.read(), interfaceLang: uiLang.value };
        if (role && !role.disabled) body.role = role.value;
        api('PUT', '/api/admin/v1/operators/' + o.id, body).then(function (res) {
          if (res.status !== 200) { refusal(card, line, res); return; }
          operatorsSection(box, ctx, { id: o.id, text: t('saved'), form: 'card' });
        });
      } }, [el('h3', { text: t('card') + ': ' + o.name }), row(t('name'), name), row(t('email'), email), avatar.node,
        role ? row(t('role'), role) : null, row(t('interfaceLang'), uiLang, t('interfaceLangHelp')),
        el('div', { class: 'a-bar' }, [el('button', { type: 'submit', class: 'c-primary', 'data-test': 'save', text: t('save') }),
          button(t('close'), 'close', function () { clear(editor); }), line])]);
      editor.appendChild(card);
      var profile = admin ? profileForm(o) : null;
      if (profile) editor.appendChild(profile.form);
      if (admin && o.id !== me.id) editor.appendChild(accessBox(o, keep));
      if (keep && keep.form === 'profile') reopened(profile.form, profile.line, keep);
      else if (keep && keep.form !== 'access') reopened(card, line, keep);
      else name.focus();
    }
    function profileForm(o) {
      var depSet = checkSet('departmentKeys', t('departments'), depOptions, o.departmentKeys);
      var langSet = languageSet('languages', t('languages'), langOptions, o.languages, ['ru', 'en']);
      var max = input('maxChats', t('maxChats'), { type: 'number', min: 1, max: 100, step: 1, value: o.maxChats == null ? '' : o.maxChats });
      var line = statusLine();
      var form = el('form', { class: 'c-form a-box', 'data-test': 'form-operator-profile', novalidate: true, onsubmit: function (ev) {
        ev.preventDefault();
        if (!checkForm(form, line)) return;
        var body = { departmentKeys: depSet.values(), languages: langSet.values(), maxChats: intOrNull(max.value) };
        api('PUT', '/api/admin/v1/operators/' + o.id + '/profile', body).then(function (res) {
          if (res.status !== 200) { refusal(form, line, res); return; }
          operatorsSection(box, ctx, { id: o.id, text: t('saved'), form: 'profile' });
        });
      } }, [el('h3', { text: t('routing') }), depSet.node, langSet.node, row(t('maxChats'), max, t('maxChatsHelp')),
        el('div', { class: 'a-bar' }, [el('button', { type: 'submit', class: 'c-primary', 'data-test': 'save', text: t('save') }), line])]);
      return { form: form, line: line };
    }
    /* Password reset, deactivation and deletion of another operator (administrators). */
    function accessBox(o, keep) {
      var line = statusLine();
      if (keep && keep.form === 'access') say(line, keep.text);
      function after(res, text) {
        if (res.status !== 200) { say(line, message(res), true); return; }
        operatorsSection(box, ctx, { id: o.id, text: text, form: 'access' });
      }
      return el('div', { class: 'c-form a-box', 'data-test': 'operator-access' }, [el('h3', { text: t('access') }),
        el('p', { class: 'a-muted', text: t('accessHelp') }),
        el('div', { class: 'a-bar' }, [
          button(t('resetPassword'), 'reset-password', function () {
            api('POST', '/api/admin/v1/operators/' + o.id + '/password-reset', {}).then(function (res) {
              if (res.status !== 200) { say(line, message(res), true); return; }
              say(line, fill(t('temporaryPassword'), { p: res.body.temporaryPassword }));
              line.setAttribute('data-password', res.body.temporaryPassword);
            });
          }),
          button(t('reset2fa'), 'reset-2fa', function () {
            api('POST', '/api/admin/v1/operators/' + o.id + '/2fa-reset', {}).then(function (res) {
              say(line, res.status === 200 ? t('reset2faDone') : message(res), res.status !== 200);
            });
          }),
          o.active === false
            ? button(t('activate'), 'activate', function () {
              api('POST', '/api/admin/v1/operators/' + o.id + '/activate', {}).then(function (res) { after(res, t('activated')); });
            })
            : button(t('deactivate'), 'deactivate', function () {
              api('POST', '/api/admin/v1/operators/' + o.id + '/deactivate', {}).then(function (res) { after(res, t('deactivated')); });
            }),
          button(t('deleteOperator'), 'delete-operator', function () {
            if (!window.confirm(fill(t('confirmDelete'), { name: o.name }))) return;
            api('DELETE', '/api/admin/v1/operators/' + o.id).then(function (res) {
              if (res.status !== 200) { say(line, message(res), true); return; }
              operatorsSection(box, ctx);
            });
          }, 'c-danger')]), line]);
    }
    function newOperatorForm() {
      var email = input('email', t('email'), { type: 'email', required: true, autocomplete: 'off' });
      var name = input('name', t('name'), { required: true, maxlength: 100 });
      var password = input('password', t('password'), { type: 'password', required: true, minlength: 8, autocomplete: 'new-password' });
      var role = select('role', t('role'), ['operator', 'supervisor', 'admin'].map(function (x) { return [x, roleName(x)]; }), 'operator');
      var depSet = checkSet('departmentKeys', t('departments'), depOptions, []);
      var langSet = languageSet('languages', t('languages'), langOptions, [mainLang], ['ru', 'en']);
      var max = input('maxChats', t('maxChats'), { type: 'number', min: 1, max: 100, step: 1 });
      var line = statusLine();
      var form = el('form', { class: 'c-form a-box', 'data-test': 'form-new-operator', novalidate: true, onsubmit: function (ev) {
        ev.preventDefault();
        if (!checkForm(form, line)) return;
        var body = { email: email.value.trim(), name: name.value.trim(), password: password.value, role: role.value,
          departmentKeys: depSet.values(), languages: langSet.values(), maxChats: intOrNull(max.value) };
        api('POST', '/api/admin/v1/operators', body).then(function (res) {
          if (res.status !== 200) { refusal(form, line, res); return; }
          operatorsSection(box, ctx, { id: res.body.operator.id, text: t('created2'), form: 'card' });
        });
      } }, [el('h3', { text: t('newOperator') }), row(t('email'), email), row(t('name'), name), row(t('password'), password),
        row(t('role'), role), depSet.node, langSet.node, row(t('maxChats'), max, t('maxChatsHelp')),
        el('div', { class: 'a-bar' }, [el('button', { type: 'submit', class: 'c-primary', 'data-test': 'save', text: t('create') }), line])]);
      return form;
    }
  });
}
