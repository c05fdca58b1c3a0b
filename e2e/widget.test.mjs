// The Beseda widget in a real browser: Debian's Chromium driven by playwright-core, against the
// real `beseda serve --demo` binary (see harness.mjs). Operators act through the operator API.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import {
  env, start, stop, startServer, stopServer, api, login, setStatus, eventually, waitingChat, chatDetail,
  openWidget, step, say, shot,
} from './harness.mjs';

let boris;

before(async () => {
  await start('widget');
  boris = await login('boris@demo.beseda.local');
});

after(async () => {
  await stop();
});

test('with nobody online the visitor leaves a message in the offline form', async () => {
  const { context, page, frame, errors } = await openWidget();
  const form = frame.locator('form.b-form');
  await form.waitFor();
  await form.locator('input[name=name]').fill('Ольга');
  await form.locator('input[name=email]').fill('olga@example.com');
  await form.locator('textarea[name=message]').fill('Перезвоните мне завтра');
  await shot(page, 'offline-form');
  await form.locator('button[type=submit]').click();
  await frame.getByText('Сообщение отправлено').waitFor();
  await frame.locator('.b-visitor', { hasText: 'Перезвоните мне завтра' }).waitFor();
  const chat = await waitingChat(boris);
  const detail = await chatDetail(boris, chat.id);
  assert.equal(detail.chat.offline, true);
  assert.equal(detail.visitor.fields.email, 'olga@example.com');
  // Taken and closed, so the next tests start with an empty queue.
  assert.equal((await api(boris, 'POST', `/api/operator/v1/chats/${chat.id}/take`, {})).status, 200);
  assert.equal((await api(boris, 'POST', `/api/operator/v1/chats/${chat.id}/close`, {})).status, 200);
  assert.deepEqual(errors, []);
  await context.close();
});

