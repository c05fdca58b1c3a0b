// The admin panel in a real browser (see harness.mjs): every section is changed in the page,
// saved, the page reloaded to see the value kept, and the effect checked through the product —
// the widget, the visitor and operator APIs. Roles: a supervisor sees reports and operators, an
// operator is sent to the workspace.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { deflateSync } from 'node:zlib';
import {
  env, start, stop, api, login, setStatus, eventually, waitingChat, openWidget, say, shot, consolePage, step,
} from './harness.mjs';

const ADMIN = 'admin@demo.beseda.local';
let admin, anna, boris;
/** One admin browser page shared by the scenarios (the session survives reloads). */
let P, pageErrors;

before(async () => {
  await start('admin');
  admin = await login(ADMIN);
  anna = await login('anna@demo.beseda.local');
  boris = await login('boris@demo.beseda.local');
  await setStatus(boris, 'online');
  ({ page: P, errors: pageErrors } = await consolePage('/admin', ADMIN));
});

after(async () => {
  assert.deepEqual(pageErrors, [], 'no script errors in the admin page');
  await stop();
});

/** Opens a section from the left navigation; resolves its form (or the section). */
async function open(id, form = `form-${id}`) {
  await P.locator(`[data-test=nav-${id}]`).click();
  const section = P.locator(`[data-test=section-${id}]`);
  await section.waitFor();
  if (!form) return section;
  const f = section.locator(`[data-test=${form}]`).first();
  await f.waitFor();
  return f;
}

/** Reloads the page: the same section opens again with what the server has. */
async function reload(id, form = `form-${id}`) {
  await P.reload();
  await P.locator('[data-test=me]').waitFor();
  const f = P.locator(`[data-test=section-${id}] [data-test=${form}]`).first();
  await f.waitFor();
  return f;
}

async function saved(form) {
  await form.locator('[data-test=save]').click();
  await form.locator('[data-test=status].c-ok', { hasText: 'Saved' }).waitFor();
}

/** Saves and expects the refusal `text` shown next to the form; resolves the shown message. */
async function refused(form, text) {
  await form.locator('[data-test=save]').click();
  const line = form.locator('[data-test=status].c-error', { hasText: text });
  await line.waitFor();
  return line.textContent();
}

async function settings() {
  const r = await api(admin, 'GET', '/api/admin/v1/settings');
  assert.equal(r.status, 200);
  return r.body.settings;
}

async function patchSettings(patch) {
  const r = await api(admin, 'PATCH', '/api/admin/v1/settings', patch);
  assert.equal(r.status, 200, JSON.stringify(r.body));
}

async function visitorConfig(location = 'default') {
  return (await fetch(`${env.base}/api/visitor/v1/configs/${location}`)).json();
}

/** A visitor who starts a chat over the visitor protocol, without a browser. */
async function visitorChat(text, device) {
  const q = new URLSearchParams({ event: 'init', since: '0', 'respond-immediately': '1', 'device-id': device,
    location: 'default', platform: 'web', title: 'admin test' });
  const init = await (await fetch(`${env.base}/l/v/m/init?${q}`)).json();
  const full = init.fullUpdate;
  const body = new URLSearchParams({ action: 'chat.message', 'page-id': full.pageId, 'auth-token': full.authToken,
    'client-side-id': `${device}-1`, message: text });
  const r = await (await fetch(`${env.base}/l/v/m/action`, { method: 'POST', body })).json();
  assert.equal(r.result, 'ok', JSON.stringify(r));
}

function crc32(bytes) {
  let crc = ~0;
  for (const b of bytes) {
    crc ^= b;
    for (let k = 0; k < 8; k++) crc = (crc >>> 1) ^ (0xedb88320 & -(crc & 1));
  }
  return ~crc >>> 0;
}

/** A real PNG of one colour. */
function png(width, height, rgb = [47, 111, 237]) {
  const chunk = (type, data) => {
    const head = Buffer.alloc(4);
    head.writeUInt32BE(data.length);
    const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(body));
    return Buffer.concat([head, body, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // truecolour
  const line = Buffer.concat([Buffer.from([0]), Buffer.from(Array.from({ length: width }, () => rgb).flat())]);
  const raw = Buffer.concat(Array.from({ length: height }, () => line));
  return Buffer.concat([Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]), chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw)),
    chunk('IEND', Buffer.alloc(0))]);
}

