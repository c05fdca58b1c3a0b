// Contact and action requests in real browsers (see harness.mjs): the operator asks for contacts
// in the workspace, the widget shows an accessible contact form (labels, problems announced and
// tied to their field; axe-core finds nothing serious), the visitor answers, and the operator
// sees the answer and the visitor's new fields live; an action request sent from the workspace
// shows «acknowledged» once the visitor's app acknowledges it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { start, stop, login, setStatus, openWidget, step, say, consolePage, api, eventually, shot, axe } from './harness.mjs';

let boris;

before(async () => {
  await start('contacts');
  boris = await login('boris@demo.beseda.local');
});

after(async () => {
  await stop();
});

test('the operator asks for contacts, the visitor fills in the form, the operator sees them; an action request is acknowledged', async () => {
  await setStatus(boris, 'online');
  const ws = await consolePage('/workspace', 'boris@demo.beseda.local', { lang: 'ru' });
  const { page } = ws;
  const visitor = await openWidget();
  await say(visitor.frame, 'Перезвоните мне, пожалуйста');
  const item = page.locator('[data-test=list-waiting] .w-item').first();
  await item.waitFor();
  await item.click();
  await page.locator('[data-test=take]').click();
  await page.locator('[data-test=list-mine] .w-item').first().waitFor();

  step('the administrator makes the name mandatory while the widget is open: the form the request brings says so');
  const admin = await login('admin@demo.beseda.local');
  const saved = await api(admin, 'PATCH', '/api/admin/v1/settings', { contacts_request_name: 'mandatory' });
  assert.equal(saved.status, 200, JSON.stringify(saved.body));

  step('the operator asks for contacts (Alt+K, the «Ask for contacts» button)');
  await page.locator('[data-test=ask-contacts]', { hasText: 'Запросить контакты' }).waitFor();
  await page.locator('[data-test=reply]').focus();
  await page.keyboard.press('Alt+KeyK');
  await page.locator('.w-msg[data-kind=cont_req]', { hasText: 'Запрос контактов' }).waitFor();

  step('the widget shows the request and a labelled contact form');
  const frame = visitor.frame;
  await frame.locator('.b-operator', { hasText: 'оставьте ваши контактные данные' }).waitFor();
  const form = frame.locator('form.b-contacts');
  await form.waitFor();
  const name = frame.getByLabel('Имя'), email = frame.getByLabel('E-mail'), phone = frame.getByLabel('Телефон');
  for (const field of [name, email, phone]) assert.equal(await field.count(), 1, 'each field has a label');
  assert.equal(await form.locator('label[for=b-contact-name]').textContent(), 'Имя *', 'the settings of now, not of when the window opened');
  assert.equal(await name.getAttribute('aria-required'), 'true');
  const widget = visitor.page.frames().find((f) => f.url().includes('/widget/frame'));
  assert.deepEqual(await axe(widget), [], 'the widget with the contact form passes axe-core');

  step('a bad e-mail is announced and tied to its field; nothing is sent');
  let answers = 0;
  visitor.page.on('request', (r) => { if (/\/l\/v\/m\/action$/.test(r.url()) && (r.postData() || '').includes('chat.cont_resp')) answers++; });
  await name.fill('Мария Петрова');
  await email.fill('maria(at)example.com');
  await form.locator('button[type=submit]').click();
  const alert = form.locator('[role=alert]');
  await alert.filter({ hasText: 'e-mail' }).waitFor();
  assert.equal(await email.getAttribute('aria-invalid'), 'true');
  assert.equal(await email.getAttribute('aria-describedby'), await alert.getAttribute('id'));
  assert.equal(await email.evaluate((n) => n === document.activeElement), true, 'the focus goes to the field');
  assert.equal(answers, 0, 'a bad form is not sent');
  assert.deepEqual(await axe(widget), [], 'the form with an error passes axe-core');
  await shot(visitor.page, 'contacts-form-error');

  step('refusals that name no field: the e-mail limit marks the e-mail field, another one takes the focus to its announcement');
  await email.fill('maria@example.com');
  await phone.fill('+7 (999) 123-45-67');
  /** @type {string | null} */
  let refuse = 'email-changed-too-many-times';
  await visitor.page.route('**/l/v/m/action', (route) => {
    const code = refuse;
    if (!code || !(route.request().postData() || '').includes('chat.cont_resp')) return route.continue();
    return route.fulfill({ status: 200, contentType: 'application/json', body: JSON.stringify({ error: code }) });
  });
  await name.focus();
  await form.locator('button[type=submit]').click();
  await alert.filter({ hasText: 'не больше трёх раз в день' }).waitFor();
  assert.equal(await email.getAttribute('aria-invalid'), 'true');
  assert.equal(await email.evaluate((n) => n === document.activeElement), true, 'the e-mail limit focuses the e-mail field');
  refuse = 'not_allowed';
  await form.locator('button[type=submit]').click();
  await alert.filter({ hasText: 'больше не ждёт контактов' }).waitFor();
  assert.equal(await alert.evaluate((n) => n === document.activeElement), true, 'a refusal without a field focuses its announcement');
  assert.equal(await email.getAttribute('aria-invalid'), null);
  refuse = null;
  answers = 0;

  step('the visitor answers; the form goes away and the focus goes to the message box');
  await phone.press('Enter');
  await form.waitFor({ state: 'detached' });
  await frame.locator('.b-visitor', { hasText: 'E-mail: maria@example.com' }).waitFor();
  await frame.locator('.b-system', { hasText: 'Спасибо! Контакты переданы оператору.' }).waitFor();
  assert.equal(answers, 1);
  assert.equal(await frame.locator('.b-input textarea').evaluate((n) => n === document.activeElement), true,
    'after the form is sent the focus is in the message box');

  step('the operator sees the contacts in the chat and the visitor panel');
  const answer = page.locator('.w-msg[data-kind=contacts]');
  await answer.waitFor();
  assert.match(await answer.textContent(), /Контакты посетителя:\s*Имя: Мария Петрова\s*E-mail: maria@example\.com\s*Телефон: \+7 \(999\) 123-45-67/);
  await page.locator('.w-side dd', { hasText: 'maria@example.com' }).waitFor();
  await page.locator('.w-side dd', { hasText: '+7 (999) 123-45-67' }).waitFor();
  // The contact form's fields are labelled in the card, not shown by their keys.
  await page.locator('.w-side dt', { hasText: /^(Телефон|Phone)$/ }).waitFor();
  assert.equal(await page.locator('.w-side dt', { hasText: /^phone$/ }).count(), 0);
  assert.deepEqual(await axe(page), [], 'the workspace passes axe-core');

  step('an action request from the workspace; the app acknowledges it');
  await page.locator('[data-test=action-request]').click();
  await page.locator('[data-test=action-request-text]').fill('Позвонить вам сейчас?');
  await page.locator('[data-test=action-request-data]').fill('not json');
  await page.locator('[data-test=apply]').click();
  await page.locator('[role=dialog] [role=alert]', { hasText: 'JSON' }).waitFor();
  await page.locator('[data-test=action-request-data]').fill(JSON.stringify({ action: 'call', blob: 'я'.repeat(9000) }));
  await page.locator('[data-test=apply]').click();
  await page.locator('[role=dialog] [role=alert]', { hasText: 'больше 16 КБ' }).waitFor();
  // The server's generic refusals are shown in the console's language.
  const said = await page.evaluate(async () => {
    const main = /** @type {HTMLScriptElement} */ (document.querySelector('script[type=module]')).src;
    const { message } = await import(main.replace(/workspace\/main\.js(\?.*)?$/, 'lib/api.js$1'));
    return [message({ status: 400, body: { error: 'wrong-argument-value', message: 'bad value for `data`' } }),
      message({ status: 400, body: { error: 'argument-missing', message: 'missing argument `text`' } })];
  });
  assert.deepEqual(said, ['Недопустимое значение поля «data»', 'Не заполнено поле «text»']);
  await page.locator('[data-test=action-request-data]').fill('{"action": "call"}');
  await page.locator('[data-test=apply]').click();
  const request = page.locator('.w-msg[data-kind=action_request]');
  await request.waitFor();
  await frame.locator('.b-operator', { hasText: 'Позвонить вам сейчас?' }).waitFor();
  const chatId = (await api(boris, 'GET', '/api/operator/v1/chats?list=mine')).body.chats[0].id;
  const detail = (await api(boris, 'GET', `/api/operator/v1/chats/${chatId}`)).body;
  const sent = detail.messages.find((m) => m.kind === 'action_request');
  assert.deepEqual(sent.data, { action: 'call' });
  // The visitor's app acknowledges (the widget has no action requests of its own).
  const ack = await widget.evaluate(async (id) => {
    const base = /** @type {HTMLScriptElement} */ (document.querySelector('script[type=module]')).src.replace(/main\.js$/, '');
    const { S } = await import(base + 'state.js');
    const body = new URLSearchParams({ action: 'chat.action_request.call_sentry_action_request', 'page-id': S.page, 'auth-token': S.token, 'client-side-id': id });
    return (await fetch('/l/v/m/action', { method: 'POST', body })).json();
  }, sent.id);
  assert.equal(ack.result, 'ok', JSON.stringify(ack));
  await eventually(async () => /подтверждён/.test(await request.textContent()), 'the workspace shows the acknowledgement');
  assert.deepEqual(ws.errors, []);
  assert.deepEqual(visitor.errors, []);
});
