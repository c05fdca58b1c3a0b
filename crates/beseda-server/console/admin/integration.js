/* Integration extras: CRM connection checks, Unisender export, messengers, event handler calls. */
import { actions, button, checkForm, dateTime, input, query, refusal, row, say, select, statusLine, table, td } from './forms.js';
import { api, message } from '../lib/api.js';
import { fill, has, t } from '../lib/i18n.js';
import { clear, el } from '../../common/dom.js';

/* The connection state of a CRM integration and its «check connection» button (the saved
   settings are checked). */
export function crmCheck(service) {
  return function () {
    var line = el('p', { class: 'c-ok', role: 'status', 'aria-live': 'polite', 'data-test': 'crm-state-' + service });
    function show(c) {
      if (!c.configured) say(line, t('crm.notConfigured'));
      else if (c.state === 'ok') say(line, fill(t('crm.ok'), { when: dateTime(c.checkedAt) }));
      else if (c.state === 'failing') say(line, t('crm.failing') + (c.error || ''), true);
      else say(line, t('crm.unknown'));
    }
    var go = button(t('crm.check'), 'crm-check-' + service, function () {
      go.disabled = true;
      say(line, t('loading'));
      api('POST', '/api/admin/v1/integrations/crm/' + service + '/check', {}).then(function (res) {
        go.disabled = false;
        if (res.status !== 200) { say(line, message(res), true); return; }
        show(res.body);
      }, function () { go.disabled = false; say(line, t('error'), true); });
    });
    api('GET', '/api/admin/v1/integrations/crm').then(function (res) {
      if (res.status !== 200) return;
      res.body.integrations.forEach(function (c) { if (c.service === service) show(c); });
    });
    return el('div', { class: 'a-bar' }, [go, line]);
  };
}
export function unisenderExport() {
  var line = el('p', { class: 'c-ok', role: 'status', 'data-test': 'export-status' });
  var timer = null;
  function showJob(body) {
    var job = body.export;
    if (!job) return false;
    var vars = { done: job.done, total: job.total, percent: body.percent };
    if (job.state === 'failed') { say(line, t('exportFailed') + (job.error || ''), true); return false; }
    say(line, fill(t(job.state === 'done' ? 'exportDone' : 'exportProgress'), vars));
    return job.state === 'running';
  }
  function poll() {
    timer = setTimeout(function () {
      if (!document.body.contains(line)) return;
      api('GET', '/api/admin/v1/integrations/unisender/export').then(function (res) {
        if (res.status === 200 && showJob(res.body)) poll();
      });
    }, 1000);
  }
  var go = button(t('exportContacts'), 'unisender-export', function () {
    clearTimeout(timer);
    api('POST', '/api/admin/v1/integrations/unisender/export', {}).then(function (res) {
      if (res.status !== 200) { say(line, message(res), true); return; }
      if (showJob(res.body)) poll();
    });
  });
  api('GET', '/api/admin/v1/integrations/unisender/export').then(function (res) {
    if (res.status === 200 && showJob(res.body)) poll();
  });
  return el('div', { class: 'a-bar' }, [go, line]);
}
export function result(test, pairs) {
  return el('dl', { class: 'a-result', 'data-test': test }, pairs.reduce(function (out, p) {
    if (p[1] == null || p[1] === '') return out;
    return out.concat([el('dt', { text: p[0] }), el('dd', {}, [el('code', { text: String(p[1]) })])]);
  }, []));
}
export function messengers() {
  var wrap = el('div', { 'data-test': 'channels' }, [el('h3', { text: t('channels') })]);
  var list = el('div', {});
  function load() {
    api('GET', '/api/admin/v1/channels').then(function (res) {
      clear(list);
      if (res.status !== 200) { list.appendChild(el('p', { class: 'c-error', text: message(res) })); return; }
      var rows = res.body.channels;
      if (!rows.length) { list.appendChild(el('p', { class: 'a-muted', text: t('noChannels') })); return; }
      list.appendChild(table('channels-table', [t('channelTitle'), t('kind'), t('key')], rows.map(function (c) {
        return el('tr', {}, [td(c.title), td(c.kind === 'vk' ? 'VK' : c.kind === 'telegram' ? 'Telegram' : c.kind), td(c.key)]);
      })));
    });
  }
  function channelForm(kind, heading, controls, config, show) {
    var title = input('title', t('channelTitle'), { required: true, value: heading });
    var line = statusLine();
    var out = el('div', {});
    var form = el('form', { class: 'c-form a-box', 'data-test': 'form-' + kind, novalidate: true, onsubmit: function (ev) {
      ev.preventDefault();
      if (!checkForm(form, line)) return;
      clear(out);
      say(line, t('loading'));
      api('PUT', '/api/admin/v1/channels', { title: title.value.trim(), kind: kind, config: config() }).then(function (res) {
        if (res.status !== 200) { refusal(form, line, res); return; }
        say(line, t('saved'));
        out.appendChild(show(res.body));
        load();
      });
    } }, [el('h4', { text: heading }), row(t('channelTitle'), title)].concat(controls).concat([
      el('div', { class: 'a-bar' }, [el('button', { type: 'submit', class: 'c-primary', 'data-test': 'save', text: t('connect') }), line]), out]));
    return form;
  }
  var tgToken = input('config.botToken', t('botToken'), { required: true, autocomplete: 'off', spellcheck: 'false' });
  var tg = channelForm('telegram', t('telegram'), [row(t('botToken'), tgToken, t('botTokenHelp'))],
    function () { return { botToken: tgToken.value.trim() }; },
    function (b) { return result('telegram-result', [[t('botUsername'), b.botUsername && '@' + b.botUsername], [t('webhookUrl'), b.webhookUrl]]); });
  var vkAccess = input('config.accessToken', t('vkAccess'), { required: true, autocomplete: 'off', spellcheck: 'false' });
  var vkGroup = input('config.groupId', t('vkGroup'), { inputmode: 'numeric' });
  var vkConfirm = input('config.confirmation', t('vkConfirmation'), { required: true, maxlength: 64 });
  var vk = channelForm('vk', t('vk'), [row(t('vkAccess'), vkAccess), row(t('vkGroup'), vkGroup), row(t('vkConfirmation'), vkConfirm)],
    function () {
      var c = { accessToken: vkAccess.value.trim(), confirmation: vkConfirm.value.trim() };
      if (vkGroup.value.trim()) c.groupId = vkGroup.value.trim();
      return c;
    },
    function (b) {
      return result('vk-result', [[t('callbackUrl'), b.callbackUrl], [t('vkConfirmation'), b.confirmation], [t('secretKey'), b.secretKey]]);
    });
  wrap.appendChild(list);
  wrap.appendChild(el('div', { class: 'a-cols' }, [tg, vk]));
  load();
  return wrap;
}
export function handlerCalls() {
  var wrap = el('div', { 'data-test': 'webhooks' }, [el('h3', { text: t('webhooks') })]);
  var filter = select('status', t('status'), [['', t('allStatuses')]].concat(['pending', 'delivered', 'failed', 'dead'].map(function (k) {
    return [k, t('wh.' + k)];
  })), '');
  var line = statusLine();
  var list = el('div', {});
  function load() {
    api('GET', '/api/admin/v1/webhooks?' + query({ status: filter.value })).then(function (res) {
      clear(list);
      if (res.status !== 200) { list.appendChild(el('p', { class: 'c-error', text: message(res) })); return; }
      var rows = res.body.deliveries;
      if (!rows.length) { list.appendChild(el('p', { class: 'a-muted', text: t('nothing') })); return; }
      list.appendChild(table('webhooks-table', [t('created'), t('event'), t('chat'), t('url'), t('status'), t('attempts'),
        t('lastError'), t('actions')], rows.map(function (d) {
        var again = d.status === 'pending' ? null : button(t('resend'), 'resend', function () {
          again.disabled = true;
          api('POST', '/api/admin/v1/webhooks/' + d.id + '/resend', {}).then(function (r) {
            if (r.status !== 200) { again.disabled = false; say(line, message(r), true); return; }
            say(line, t('resent'));
            load();
          });
        });
        var last = d.last_error || (d.last_status != null ? 'HTTP ' + d.last_status : '');
        return el('tr', { 'data-id': d.id }, [td(dateTime(d.created_at)), td(d.event), td(d.chat_id), el('td', { class: 'a-break', text: d.url }),
          td(has('wh.' + d.status) ? t('wh.' + d.status) : d.status), td(d.attempts), td(last), actions([again])]);
      })));
    });
  }
  filter.addEventListener('change', load);
  wrap.appendChild(el('div', { class: 'a-bar' }, [row(t('status'), filter), button(t('refresh'), 'refresh', load), line]));
  wrap.appendChild(list);
  load();
  return wrap;
}