test('company: a new name and a logo reach the visitor; an oversized logo is refused', async () => {
  let f = await open('company');
  await f.locator('input[name=name]').fill('ООО «Сила»');
  await f.locator('input[name=site_url]').fill('https://www.sila.example');
  await f.locator('select[name=default_lang]').selectOption('ru');
  await f.locator('input[name=logo]').setInputFiles({ name: 'logo.png', mimeType: 'image/png', buffer: png(32, 32) });
  await f.locator('[data-test=logo-preview]').waitFor();
  await saved(f);
  await shot(P, 'admin-company');

  f = await reload('company');
  assert.equal(await f.locator('input[name=name]').inputValue(), 'ООО «Сила»');
  assert.equal(await f.locator('input[name=site_url]').inputValue(), 'https://www.sila.example');
  assert.match(await f.locator('[data-test=logo-preview]').getAttribute('src'), /^data:image\/png;base64,/);
  assert.equal((await visitorConfig()).locationSettings.companyName, 'ООО «Сила»');
  const logo = await fetch(`${env.base}/widget/image/logo`);
  assert.equal(logo.status, 200);
  assert.equal(logo.headers.get('content-type'), 'image/png');
  assert.deepEqual(Buffer.from(await logo.arrayBuffer()), png(32, 32));

  // The chat window shows the logo in its header.
  const widget = await openWidget();
  await eventually(async () => /\/widget\/image\/logo/.test(await widget.frame.locator('.b-head img').getAttribute('src') || ''),
    'the logo in the widget header');
  await widget.context.close();

  // 200×200 is more than the 100×100 allowed: refused, the stored logo stays.
  await f.locator('input[name=logo]').setInputFiles({ name: 'big.png', mimeType: 'image/png', buffer: png(200, 200) });
  const why = await refused(f, '100×100');
  assert.match(why, /^Logo: /);
  assert.equal(await f.locator('input[name=logo]').getAttribute('aria-invalid'), 'true');
  f = await reload('company');
  assert.equal((await fetch(`${env.base}/widget/image/logo`)).status, 200);

  // An empty name is refused by the form itself.
  await f.locator('input[name=name]').fill('');
  await refused(f, 'Company name');
  // Removed, the logo is gone.
  await f.locator('input[name=name]').fill('Demo Company');
  await f.locator('[data-test=logo-remove]').click();
  await saved(f);
  assert.equal((await fetch(`${env.base}/widget/image/logo`)).status, 404);
  assert.equal((await settings()).name, 'Demo Company');
});

test('e-mail addresses: all three are required and must be addresses', async () => {
  let f = await open('emails');
  for (const name of ['email_left_messages', 'email_negative_feedback', 'email_daily_reports']) {
    assert.equal(await f.locator(`input[name=${name}]`).getAttribute('required'), '');
  }
  await f.locator('input[name=email_left_messages]').fill('petrov@moysite.ru, ivanov@company.com');
  await f.locator('input[name=email_negative_feedback]').fill('quality@moysite.ru');
  await f.locator('input[name=email_daily_reports]').fill('');
  assert.equal(await refused(f, 'For daily reports'), 'For daily reports: required');
  // The browser takes "boss@localhost"; the server wants a domain with a dot and says so.
  await f.locator('input[name=email_daily_reports]').fill('boss@localhost');
  const why = await refused(f, 'not an e-mail address');
  assert.match(why, /^For daily reports: "boss@localhost"/);
  await f.locator('input[name=email_daily_reports]').fill('boss@moysite.ru');
  await saved(f);

  f = await reload('emails');
  assert.match(await f.locator('input[name=email_left_messages]').inputValue(), /^petrov@moysite\.ru, ?ivanov@company\.com$/);
  assert.equal(await f.locator('input[name=email_daily_reports]').inputValue(), 'boss@moysite.ru');
  const s = await settings();
  assert.equal(s.email_negative_feedback, 'quality@moysite.ru');
  assert.equal(s.email_daily_reports, 'boss@moysite.ru');
});

test('classification: categories with subcategories; a chat cannot be closed without one', async () => {
  let f = await open('classification');
  // A subcategory on the first line is refused by the server.
  await f.locator('textarea[name=categories]').fill(' Курьер\nДоставка');
  await refused(f, 'first line cannot be a subcategory');
  await f.locator('textarea[name=categories]').fill('Доставка\n Курьер\n Самовывоз\nVIP\n');
  await f.locator('input[name=category_required]').check();
  await saved(f);

  f = await reload('classification');
  assert.equal(await f.locator('textarea[name=categories]').inputValue(), 'Доставка\n Курьер\n Самовывоз\nVIP');
  assert.equal(await f.locator('input[name=category_required]').isChecked(), true);
  assert.deepEqual((await settings()).categories, ['Доставка', ' Курьер', ' Самовывоз', 'VIP']);

  await visitorChat('Где мой заказ номер 42?', 'classify-1');
  const chat = await waitingChat(boris);
  assert.equal((await api(boris, 'POST', `/api/operator/v1/chats/${chat.id}/take`, {})).status, 200);
  const refusedClose = await api(boris, 'POST', `/api/operator/v1/chats/${chat.id}/close`, {});
  assert.equal(refusedClose.status >= 400 && refusedClose.status < 500, true, JSON.stringify(refusedClose));
  assert.equal(refusedClose.body.error, 'category-required');
  const cat = await api(boris, 'POST', `/api/operator/v1/chats/${chat.id}/category`, { category: 'Доставка', subcategory: 'Курьер' });
  assert.equal(cat.status, 200, JSON.stringify(cat.body));
  assert.equal((await api(boris, 'POST', `/api/operator/v1/chats/${chat.id}/close`, {})).status, 200);

  await f.locator('input[name=category_required]').uncheck();
  await saved(f);
  assert.equal((await settings()).category_required, false);
});