test('a visitor and an operator talk; buttons, markup and a file; the server restarts mid-chat', async () => {
  step('operator online');
  await setStatus(boris, 'online');
  const { context, page, frame, errors } = await openWidget();
  step('widget open');
  await frame.getByText('Здравствуйте! Чем можем помочь?').waitFor();
  await say(frame, 'Здравствуйте, где мой заказ?');
  step('first message sent');
  const chat = await waitingChat(boris);
  assert.equal((await api(boris, 'POST', `/api/operator/v1/chats/${chat.id}/take`, {})).status, 200);
  step('taken');
  const reply = await api(boris, 'POST', `/api/operator/v1/chats/${chat.id}/messages`, { clientSideId: 'r1', text: 'Заказ в пути, будет завтра.' });
  assert.equal(reply.status, 200, JSON.stringify(reply.body));
  await frame.locator('.b-operator', { hasText: 'Заказ в пути, будет завтра.' }).waitFor();
  await frame.locator('.b-head', { hasText: 'Борис' }).waitFor();
  // The operator sees the page the visitor is on.
  assert.equal((await chatDetail(boris, chat.id)).visitorPage, `${env.base}/demo`);

  // The operator reads the visitor's message: the visitor sees it marked.
  assert.equal((await api(boris, 'POST', `/api/operator/v1/chats/${chat.id}/read`, {})).status, 200);
  await frame.locator('.b-visitor', { hasText: 'прочитано' }).first().waitFor();
  step('reply seen');
  // Typing reaches the visitor.
  // (The operator's typing indicator is an operator API call.)
  await api(boris, 'POST', `/api/operator/v1/chats/${chat.id}/typing`, { typing: true });
  await frame.getByText('печатает').waitFor();
  await api(boris, 'POST', `/api/operator/v1/chats/${chat.id}/typing`, { typing: false });

  step('typing seen');
  // Injection attempts stay text.
  const evil = '<img src=x onerror="window.parent.__pwned=1"> **не жирный** <b>тег</b>';
  await say(frame, evil);
  await frame.locator('.b-visitor', { hasText: '<img src=x' }).waitFor();
  assert.equal(await frame.locator('.b-log img').count(), 0);
  assert.equal(await frame.locator('.b-log b').count(), 0);
  assert.equal(await page.evaluate(() => window.__pwned), undefined);

  step('injection checked');
  // Buttons: the operator sends a keyboard; the visitor presses one.
  const kb = await api(boris, 'POST', `/api/operator/v1/chats/${chat.id}/messages`, {
    clientSideId: 'kb1',
    keyboard: [[{ id: 'yes', text: 'Да, жду' }, { id: 'no', text: 'Отменить' }], [{ id: 'site', text: 'Каталог', config: { type: 'url', link: 'https://example.com/catalog' } }]],
  });
  assert.equal(kb.status, 200, JSON.stringify(kb.body));
  await frame.getByRole('button', { name: 'Да, жду' }).click();
  await eventually(async () => (await chatDetail(boris, chat.id)).messages.some((m) => m.kind === 'keyboard_response' && m.text === 'Да, жду'), 'the keyboard response');
  await frame.locator('button.b-chosen', { hasText: 'Да, жду' }).waitFor();
  assert.equal(await frame.locator('a.b-link', { hasText: 'Каталог' }).getAttribute('href'), 'https://example.com/catalog');

  step('buttons checked');
  // A file round trip: uploaded by the visitor, seen by the operator, downloaded again.
  const bytes = Buffer.from('Счёт № 42\n');
  await frame.locator('input[type=file]').setInputFiles({ name: 'invoice.txt', mimeType: 'text/plain', buffer: bytes });
  const link = frame.locator('a.b-file', { hasText: 'invoice.txt' });
  await link.waitFor();
  await eventually(async () => (await chatDetail(boris, chat.id)).messages.some((m) => m.kind === 'file_visitor' && m.text.includes('invoice.txt')), 'the file at the operator');
  const href = await eventually(async () => { const h = await link.getAttribute('href'); return h && h !== '#' ? h : null; }, 'a signed link');
  const downloaded = await page.frames()[1].evaluate(async (u) => (await (await fetch(u)).text()), href);
  assert.equal(downloaded, bytes.toString());
  await shot(page, 'chat-ru');

  step('file checked');
  // The server dies; the visitor writes meanwhile; after the restart nothing is lost or doubled.
  await stopServer('SIGKILL');
  await say(frame, 'Пока вас не было');
  await new Promise((r) => setTimeout(r, 1500));
  await startServer();
  await eventually(async () => (await chatDetail(boris, chat.id)).messages.filter((m) => m.text === 'Пока вас не было').length === 1, 'the message sent while the server was down');
  await api(boris, 'POST', `/api/operator/v1/chats/${chat.id}/messages`, { clientSideId: 'r2', text: 'Снова на связи' });
  await frame.locator('.b-operator', { hasText: 'Снова на связи' }).waitFor();
  assert.equal(await frame.locator('.b-visitor', { hasText: 'Пока вас не было' }).count(), 1);
  const all = (await chatDetail(boris, chat.id)).messages.filter((m) => m.kind === 'visitor').map((m) => m.text);
  assert.equal(new Set(all).size, all.length, `no duplicates: ${all}`);

  step('restart survived');
  // A reload (or another page of the site) continues the same conversation, window open.
  await page.reload();
  await frame.locator('.b-operator', { hasText: 'Снова на связи' }).waitFor();
  assert.equal(await frame.locator('.b-visitor', { hasText: 'Здравствуйте, где мой заказ?' }).count(), 1);

  // Teleport: off by default; when on, the operator sends the visitor to another page of the site.
  const off = await api(boris, 'POST', `/api/operator/v1/chats/${chat.id}/teleport`, { url: `${env.base}/demo?page=delivery` });
  assert.equal(off.body?.error, 'setting_disabled', JSON.stringify(off));
  const admin = await login('admin@demo.beseda.local');
  const settings = (await api(admin, 'GET', '/api/admin/v1/settings')).body.settings;
  assert.equal((await api(admin, 'PUT', '/api/admin/v1/settings', { ...settings, teleport: true })).status, 200);
  // Another site is refused (the same-site rule; the loader also follows only its own origin).
  const other = await api(boris, 'POST', `/api/operator/v1/chats/${chat.id}/teleport`, { url: 'https://evil.example/' });
  assert.equal(other.body?.error, 'teleport-other-site', JSON.stringify(other));
  assert.equal((await api(boris, 'POST', `/api/operator/v1/chats/${chat.id}/teleport`, { url: 'javascript:alert(1)' })).status, 400);
  assert.equal((await api(boris, 'POST', `/api/operator/v1/chats/${chat.id}/teleport`, { url: `${env.base}/demo?page=delivery` })).status, 200);
  await page.waitForURL(/page=delivery/);
  await frame.locator('.b-operator', { hasText: 'Снова на связи' }).waitFor();
  step('teleported');
  // Rating and closing from the menu.
  await frame.getByRole('button', { name: 'Меню' }).click();
  await frame.getByRole('button', { name: 'Оценить' }).click();
  await frame.getByRole('button', { name: 'Оценка 5 из 5' }).click();
  await frame.getByText('Спасибо за оценку!').waitFor();
  await frame.getByRole('button', { name: 'Меню' }).click();
  await frame.getByRole('button', { name: 'Завершить чат' }).click();
  await frame.getByText('Чат завершён. Если напишете снова, разговор продолжится в этом же чате.').waitFor();
  const closed = await chatDetail(boris, chat.id);
  assert.equal(closed.chat.state, 'closed_by_visitor');
  assert.equal(closed.ratings[0].rating, 2, JSON.stringify(closed.ratings));
  await shot(page, 'closed-ru');
  assert.deepEqual(errors, []);
  await context.close();
  await api(boris, 'POST', `/api/operator/v1/chats/${chat.id}/close`, {});
});

