/* The operator's own account: profile and personal templates, password, two-factor. */
import { api } from '../lib/api.js';
import { forgetLang, keepLang, t } from '../lib/i18n.js';
import { dialog } from '../lib/dialog.js';
import { loadTemplates } from './data.js';
import { S } from './state.js';
import { clear, el } from '../../common/dom.js';

/* The operator's own card (read-only for operators with hidden profiles), interface language
   (always theirs to choose) and personal templates. */
export function profileDialog() {
  var locked = S.ws.hiddenProfiles && S.me.role === 'operator';
  var name = el('input', { name: 'name', value: S.me.name, disabled: locked, required: true });
  var email = el('input', { type: 'email', name: 'email', value: S.me.email, disabled: locked, required: true });
  var avatar = S.me.avatar || '';
  var preview = el('img', { alt: '', width: '48', height: '48', hidden: !avatar, src: avatar || null });
  var file = el('input', { type: 'file', name: 'photo', accept: 'image/jpeg,image/png', disabled: locked, onchange: function () {
    var f = file.files[0]; if (!f) return;
    var reader = new FileReader();
    reader.onload = function () { avatar = reader.result; preview.src = avatar; preview.hidden = false; };
    reader.readAsDataURL(f);
  } });
  var uiLang = el('select', { name: 'interfaceLang', 'data-test': 'interface-lang' }, [
    el('option', { value: '', text: t('interfaceMain') }), el('option', { value: 'ru', text: 'Русский' }),
    el('option', { value: 'en', text: 'English' })]);
  uiLang.value = S.me.interfaceLang || '';
  var mine = el('ul', { 'data-test': 'my-templates' });
  function listMine() {
    clear(mine);
    S.templates.filter(function (x) { return x.scope === 'personal'; }).forEach(function (x) {
      mine.appendChild(el('li', {}, [(x.title || x.text).slice(0, 60) + ' ',
        el('button', { type: 'button', class: 'c-link c-danger', text: t('delete'), onclick: function () {
          api('DELETE', '/api/operator/v1/templates/' + x.id).then(function () { loadTemplates().then(listMine); });
        } })]));
    });
  }
  listMine();
  /** @type {HTMLElement[]} */
  var fields = [el('label', {}, [t('name'), name]), el('label', {}, [t('email'), email]),
    el('label', {}, [t('photo'), preview, file])];
  if (locked) fields.push(el('p', { 'data-test': 'profile-locked', text: t('profileLocked') }));
  fields.push(el('label', {}, [t('interfaceLang'), uiLang]));
  fields.push(el('h3', { text: t('myTemplates') }), mine);
  dialog(t('profile'), fields, function (done) {
    var before = S.me.interfaceLang || '';
    /* A new interface language redraws the workspace in it. */
    function language(res) {
      if (res.status !== 200 || uiLang.value === before) { done(res); return; }
      api('PUT', '/api/operator/v1/interface-lang', { interfaceLang: uiLang.value }).then(function (r) {
        if (r.status !== 200) { done(r); return; }
        if (uiLang.value) keepLang(uiLang.value); else forgetLang();
        location.reload();
      });
    }
    if (locked) { language({ status: 200 }); return; }
    api('PUT', '/api/operator/v1/profile', { name: name.value, email: email.value, avatar: avatar }).then(function (res) {
      if (res.status === 200) S.me = Object.assign(S.me, res.body.operator);
      language(res);
    });
  });
}
/* The operator's own password; the current one is required. Other sessions end. */
export function passwordDialog() {
  var current = el('input', { type: 'password', name: 'current-password', autocomplete: 'current-password', required: true,
    'data-test': 'current-password' });
  var fresh = el('input', { type: 'password', name: 'new-password', autocomplete: 'new-password', required: true,
    minlength: '8', maxlength: '200', 'data-test': 'new-password' });
  var again = el('input', { type: 'password', name: 'new-password-again', autocomplete: 'new-password', required: true,
    'data-test': 'new-password-again' });
  dialog(t('changePassword'), [el('label', {}, [t('currentPassword'), current]), el('label', {}, [t('newPassword'), fresh]),
    el('label', {}, [t('repeatPassword'), again])], function (done) {
    if (fresh.value !== again.value) { done({ status: 422, body: { message: t('mismatch') } }); return; }
    api('PUT', '/api/operator/v1/password', { currentPassword: current.value, newPassword: fresh.value }).then(function (res) {
      if (res.status === 422 && res.body && res.body.error === 'wrong-password') res = { status: 422, body: { message: t('wrongPassword') } };
      done(res);
    });
  });
}
/* Two-factor authentication: set up (key, code, then the recovery codes once) or turn off. */
export function twoFactorDialog() {
  var code = el('input', { name: 'totp', autocomplete: 'one-time-code', inputmode: 'numeric', required: true,
    'data-test': 'totp' });
  if (S.twoFactor && S.twoFactor.enabled) {
    var password = el('input', { type: 'password', name: 'password', autocomplete: 'current-password', required: true });
    dialog(t('twoFactor'), [el('p', { text: t('tfOn') }), el('label', {}, [t('password'), password]),
      el('label', {}, [t('tfCode'), code])], function (done) {
      api('POST', '/api/operator/v1/2fa/disable', { password: password.value, code: code.value.trim() }).then(function (res) {
        if (res.status === 200) S.twoFactor = { enabled: false };
        done(res);
      });
    });
    return;
  }
  api('POST', '/api/operator/v1/2fa/setup', {}).then(function (res) {
    if (res.status !== 200) return;
    var key = el('code', { 'data-test': 'totp-secret', text: res.body.secret });
    var link = el('a', { href: res.body.otpauthUrl, text: res.body.otpauthUrl });
    dialog(t('twoFactor'), [el('p', { text: t('tfIntro') }), el('p', {}, [t('tfKey') + ': ', key]), el('p', {}, [link]),
      el('label', {}, [t('tfCode'), code])], function (done) {
      api('POST', '/api/operator/v1/2fa/enable', { code: code.value.trim() }).then(function (r) {
        done(r);
        if (r.status !== 200) return;
        S.twoFactor = { enabled: true };
        var list = el('ul', { 'data-test': 'recovery-codes' }, r.body.recoveryCodes.map(function (c) { return el('li', {}, [el('code', { text: c })]); }));
        dialog(t('twoFactor'), [el('p', { text: t('tfCodes') }), list], function (ok) { ok({ status: 200 }); location.reload(); });
      });
    });
  });
}