test('templates: a global template reaches operators in its language; deleted, it is gone', async () => {
  const section = await open('templates', 'templates');
  await section.locator('[data-test=template-lang]').selectOption('ru');
  const f = section.locator('[data-test=form-template]');
  await f.locator('input[name=section]').fill('Доставка');
  await f.locator('input[name=title]').fill('Сроки');
  await f.locator('textarea[name=text]').fill('Доставим за 2 дня.');
  await saved(f);
  await section.locator('[data-test=templates-table] tr', { hasText: 'Доставим за 2 дня.' }).waitFor();

  await reload('templates', 'templates');
  const row = P.locator('[data-test=templates-table] tr', { hasText: 'Доставим за 2 дня.' });
  await row.waitFor();
  const listed = async () => (await api(anna, 'GET', '/api/operator/v1/templates')).body.templates;
  let mine = (await listed()).find((x) => x.title === 'Сроки');
  assert.deepEqual([mine.scope, mine.lang, mine.section, mine.text], ['global', 'ru', 'Доставка', 'Доставим за 2 дня.']);

  // Edited in place.
  await row.locator('[data-test=edit]').click();
  const form = P.locator('[data-test=form-template]');
  await form.locator('textarea[name=text]').fill('Доставим за 1 день.');
  await saved(form);
  await P.locator('[data-test=templates-table] tr', { hasText: 'Доставим за 1 день.' }).waitFor();
  mine = (await listed()).find((x) => x.title === 'Сроки');
  assert.equal(mine.text, 'Доставим за 1 день.');

  // The English set is separate.
  await P.locator('[data-test=template-lang]').selectOption('en');
  await P.locator('[data-test=templates-empty]').waitFor();
  await P.locator('[data-test=template-lang]').selectOption('ru');

  // Delete asks once more.
  const del = P.locator('[data-test=templates-table] tr', { hasText: 'Доставим за 1 день.' }).locator('[data-test=delete]');
  await del.click();
  await del.click();
  await P.locator('[data-test=templates-empty]').waitFor();
  assert.equal((await listed()).some((x) => x.title === 'Сроки'), false);
});

test('auto-messages: the greeting starts a new chat; an out-of-range timeout is refused', async () => {
  let f = await open('automessages');
  // The closing timeouts show their defaults (chat-handlers.md §2).
  assert.equal(await f.locator('input[name=auto_close_timeout_secs]').inputValue(), '86400');
  assert.equal(await f.locator('input[name=closed_by_operator_timeout_secs]').inputValue(), '3600');
  await f.locator('textarea[name=greeting_message]').fill('Добрый день! Оператор скоро ответит.');
  await f.locator('input[name=first_answer_timeout_secs]').fill('90');
  await f.locator('input[name=auto_close_timeout_secs]').fill('99999999');
  const why = await refused(f, 'at most 30 days');
  assert.match(why, /^Close an inactive chat after, seconds: /);
  await f.locator('input[name=auto_close_timeout_secs]').fill('0');
  await saved(f);

  f = await reload('automessages');
  assert.equal(await f.locator('textarea[name=greeting_message]').inputValue(), 'Добрый день! Оператор скоро ответит.');
  assert.equal(await f.locator('input[name=first_answer_timeout_secs]').inputValue(), '90');

  const { context, frame, errors } = await openWidget();
  await say(frame, 'Здравствуйте, вопрос по оплате');
  await frame.locator('.b-system', { hasText: 'Добрый день! Оператор скоро ответит.' }).waitFor();
  assert.deepEqual(errors, []);
  await context.close();
  await patchSettings({ greeting_message: '' });
});

test('lead generator: the invitation text and photo reach the visitor configuration', async () => {
  let f = await open('leads');
  await f.locator('textarea[name=auto_invitation_text]').fill('Нужна помощь с выбором?');
  await f.locator('input[name=auto_invitation_delay_secs]').fill('15');
  await f.locator('input[name=lead_photo]').setInputFiles({ name: 'me.png', mimeType: 'image/png', buffer: png(48, 48, [200, 40, 40]) });
  await f.locator('[data-test=lead_photo-preview]').waitFor();
  await saved(f);

  f = await reload('leads');
  assert.equal(await f.locator('textarea[name=auto_invitation_text]').inputValue(), 'Нужна помощь с выбором?');
  assert.equal(await f.locator('[data-test=lead_photo-preview]').isVisible(), true);
  const invitation = (await visitorConfig()).locationSettings.invitation;
  assert.equal(invitation.text, 'Нужна помощь с выбором?');
  assert.equal(invitation.delaySecs, 15);
  assert.match(invitation.photo, /^\/widget\/image\/lead_photo\?v=/);
  assert.equal((await fetch(env.base + invitation.photo)).status, 200);
  await f.locator('textarea[name=auto_invitation_text]').fill('');
  await saved(f);
  assert.equal((await visitorConfig()).locationSettings.invitation, null);
});