test('the English placement speaks English', async () => {
  const { context, page, frame, errors } = await openWidget('english');
  // The window is drawn at once and filled in after init: wait for the English text.
  await frame.locator('.b-input textarea[placeholder="Type a message…"]').waitFor();
  await frame.getByText('Hello! How can we help?').waitFor();
  await frame.getByRole('button', { name: 'Minimise' }).waitFor();
  await shot(page, 'chat-en');
  // And a phone-sized screen still shows the whole window.
  await page.setViewportSize({ width: 375, height: 667 });
  const box = await page.locator('iframe').boundingBox();
  assert.ok(box.x >= 0 && box.x + box.width <= 375, JSON.stringify(box));
  await shot(page, 'chat-en-phone');
  assert.deepEqual(errors, []);
  await context.close();
});

test('the button follows the show probability and hides once the queue limit is exceeded', async () => {
  const admin = await login('admin@demo.beseda.local');
  const original = (await api(admin, 'GET', '/api/admin/v1/settings')).body.settings;
  const put = async (change) => {
    const r = await api(admin, 'PUT', '/api/admin/v1/settings', { ...original, ...change });
    assert.equal(r.status, 200, JSON.stringify(r.body));
  };
  const buttonShown = async () => {
    const context = await env.browser.newContext();
    const page = await context.newPage();
    await page.goto(`${env.base}/demo`);
    // The loader has decided once the visit is reported (init) — give it that long.
    await page.waitForLoadState('networkidle');
    const shown = (await page.locator('#beseda-button').count()) === 1;
    await context.close();
    return shown;
  };
  await put({ button_probability: 0 });
  assert.equal(await buttonShown(), false, 'probability 0 %');
  await put({ button_probability: 100 });
  assert.equal(await buttonShown(), true, 'probability 100 %');
  // One online chat may wait: the button hides only once the queue holds more than that
  // (seed 003: «после превышения»), and comes back when a place frees.
  await put({ online_queue_limit: 1 });
  const first = await openWidget();
  await say(first.frame, 'Жду в очереди');
  await waitingChat(boris);
  assert.equal(await buttonShown(), true, 'the limit is reached, not exceeded');
  const second = await openWidget();
  await say(second.frame, 'И я жду');
  await eventually(async () => (await api(boris, 'GET', '/api/operator/v1/chats?list=waiting')).body?.chats?.length === 2, 'two waiting chats');
  assert.equal(await buttonShown(), false, 'the queue limit is exceeded');
  const chat = await waitingChat(boris);
  assert.equal((await api(boris, 'POST', `/api/operator/v1/chats/${chat.id}/take`, {})).status, 200);
  assert.equal(await buttonShown(), true, 'room in the queue again');
  // Nothing left waiting for the scenarios after this one.
  const other = await waitingChat(boris);
  assert.equal((await api(boris, 'POST', `/api/operator/v1/chats/${other.id}/take`, {})).status, 200);
  for (const id of [chat.id, other.id]) {
    assert.equal((await api(boris, 'POST', `/api/operator/v1/chats/${id}/close`, {})).status, 200);
  }
  await first.context.close();
  await second.context.close();
  await put({});
});

