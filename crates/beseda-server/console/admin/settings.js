/* Settings sections: one control per setting, loaded from and saved to the organisation's
   settings. */
import { button, check, checkForm, input, intOrNull, mark, refusal, row, say, select, statusLine } from './forms.js';
import { api, message } from '../lib/api.js';
import { has, t } from '../lib/i18n.js';
import { clear, el } from '../../common/dom.js';

export var ZONES = (function () {
  try { if (Intl.supportedValuesOf) return Intl.supportedValuesOf('timeZone'); } catch (e) { /* older browsers */ }
  return ['Europe/Kaliningrad', 'Europe/Moscow', 'Europe/Samara', 'Asia/Yekaterinburg', 'Asia/Omsk', 'Asia/Novosibirsk',
    'Asia/Krasnoyarsk', 'Asia/Irkutsk', 'Asia/Yakutsk', 'Asia/Vladivostok', 'Asia/Magadan', 'Asia/Kamchatka', 'UTC'];
})();
/* One setting as a form control: {key, node, read() → JSON value or Error, set(value)}. */
export function makeField(spec, value) {
  var key = spec.key, type = spec.type || 'text', label = t('f.' + key);
  var help = has('h.' + key) ? el('small', { text: t('h.' + key) }) : null;
  var f = { key: key };
  var control;
  if (type === 'bool') {
    var c = check(key, label, value);
    control = c.box;
    f.node = el('div', { class: 'a-field' }, [c.node, help]);
    f.read = function () { return control.checked; };
    f.set = function (v) { control.checked = !!v; };
    return f;
  }
  if (type === 'image') return imageField(spec, value, label, help);
  var attrs = { required: !!spec.required, autocomplete: 'off' };
  if (type === 'number' || type === 'optnumber') {
    attrs.type = 'number'; attrs.min = spec.min == null ? 0 : spec.min; attrs.step = 1;
    if (spec.max != null) attrs.max = spec.max;
    attrs.inputmode = 'numeric';
  } else if (type === 'textarea' || type === 'lines') {
    attrs.type = 'textarea'; attrs.rows = spec.rows || 3;
  } else if (type === 'email') {
    attrs.type = 'email'; attrs.multiple = true;
  } else if (type === 'url') {
    attrs.type = 'url'; attrs.placeholder = 'https://';
  } else if (type === 'time') {
    attrs.type = 'time';
  } else if (type === 'secret') {
    attrs.type = spec.hidden ? 'password' : 'text'; attrs.autocomplete = spec.hidden ? 'new-password' : 'off';
    attrs.spellcheck = 'false';
  } else if (type === 'zone') {
    attrs.list = 'a-zones'; attrs.spellcheck = 'false';
  }
  if (spec.placeholder) attrs.placeholder = spec.placeholder;
  if (type === 'select') {
    var options = typeof spec.options === 'function' ? spec.options() : spec.options;
    control = select(key, label, options.map(function (o) { return [o[0], has(o[1]) ? t(o[1]) : o[1]]; }), value);
  } else {
    control = input(key, label, attrs);
  }
  var extra = null;
  if (type === 'zone') {
    extra = el('datalist', { id: 'a-zones' }, ZONES.map(function (z) { return el('option', { value: z }); }));
  }
  f.node = el('div', { class: 'a-field' }, [row(label, control), help, extra]);
  f.set = function (v) {
    if (type === 'lines') control.value = (v || []).join('\n');
    else if (type === 'list') control.value = (v || []).join(', ');
    else control.value = v == null ? '' : String(v);
  };
  f.read = function () {
    var v = control.value;
    if (type === 'number') {
      var n = intOrNull(v);
      return n === null || isNaN(n) ? new Error(label + ': ' + t('needNumber')) : n;
    }
    if (type === 'optnumber') {
      var o = intOrNull(v);
      return o !== null && isNaN(o) ? new Error(label + ': ' + t('needNumber')) : o;
    }
    if (type === 'lines') {
      return v.split(/\r?\n/).map(function (l) {
        l = l.replace(/\s+$/, '');
        return spec.indent ? l.replace(/^\t+/, ' ') : l.trim();
      }).filter(function (l) { return l.trim() !== ''; });
    }
    if (type === 'list') {
      return v.split(/[\s,;]+/).map(function (x) { return x.replace(/^\./, '').toLowerCase(); })
        .filter(function (x) { return x !== ''; });
    }
    if (type === 'textarea') return v;
    return v.trim();
  };
  f.set(value);
  f.control = control;
  return f;
}
/* An image setting kept as a data: URL: a file picker, a preview and a remove button. */
export function imageField(spec, value, label, help) {
  var current = value || '';
  var types = spec.types;
  var preview = el('img', { class: 'a-preview', alt: label, 'data-test': spec.key + '-preview' });
  var none = el('span', { class: 'a-muted', text: t('noImage') });
  var file = el('input', { type: 'file', name: spec.key, accept: types.join(','), 'data-label': label, 'aria-label': label });
  var problem = el('small', { class: 'c-error', role: 'alert', hidden: true });
  var remove = button(t('remove'), spec.key + '-remove', function () { current = ''; file.value = ''; complain(''); show(); });
  function complain(text) { problem.textContent = text; problem.hidden = !text; }
  function show() {
    preview.hidden = !current;
    none.hidden = !!current;
    remove.hidden = !current;
    if (current) preview.src = current; else preview.removeAttribute('src');
  }
  file.addEventListener('change', function () {
    var picked = file.files && file.files[0];
    complain('');
    if (!picked) return;
    if (types.indexOf(picked.type) < 0) { complain(label + ': ' + t('wrongType')); file.value = ''; return; }
    if (picked.size > 64 * 1024) { complain(label + ': ' + t('tooBig')); file.value = ''; return; }
    var reader = new FileReader();
    reader.onload = function () { current = String(reader.result); show(); };
    reader.readAsDataURL(picked);
  });
  show();
  return {
    key: spec.key,
    node: el('div', { class: 'a-field' }, [el('span', { class: 'a-label', text: label }),
      el('div', { class: 'a-image' }, [preview, none, el('div', {}, [file, remove])]), help, problem]),
    read: function () { return current; },
    set: function (v) { current = v || ''; file.value = ''; show(); }
  };
}
/* A settings section: its fields, loaded from and saved to the organisation's settings
   (only this section's keys are sent). `after(box, settings)` adds what is not a setting. */