test('extra functions: hidden profiles and hidden chats take effect for operators', async () => {
  const original = await settings();
  let f = await open('extra');
  await f.locator('input[name=hidden_profiles]').check();
  await f.locator('input[name=hide_others_chats]').check();
  await f.locator('input[name=allowed_upload_file_types]').fill('png, .JPG pdf');
  await f.locator('textarea[name=priority_pages]').fill('mysite.com/main');
  await refused(f, 'absolute URLs');
  assert.equal(await f.locator('textarea[name=priority_pages]').getAttribute('aria-invalid'), 'true');
  await f.locator('textarea[name=priority_pages]').fill('https://www.mysite.com/main\n\nhttps://my.site.ru/somepage/');
  await saved(f);

  f = await reload('extra');
  assert.equal(await f.locator('input[name=hidden_profiles]').isChecked(), true);
  assert.equal(await f.locator('input[name=hide_others_chats]').isChecked(), true);
  assert.equal(await f.locator('input[name=allowed_upload_file_types]').inputValue(), 'png, jpg, pdf');
  assert.equal(await f.locator('textarea[name=priority_pages]').inputValue(), 'https://www.mysite.com/main\nhttps://my.site.ru/somepage/');

  const card = await api(anna, 'PUT', '/api/operator/v1/profile', { name: 'Анна', email: 'anna@demo.beseda.local' });
  assert.equal(card.status, 403);
  assert.equal(card.body.error, 'profile-editing-disabled');
  // Boris's chat from the classification scenario is hidden from Anna.
  const history = await api(admin, 'GET', '/api/admin/v1/history?q=' + encodeURIComponent('заказ номер 42'));
  const borisChat = history.body.chats[0];
  const hidden = await api(anna, 'GET', `/api/operator/v1/chats/${borisChat.id}`);
  assert.equal(hidden.status, 403);
  assert.equal(hidden.body.error, 'hidden-by-settings');

  await f.locator('input[name=hidden_profiles]').uncheck();
  await f.locator('input[name=hide_others_chats]').uncheck();
  await f.locator('input[name=allowed_upload_file_types]').fill(original.allowed_upload_file_types.join(', '));
  await f.locator('textarea[name=priority_pages]').fill('');
  await saved(f);
  assert.equal((await api(anna, 'PUT', '/api/operator/v1/profile', { name: 'Анна', email: 'anna@demo.beseda.local' })).status, 200);
  assert.equal((await api(anna, 'GET', `/api/operator/v1/chats/${borisChat.id}`)).status, 200);
});

test('integration: settings kept; a VK community connected; handler calls listed and sent again', async () => {
  let f = await open('integration');
  await f.locator('input[name=crm_link_template]').fill('https://crm.example.com/client');
  await refused(f, 'containing {id}');
  await f.locator('input[name=crm_link_template]').fill('https://crm.example.com/?id={id}');
  await f.locator('select[name=provided_visitor_hash_algorithm]').selectOption('sha-512');
  await f.locator('input[name=zendesk_subdomain]').fill('sila');
  await f.locator('input[name=zendesk_login]').fill('agent@sila.example');
  await f.locator('input[name=chat_events_handler_url]').fill(`${env.base}/no-such-handler`);
  await saved(f);

  f = await reload('integration');
  assert.equal(await f.locator('input[name=crm_link_template]').inputValue(), 'https://crm.example.com/?id={id}');
  assert.equal(await f.locator('select[name=provided_visitor_hash_algorithm]').inputValue(), 'sha-512');
  assert.equal(await f.locator('input[name=zendesk_login]').inputValue(), 'agent@sila.example');
  // Without the Unisender key the export says what is missing.
  await P.locator('[data-test=unisender-export]').click();
  await P.locator('[data-test=export-status].c-error', { hasText: 'Unisender API key' }).waitFor();

  // A Telegram token that is not one is refused before anything is saved.
  const tg = P.locator('[data-test=form-telegram]');
  await tg.locator('input[name="config.botToken"]').fill('not-a-token');
  await refused(tg, 'Telegram bot token: ');
  // A VK community: the panel gives the callback address and secret key to enter in VK.
  const vk = P.locator('[data-test=form-vk]');
  await vk.locator('input[name=title]').fill('Сообщество «Силы»');
  await vk.locator('input[name="config.accessToken"]').fill('vk1.a.community-access-key');
  await vk.locator('input[name="config.groupId"]').fill('123456');
  await vk.locator('input[name="config.confirmation"]').fill('a1b2c3d4');
  await saved(vk);
  const shown = await vk.locator('[data-test=vk-result]').textContent();
  assert.match(shown, /\/api\/vk\/[^/]+\/callback/);
  assert.match(shown, /a1b2c3d4/);
  await P.locator('[data-test=channels-table] tr', { hasText: 'Сообщество «Силы»' }).waitFor();

  // A chat makes a call to the (missing) handler; the log shows it failed; it is sent again.
  await visitorChat('Проверка обработчиков', 'handlers-1');
  await eventually(async () => (await api(admin, 'GET', '/api/admin/v1/webhooks?status=failed')).body.deliveries.length > 0,
    'a failed handler call');
  await reload('integration');
  const row = P.locator('[data-test=webhooks-table] tr', { hasText: 'no-such-handler' }).first();
  await row.waitFor();
  await row.locator('[data-test=resend]').click();
  await P.locator('[data-test=webhooks] [data-test=status]', { hasText: 'Queued' }).waitFor();
  await shot(P, 'admin-integration');
  await patchSettings({ chat_events_handler_url: '' });
});