test('a required department is chosen in the window, and the chat can be mailed to the visitor', async () => {
  const admin = await login('admin@demo.beseda.local');
  const original = (await api(admin, 'GET', '/api/admin/v1/settings')).body.settings;
  const r = await api(admin, 'PUT', '/api/admin/v1/settings', { ...original, department_choice_obligatory: true });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  const { context, page, frame, errors } = await openWidget();
  await say(frame, 'Нужна консультация по доставке');
  await frame.getByText('Выберите отдел:').waitFor();
  await shot(page, 'departments-ru');
  await frame.getByRole('button', { name: 'Поддержка' }).click();
  await frame.locator('.b-visitor', { hasText: 'Нужна консультация по доставке' }).waitFor();
  const chat = await waitingChat(boris);
  assert.equal(chat.departmentKey, 'support', JSON.stringify(chat));
  const detail = await chatDetail(boris, chat.id);
  assert.deepEqual(detail.messages.filter((m) => m.kind === 'visitor').map((m) => m.text), ['Нужна консультация по доставке']);

  await frame.getByRole('button', { name: 'Меню' }).click();
  await frame.getByRole('button', { name: 'Отправить диалог на e-mail' }).click();
  await frame.getByLabel('Ваш e-mail').fill('visitor@example.com');
  await frame.getByLabel('Ваш e-mail').press('Enter');
  await frame.getByText('Диалог отправлен на e-mail.').waitFor();
  assert.deepEqual(errors, []);
  await context.close();
  await api(boris, 'POST', `/api/operator/v1/chats/${chat.id}/take`, {});
  await api(boris, 'POST', `/api/operator/v1/chats/${chat.id}/close`, {});
  await api(admin, 'PUT', '/api/admin/v1/settings', original);
});

test('a visitor identified by the site keeps the conversation on another device', async () => {
  const registered = await fetch(`${env.base}/api/v2/rt/provide_visitor_fields`, {
    method: 'POST',
    headers: {
      authorization: 'Basic ' + Buffer.from(`admin@demo.beseda.local:${env.passwords['admin@demo.beseda.local']}`).toString('base64'),
      'content-type': 'application/json',
    },
    body: JSON.stringify({ token: 'e2e-token-0042', fields: { id: 'cust-42', display_name: 'Евгений', email: 'evg@example.com' } }),
  });
  assert.deepEqual(await registered.json(), { result: 'ok' });
  const device = async () => {
    const context = await env.browser.newContext();
    await context.addInitScript(() => { window.webim_auth_token = 'e2e-token-0042'; });
    const page = await context.newPage();
    await page.goto(`${env.base}/demo`);
    await page.locator('#beseda-button').click();
    const frame = page.frameLocator('iframe');
    await frame.locator('.b-app[data-ready]').waitFor();
    return { context, frame };
  };
  const laptop = await device();
  await say(laptop.frame, 'Пишу с ноутбука');
  const chat = await waitingChat(boris);
  const detail = await chatDetail(boris, chat.id);
  assert.equal(detail.visitor.fields.name, 'Евгений');
  assert.equal(detail.visitor.fields.email, 'evg@example.com');
  await laptop.context.close();
  // The phone: another browser, the same person — the same conversation.
  const phone = await device();
  await phone.frame.locator('.b-visitor', { hasText: 'Пишу с ноутбука' }).waitFor();
  await phone.context.close();
  await api(boris, 'POST', `/api/operator/v1/chats/${chat.id}/take`, {});
  await api(boris, 'POST', `/api/operator/v1/chats/${chat.id}/close`, {});
});