export function settingsSection(specs, after) {
  return function (box, ctx) {
    api('GET', '/api/admin/v1/settings').then(function (res) {
      clear(box);
      if (res.status !== 200) { box.appendChild(el('p', { class: 'c-error', text: message(res) })); return; }
      var settings = res.body.settings, fields = [];
      var form = el('form', { class: 'c-form', 'data-test': 'form-' + ctx.id, novalidate: true });
      specs.forEach(function (s) {
        if (s.group) { form.appendChild(el('h3', { text: t(s.group) })); return; }
        var f = makeField(s, settings[s.key]);
        fields.push(f);
        form.appendChild(f.node);
        if (s.below) form.appendChild(s.below(settings));
      });
      var line = statusLine();
      var save = el('button', { type: 'submit', class: 'c-primary', 'data-test': 'save', text: t('save') });
      form.appendChild(el('div', { class: 'a-bar' }, [save, line]));
      form.addEventListener('input', function () { if (line.className === 'c-ok') say(line, ''); });
      // While saving the button says it is busy but keeps the focus (a disabled one would drop
      // it to the page).
      var busy = false;
      function idle() { busy = false; save.removeAttribute('aria-disabled'); }
      form.addEventListener('submit', function (ev) {
        ev.preventDefault();
        if (busy || !checkForm(form, line)) return;
        var patch = {}, problem = null;
        fields.forEach(function (f) {
          var v = f.read();
          if (v instanceof Error) { if (!problem) { problem = v.message; if (f.control) mark(f.control, line); } } else patch[f.key] = v;
        });
        if (problem) { say(line, problem, true); return; }
        busy = true; save.setAttribute('aria-disabled', 'true');
        say(line, t('loading'));
        api('PATCH', '/api/admin/v1/settings', patch).then(function (r) {
          idle();
          if (r.status !== 200) { refusal(form, line, r); return; }
          fields.forEach(function (f) { f.set(r.body.settings[f.key]); });
          say(line, t('saved'));
        }, function () { idle(); say(line, t('error'), true); });
      });
      box.appendChild(form);
      if (after) after(box, settings);
    });
  };
}