test('security: IPv6 and a list without your own address are refused; 127.0.0.1 is accepted', async () => {
  let f = await open('security');
  await f.locator('input[name=ip_allowlist]').fill('::1');
  assert.match(await refused(f, 'IPv6'), /Allowed IP addresses: ::1: IPv6 addresses are not supported/);
  await f.locator('input[name=ip_allowlist]').fill('10.0.0.0/8');
  await refused(f, 'subnet masks are not supported');
  await f.locator('input[name=ip_allowlist]').fill('10.0.0.1-10.0.0.50');
  await refused(f, 'would shut you out');
  await f.locator('input[name=ip_allowlist]').fill('127.0.0.1, 10.0.0.1-10.0.0.50');
  await saved(f);
  f = await reload('security');
  assert.equal(await f.locator('input[name=ip_allowlist]').inputValue(), '127.0.0.1, 10.0.0.1-10.0.0.50');
  await f.locator('input[name=ip_allowlist]').fill('');
  await saved(f);
  assert.equal((await settings()).ip_allowlist, '');
});

test('misc: with probability 0 the demo page shows no chat button', async () => {
  const buttonShown = async () => {
    const context = await env.browser.newContext();
    const page = await context.newPage();
    await page.goto(`${env.base}/demo`);
    await page.waitForLoadState('networkidle');
    const shown = (await page.locator('#beseda-button').count()) === 1;
    await context.close();
    return shown;
  };
  let f = await open('misc');
  await f.locator('input[name=button_probability]').fill('101');
  assert.equal(await refused(f, 'Probability of showing the button'), 'Probability of showing the button to a new visitor, %: from 0 to 100');
  await f.locator('input[name=button_probability]').fill('0');
  await f.locator('input[name=offline_queue_limit]').fill('7');
  await saved(f);
  f = await reload('misc');
  assert.equal(await f.locator('input[name=button_probability]').inputValue(), '0');
  assert.equal(await f.locator('input[name=online_queue_limit]').inputValue(), '');
  assert.equal(await f.locator('input[name=offline_queue_limit]').inputValue(), '7');
  assert.equal(await buttonShown(), false, 'probability 0 %');
  await f.locator('input[name=button_probability]').fill('100');
  await f.locator('input[name=offline_queue_limit]').fill('');
  await saved(f);
  const s = await settings();
  assert.deepEqual([s.button_probability, s.online_queue_limit, s.offline_queue_limit], [100, null, null]);
  assert.equal(await buttonShown(), true, 'probability 100 %');
});