test('an auto-invitation with the lead photo opens the chat; the logo heads the window', async () => {
  // A real 1×1 PNG.
  const png = 'data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==';
  const admin = await login('admin@demo.beseda.local');
  const original = (await api(admin, 'GET', '/api/admin/v1/settings')).body.settings;
  const r = await api(admin, 'PUT', '/api/admin/v1/settings', {
    ...original, logo: png, lead_photo: png, auto_invitation_text: 'Нужна помощь с выбором? <b>Спросите</b> **сейчас**', auto_invitation_delay_secs: 1,
  });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  const context = await env.browser.newContext();
  const page = await context.newPage();
  await page.goto(`${env.base}/demo`);
  const invitation = page.locator('#beseda-invitation');
  await invitation.waitFor();
  // Markdown by the chat's renderer; the HTML stays text.
  await invitation.locator('span b', { hasText: 'сейчас' }).waitFor();
  assert.equal(await invitation.locator('span').first().textContent(), 'Нужна помощь с выбором? <b>Спросите</b> сейчас');
  assert.equal(await invitation.locator('b').count(), 1);
  assert.equal(await invitation.getAttribute('aria-label'), 'Нужна помощь с выбором? <b>Спросите</b> сейчас');
  assert.equal(await invitation.locator('img').evaluate((img) => img.complete && img.naturalWidth), 1);
  await shot(page, 'invitation-ru');
  await invitation.click();
  const frame = page.frameLocator('iframe');
  // The logo comes with the configuration, after the window is drawn.
  await frame.locator('.b-head img[src]').waitFor({ state: 'attached' });
  assert.match(await frame.locator('.b-head img').getAttribute('src'), /^\/widget\/image\/logo\?v=/);
  assert.equal(await invitation.count(), 0);
  // Dismissed for this browser session: the next page shows no invitation.
  await page.goto(`${env.base}/demo?page=delivery`);
  await page.locator('#beseda-button').waitFor();
  await new Promise((ok) => setTimeout(ok, 1500));
  assert.equal(await page.locator('#beseda-invitation').count(), 0);
  await context.close();

  // A site of another origin may import the renderer the loader names (CORS on the assets).
  const shopServer = createServer((req, res) => { res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }); res.end('<!doctype html><title>Shop</title>'); });
  await new Promise((ok) => shopServer.listen(0, '127.0.0.1', ok));
  const site = await env.browser.newContext();
  const shop = await site.newPage();
  await shop.goto(`http://127.0.0.1:${shopServer.address().port}/`);
  const loaderText = await (await fetch(`${env.base}/widget/loader.js`)).text();
  const renderer = env.base + '/assets/' + loaderText.split("'/assets/")[1].split("'")[0];
  const drawn = await shop.evaluate(async (url) => {
    const md = await import(url);
    const box = document.createElement('div');
    box.appendChild(md.markdown('**сейчас** [x](javascript:alert(1))'));
    return box.querySelectorAll('b').length + ' ' + box.querySelectorAll('a').length + ' ' + box.textContent;
  }, renderer);
  assert.equal(drawn, '1 0 сейчас [x](javascript:alert(1))');
  await site.close();
  shopServer.close();
  await api(admin, 'PUT', '/api/admin/v1/settings', original);
});