test('operators: created in the panel, logs in; card, routing and role edited; roles decide what is shown', async () => {
  const email = 'olga@demo.beseda.local', password = 'olga-secret-1';
  let section = await open('operators', 'operators-table');
  const f = P.locator('[data-test=form-new-operator]');
  await f.locator('input[name=email]').fill(email);
  await f.locator('input[name=name]').fill('Ольга');
  await f.locator('input[name=password]').fill('short');
  await refused(f, 'Password');
  await f.locator('input[name=password]').fill(password);
  await f.locator('[data-test=departmentKeys] input[value=support]').check();
  await f.locator('[data-test=languages] input[value=en]').check();
  await f.locator('[data-test=save]').click();
  const row = P.locator('[data-test=operators-table] tr', { hasText: email });
  await row.waitFor();
  const token = await fetch(`${env.base}/api/operator/v1/tokens`, { method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password }) });
  assert.equal(token.status, 200, 'the new operator logs in');

  // The card and the routing profile.
  await row.locator('[data-test=edit]').click();
  const card = P.locator('[data-test=form-operator-card]');
  await card.locator('input[name=name]').fill('Ольга Петрова');
  await card.locator('input[name=avatar]').setInputFiles({ name: 'olga.png', mimeType: 'image/png', buffer: png(64, 64, [20, 160, 90]) });
  await card.locator('[data-test=avatar-preview]').waitFor();
  await saved(card);
  // The photo is served to visitors, and kept when the card is saved again.
  const withPhoto = (await api(admin, 'GET', '/api/admin/v1/operators')).body.operators.find((o) => o.email === email);
  assert.match(withPhoto.avatar, new RegExp(`^/widget/image/operator-${withPhoto.id}\\?v=`));
  assert.deepEqual(Buffer.from(await (await fetch(env.base + withPhoto.avatar)).arrayBuffer()), png(64, 64, [20, 160, 90]));
  await saved(card);
  assert.equal((await api(admin, 'GET', '/api/admin/v1/operators')).body.operators.find((o) => o.email === email).avatar, withPhoto.avatar);
  const profile = P.locator('[data-test=form-operator-profile]');
  await profile.locator('[data-test=departmentKeys] input[value=sales]').check();
  await profile.locator('input[name=maxChats]').fill('3');
  await saved(profile);
  await reload('operators', 'operators-table');
  const again = P.locator('[data-test=operators-table] tr', { hasText: email });
  assert.match(await again.textContent(), /Ольга Петрова/);
  const olga = (await api(admin, 'GET', '/api/admin/v1/operators')).body.operators.find((o) => o.email === email);
  assert.deepEqual([olga.name, olga.maxChats, [...olga.departmentKeys].sort(), [...olga.languages].sort()],
    ['Ольга Петрова', 3, ['sales', 'support'], ['en', 'ru']]);

  // Made a supervisor, she sees statistics, history and operators, and no settings.
  await again.locator('[data-test=edit]').click();
  await P.locator('[data-test=form-operator-card] select[name=role]').selectOption('supervisor');
  await saved(P.locator('[data-test=form-operator-card]'));
  env.passwords[email] = password;
  const sup = await consolePage('/admin', email);
  // Statistics is where a supervisor starts.
  await sup.page.locator('[data-test=section-stats] [data-test=form-stats]').waitFor();
  await sup.page.locator('[data-test=nav-history]').waitFor();
  await sup.page.locator('[data-test=nav-operators]').click();
  await sup.page.locator('[data-test=operators-table]').waitFor();
  assert.equal(await sup.page.locator('[data-test=nav-company]').count(), 0);
  assert.equal(await sup.page.locator('[data-test=form-new-operator]').count(), 0);
  // Supervisors edit operators' cards, not administrators'.
  assert.equal(await sup.page.locator('[data-test=operators-table] tr', { hasText: ADMIN }).locator('[data-test=edit]').count(), 0);
  await sup.page.locator('[data-test=operators-table] tr', { hasText: 'anna@demo' }).locator('[data-test=edit]').click();
  assert.equal(await sup.page.locator('[data-test=form-operator-card] select[name=role]').count(), 0);
  await shot(sup.page, 'admin-supervisor');
  assert.deepEqual(sup.errors, []);
  await sup.context.close();

  // An operator is told the panel is not for them.
  const op = await consolePage('/admin', 'anna@demo.beseda.local');
  await op.page.locator('[data-test=not-for-you]').waitFor();
  assert.equal(await op.page.locator('[data-test=to-workspace]').getAttribute('href'), '/workspace');
  assert.equal(await op.page.locator('[data-test=nav-stats]').count(), 0);
  await op.context.close();
});

test('departments: created with its own template; placements: saved with the embed code shown', async () => {
  await open('departments', 'departments-table');
  let f = P.locator('[data-test=form-department]');
  await f.locator('input[name=key]').fill('vip');
  await f.locator('input[name=name]').fill('VIP-клиенты');
  await f.locator('input[name=nameEn]').fill('VIP clients');
  await f.locator('input[name=order]').fill('30');
  await f.locator('[data-test=save]').click();
  const row = P.locator('[data-test=departments-table] tr[data-key=vip]');
  await row.waitFor();
  await reload('departments', 'departments-table');
  assert.match(await row.textContent(), /VIP-клиенты.*VIP clients/);
  const dep = (await api(admin, 'GET', '/api/admin/v1/departments')).body.departments.find((d) => d.key === 'vip');
  assert.deepEqual([dep.name, dep.localeNames.en, dep.order], ['VIP-клиенты', 'VIP clients', 30]);
  // A department template.
  await row.locator('[data-test=templates]').click();
  const tf = P.locator('[data-test=form-template]');
  await tf.locator('textarea[name=text]').fill('Для VIP-клиентов доставка бесплатна.');
  await saved(tf);
  const tpl = (await api(admin, 'GET', '/api/admin/v1/templates')).body.templates.find((x) => x.departmentKey === 'vip');
  assert.equal(tpl.text, 'Для VIP-клиентов доставка бесплатна.');

  // Placements: the English one gets a new greeting; a new one is made.
  await open('placements', 'placements-table');
  await P.locator('[data-test=placements-table] tr[data-key=english] [data-test=edit]').click();
  f = P.locator('[data-test=form-placement]');
  await f.locator('textarea[name=helloMessage]').fill('Hi there! Ask us anything.');
  await saved(f);
  assert.match(await P.locator('[data-test=embed-code]').textContent(), /english/);
  await f.locator('input[name=title]').fill('');
  await refused(f, 'Title');

  await P.locator('[data-test=nav-placements]').click();
  f = P.locator('[data-test=form-placement]');
  await f.locator('input[name=key]').fill('promo');
  await f.locator('input[name=title]').fill('Промо-страница');
  await f.locator('select[name=lang]').selectOption('en');
  await f.locator('[data-test=departmentKeys] input[value=vip]').check();
  await f.locator('select[name=defaultDepartment]').selectOption('vip');
  await f.locator('[data-test=save]').click();
  await P.locator('[data-test=placements-table] tr[data-key=promo]').waitFor();
  await reload('placements', 'placements-table');
  await P.locator('[data-test=placements-table] tr[data-key=promo] [data-test=edit]').click();
  assert.equal(await P.locator('[data-test=form-placement] input[name=title]').inputValue(), 'Промо-страница');
  const code = await P.locator('[data-test=embed-code]').textContent();
  assert.match(code, /promo/);
  assert.match(code, /<script src="[^"]*\/widget\/loader\.js" data-location="promo" async><\/script>/);
  await P.locator('[data-test=copy]').click();
  await shot(P, 'admin-placements');
  const cfg = await visitorConfig('promo');
  assert.equal(cfg.locationSettings.title, 'Промо-страница');
  assert.equal(cfg.locationSettings.lang, 'en');

  // The English placement greets with the new text.
  const widget = await openWidget('english');
  await widget.frame.getByText('Hi there! Ask us anything.').waitFor();
  await widget.context.close();
});