test('without WebSockets the window falls back to long-polling; the keyboard alone can drive it', async () => {
  const context = await env.browser.newContext();
  // No WebSocket in any frame: the app must long-poll /l/v/m/delta.
  await context.addInitScript(() => { window.WebSocket = undefined; });
  const page = await context.newPage();
  const polls = [];
  page.on('request', (r) => { if (r.url().includes('/l/v/m/delta')) polls.push(r.url()); });
  await page.goto(`${env.base}/demo`);
  await page.locator('#beseda-button').waitFor();
  // Keyboard only: focus the button, open with Enter, type, send with Enter.
  await page.locator('#beseda-button').focus();
  await page.keyboard.press('Enter');
  const frame = page.frameLocator('iframe');
  await frame.locator('.b-input textarea').waitFor();
  await frame.locator('.b-input textarea').focus();
  await page.keyboard.type('Без веб-сокетов');
  await page.keyboard.press('Enter');
  const chat = await waitingChat(boris);
  assert.equal((await api(boris, 'POST', `/api/operator/v1/chats/${chat.id}/take`, {})).status, 200);
  await api(boris, 'POST', `/api/operator/v1/chats/${chat.id}/messages`, { clientSideId: 'lp1', text: 'Ответ через long-poll' });
  await frame.locator('.b-operator', { hasText: 'Ответ через long-poll' }).waitFor();
  assert.ok(polls.length > 0, 'the delta endpoint was polled');
  // Escape minimises the window.
  await frame.locator('.b-input textarea').focus();
  await page.keyboard.press('Escape');
  await eventually(async () => !(await page.locator('iframe').isVisible()), 'the window minimised');
  assert.equal(await page.locator('#beseda-button').getAttribute('aria-expanded'), 'false');
  await context.close();
  await api(boris, 'POST', `/api/operator/v1/chats/${chat.id}/close`, {});
});

test('a shop on another origin embeds the widget with the snippet: the visit starts and a message reaches the operators', async () => {
  // The embed code, as the admin panel gives it, on a page served from a different origin.
  const html = `<!doctype html><html lang="ru"><title>Shop</title><h1>Магазин</h1>
<script src="${env.base}/widget/loader.js" data-location="default" async></script>`;
  const shopServer = createServer((req, res) => { res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }); res.end(html); });
  await new Promise((ok) => shopServer.listen(0, '127.0.0.1', ok));
  const shopOrigin = `http://127.0.0.1:${shopServer.address().port}`;
  assert.notEqual(shopOrigin, env.base);
  await setStatus(boris, 'offline');
  const context = await env.browser.newContext();
  const page = await context.newPage();
  const problems = [];
  page.on('pageerror', (e) => problems.push(String(e)));
  page.on('console', (m) => { if (m.type() === 'error') problems.push(m.text()); });
  page.on('requestfailed', (r) => problems.push(`${r.url()}: ${r.failure()?.errorText}`));
  step('the shop page loads the loader from the Beseda server');
  await page.goto(`${shopOrigin}/`);
  await page.locator('#beseda-button').waitFor();
  // The visit itself started from the shop's page (init and page_visit are cross-origin calls).
  await eventually(async () => {
    const res = await api(boris, 'GET', '/api/operator/v1/visitors');
    return (res.body.visitors || []).some((v) => String(v.page || v.url || '').startsWith(shopOrigin));
  }, 'the visitor on the shop page is on the site');
  await page.locator('#beseda-button').click();
  const frame = page.frameLocator('iframe');
  await frame.locator('.b-app[data-ready]').waitFor();
  const form = frame.locator('form.b-form');
  await form.waitFor();
  await form.locator('input[name=name]').fill('Пётр');
  await form.locator('input[name=email]').fill('petr@example.com');
  await form.locator('textarea[name=message]').fill('Есть ли доставка в Казань?');
  await form.locator('button[type=submit]').click();
  await frame.getByText('Сообщение отправлено').waitFor();
  const chat = await waitingChat(boris);
  const detail = await chatDetail(boris, chat.id);
  assert.equal(detail.visitor.fields.email, 'petr@example.com');
  assert.deepEqual(problems, []);
  assert.equal((await api(boris, 'POST', `/api/operator/v1/chats/${chat.id}/take`, {})).status, 200);
  assert.equal((await api(boris, 'POST', `/api/operator/v1/chats/${chat.id}/close`, {})).status, 200);
  await context.close();
  shopServer.close();
});