test('bots: an operator account becomes a bot with a token, rotated on demand', async () => {
  const made = await api(admin, 'POST', '/api/admin/v1/operators',
    { email: 'robot@demo.beseda.local', name: 'Робот', password: 'robot-secret-1', role: 'operator' });
  assert.equal(made.status, 200, JSON.stringify(made.body));
  let f = await open('bots', 'form-bot');
  // Nothing is chosen at first, so no account becomes a bot by accident.
  assert.equal(await refused(f, 'Operator account'), 'Operator account: required');
  await f.locator('select[name=operatorId]').selectOption(String(made.body.operator.id));
  await f.locator('input[name=webhookUrl]').fill('ftp://bot.example.com/hook');
  await refused(f, 'webhook');
  await f.locator('input[name=webhookUrl]').fill('https://bot.example.com/hook');
  await f.locator('input[name=replyTimeoutSecs]').fill('15');
  await f.locator('[data-test=save]').click();
  const row = P.locator('[data-test=bots-table] tr', { hasText: 'Робот' });
  await row.waitFor();
  // The saved bot stays open with its token.
  await P.locator('[data-test=form-bot] [data-test=status]', { hasText: 'Saved' }).waitFor();
  const shownToken = (await P.locator('[data-test=bot-token] code').textContent()).trim();
  await reload('bots', 'form-bot');
  const first = (await api(admin, 'GET', '/api/admin/v1/bots')).body.bots.find((b) => b.name === 'Робот');
  assert.deepEqual([first.webhookUrl, first.replyTimeoutSecs, first.apiVersion], ['https://bot.example.com/hook', 15, 2]);
  assert.equal(first.token, shownToken);
  assert.match(await row.textContent(), new RegExp(first.token));
  await row.locator('[data-test=edit]').click();
  await P.locator('[data-test=bot-token]', { hasText: first.token }).waitFor();
  f = P.locator('[data-test=form-bot]');
  await f.locator('input[name=rotateToken]').check();
  await f.locator('[data-test=save]').click();
  const second = await eventually(async () => {
    const b = (await api(admin, 'GET', '/api/admin/v1/bots')).body.bots.find((x) => x.name === 'Робот');
    return b.token !== first.token && b;
  }, 'a new token');
  await P.locator('[data-test=bots-table] tr', { hasText: second.token }).waitFor();
});

test('statistics and history: tables, charts and CSV of the chats', async () => {
  // Days are the organisation's: put it where the date is not the browser's (UTC here), so the
  // default period must come from the server's today, not from the browser's clock.
  const zone = new Date().getUTCHours() >= 10 ? 'Pacific/Kiritimati' : 'Pacific/Pago_Pago';
  await patchSettings({ time_zone: zone });
  const me = await api(admin, 'GET', '/api/operator/v1/me');
  assert.equal(me.body.workspace.timeZone, zone);
  assert.notEqual(me.body.workspace.today, new Date().toISOString().slice(0, 10));
  step('statistics');
  let s = await open('stats', 'stats-table');
  assert.equal(await P.locator('[data-test=form-stats] input[name=to]').inputValue(), me.body.workspace.today);
  assert.ok(await s.locator('tbody tr').count() >= 1);
  assert.ok(await P.locator('[data-test=chart-chats] rect').count() >= 1);
  await P.locator('[data-test=chart-first-answer]').waitFor();
  await P.locator('[data-test=form-stats] select[name=group]').selectOption('operator');
  await P.locator('[data-test=form-stats] [data-test=show]').click();
  await P.locator('[data-test=stats-table] tbody tr', { hasText: 'Борис' }).waitFor();
  await P.locator('[data-test=chart-chats] text', { hasText: 'Борис' }).waitFor();
  const statsCsv = await P.request.get(env.base + await P.locator('[data-test=stats-csv]').getAttribute('href'));
  assert.equal(statsCsv.status(), 200);
  assert.match(await statsCsv.text(), /^key,chats,answered/);
  await shot(P, 'admin-stats');

  step('statistics by category');
  // A category whose name is markup: it is shown as text, never as HTML.
  const categories = (await settings()).categories;
  await patchSettings({ categories: [...categories, '<b>Жалоба</b>'] });
  await visitorChat('Жалоба на курьера', 'stats-category');
  const complaint = await eventually(async () => (await api(boris, 'GET', '/api/operator/v1/chats?list=waiting'))
    .body?.chats?.find((c) => c.preview?.text === 'Жалоба на курьера'), 'the complaint waiting');
  assert.equal((await api(boris, 'POST', `/api/operator/v1/chats/${complaint.id}/take`, {})).status, 200);
  const set = await api(boris, 'POST', `/api/operator/v1/chats/${complaint.id}/category`, { category: '<b>Жалоба</b>' });
  assert.equal(set.status, 200, JSON.stringify(set.body));
  assert.equal((await api(boris, 'POST', `/api/operator/v1/chats/${complaint.id}/close`, {})).status, 200);
  await P.locator('[data-test=form-stats] select[name=group]').selectOption('category');
  await P.locator('[data-test=form-stats] [data-test=show]').click();
  const markup = P.locator('[data-test=stats-table] tbody tr', { hasText: '<b>Жалоба</b>' });
  await markup.waitFor();
  assert.equal(await markup.locator('td').first().textContent(), '<b>Жалоба</b>');
  assert.equal(await markup.locator('td').nth(1).textContent(), '1');
  assert.equal(await P.locator('[data-test=stats-table] b').count(), 0);
  await P.locator('[data-test=stats-table] tbody tr', { hasText: 'Доставка' }).waitFor();
  await P.locator('[data-test=stats-table] thead', { hasText: /Категория|Category/ }).waitFor();
  await P.locator('[data-test=chart-chats] text', { hasText: '<b>Жалоба</b>' }).waitFor();
  await P.locator('[data-test=form-stats] select[name=group]').selectOption('subcategory');
  await P.locator('[data-test=form-stats] [data-test=show]').click();
  await P.locator('[data-test=stats-table] tbody tr', { hasText: 'Доставка / Курьер' }).waitFor();
  await P.locator('[data-test=stats-table] tbody tr', { hasText: '<b>Жалоба</b> / —' }).waitFor();
  await P.locator('[data-test=chart-chats] text', { hasText: 'Доставка / Курьер' }).waitFor();
  const href = await P.locator('[data-test=stats-csv]').getAttribute('href');
  assert.match(href, /group=subcategory/);
  const byCategory = await (await P.request.get(env.base + href)).text();
  assert.match(byCategory, /^key,chats,answered/);
  assert.match(byCategory, /\n"Доставка \/ Курьер",1,/);
  await shot(P, 'admin-stats-category');
  await patchSettings({ categories });

  step('history');
  s = await open('history', 'history-table');
  await s.locator('tr', { hasText: 'Где мой заказ номер 42?' }).waitFor();
  const form = P.locator('[data-test=form-history]');
  await form.locator('input[name=category]').fill('Курьер');
  await form.locator('[data-test=find]').click();
  await P.locator('[data-test=section-history] [data-test=status]', { hasText: /^(Found|Найдено): 1$/ }).waitFor();
  const row = P.locator('[data-test=history-table] tbody tr');
  assert.match(await row.textContent(), /Доставка \/ Курьер/);
  await row.locator('[data-test=open]').click();
  await P.locator('[data-test=history-chat]', { hasText: 'Где мой заказ номер 42?' }).waitFor();
  await form.locator('input[name=category]').fill('');
  await form.locator('input[name=q]').fill('такого текста нет');
  await form.locator('[data-test=find]').click();
  await P.locator('[data-test=section-history] [data-test=status]', { hasText: /^(Found|Найдено): 0$/ }).waitFor();
  const historyCsv = await P.request.get(env.base + await P.locator('[data-test=history-csv]').getAttribute('href'));
  assert.equal(historyCsv.status(), 200);
  assert.match(await historyCsv.text(), /^id,createdAt/);
  await patchSettings({ time_zone: 'Europe/Moscow' });
});

test('Russian and English: the language switch changes the labels', async () => {
  const context = await env.browser.newContext({ locale: 'ru-RU' });
  const page = await context.newPage();
  await page.goto(`${env.base}/admin#misc`);
  await page.locator('input[name=email]').fill(ADMIN);
  await page.locator('input[name=password]').fill(env.passwords[ADMIN]);
  await page.locator('button[type=submit]').click();
  await page.locator('[data-test=me]').waitFor();
  assert.equal(await page.locator('[data-test=nav-company]').textContent(), 'Компания');
  await page.locator('[data-test=section-misc] h2', { hasText: 'Разное' }).waitFor();
  await page.locator('[data-test=form-misc] label', { hasText: 'Вероятность показа кнопки' }).waitFor();
  await page.locator('[data-test=lang]').click();
  await page.locator('[data-test=nav-company]', { hasText: 'Company' }).waitFor();
  await page.locator('[data-test=section-misc] h2', { hasText: 'Miscellaneous' }).waitFor();
  await page.locator('[data-test=lang]').click();
  await page.locator('[data-test=nav-company]', { hasText: 'Компания' }).waitFor();
  await context.close();
});
