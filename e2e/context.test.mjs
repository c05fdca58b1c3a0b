// The visitor context panel and the operator's history in a real browser (see harness.mjs): a
// visitor on an iPhone comes from a search page with pre-chat fields the site collected, walks
// two pages and writes twice; the operator's panel shows the browser, the pages, the pre-chat
// fields and the earlier chat, opened read-only; the history finds a chat by a word. The
// visitor card names the placement by its title (as text), by its key when there is no such
// placement.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { env, start, stop, api, login, setStatus, eventually, step, say, shot, consolePage, axe } from './harness.mjs';

const IPHONE = 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_6_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) ' +
  'Version/17.6 Mobile/15E148 Safari/604.1';

let admin, anna;

before(async () => {
  await start('context');
  admin = await login('admin@demo.beseda.local');
  anna = await login('anna@demo.beseda.local');
});

after(async () => {
  await stop();
});

/** The one chat (of the period) whose messages contain `word`, found through the admin's eyes. */
async function chatWith(word) {
  return eventually(async () => {
    const r = await api(admin, 'GET', `/api/operator/v1/history?q=${encodeURIComponent(word)}`);
    return r.body?.chats?.length === 1 ? r.body.chats[0].id : null;
  }, `a chat with «${word}»`);
}

test('the visitor context panel and the operator history', async () => {
  await setStatus(anna, 'online');

  step('a visitor on an iPhone comes from a search page with pre-chat fields');
  const context = await env.browser.newContext({ userAgent: IPHONE, viewport: { width: 1100, height: 800 } });
  await context.addInitScript(() => {
    window.beseda_prechat = { 'Город': 'Казань', 'Номер заказа': 'A-17 <b>не жирный</b>' };
  });
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(`${env.base}/demo`, { referer: 'https://search.example/?q=drill' });
  await page.locator('#beseda-button').waitFor();
  await page.getByRole('link', { name: 'Доставка' }).click();
  await page.waitForURL(/page=delivery/);
  await page.locator('#beseda-button').click();
  const frame = page.frameLocator('iframe');
  await frame.locator('.b-app[data-ready]').waitFor();

  step('the first chat: answered, then closed by both');
  await say(frame, 'Сколько стоит дрель «Сила-500»?');
  const first = await chatWith('Сила-500');
  assert.equal((await api(anna, 'POST', `/api/operator/v1/chats/${first}/messages`, { clientSideId: 'a1', text: 'Она стоит 4 990 ₽' })).status, 200);
  await frame.locator('.b-msg', { hasText: 'Она стоит 4 990 ₽' }).waitFor();
  await frame.getByRole('button', { name: 'Меню' }).click();
  await frame.getByRole('button', { name: 'Завершить чат' }).click();
  await frame.getByText('Чат завершён.').waitFor();
  assert.equal((await api(anna, 'POST', `/api/operator/v1/chats/${first}/close`, {})).status, 200);

  step('the second chat');
  await say(frame, 'А доставка в Казань бесплатная?');
  const second = await chatWith('доставка в Казань');
  assert.notEqual(second, first);
  assert.equal((await api(anna, 'POST', `/api/operator/v1/chats/${second}/messages`, { clientSideId: 'a2', text: 'Да, от 3000 ₽' })).status, 200);

  step('the operator opens the chat: the panel shows the visit');
  const ws = await consolePage('/workspace', 'anna@demo.beseda.local', { lang: 'ru' });
  const wp = ws.page;
  // Anna's only open chat is the second one.
  await wp.locator('[data-test=list-mine] .w-item').first().click();
  await wp.locator('.w-msg', { hasText: 'Да, от 3000 ₽' }).waitFor();
  const side = wp.locator('[data-test=visitor]');
  const browser = await side.locator('[data-test=ctx-browser]').textContent();
  assert.match(browser, /Safari 17/);
  assert.match(browser, /iOS 17\.6\.1/);
  assert.match(browser, /телефон/);
  assert.equal(await side.locator('[data-test=ctx-address]').textContent(), '127.0.0.1');
  assert.equal(await side.locator('[data-test=placement]').textContent(), 'Сайт компании «Демо»', 'the placement by its title');
  const referrer = side.locator('[data-test=ctx-referrer] a');
  assert.equal(await referrer.getAttribute('href'), 'https://search.example/?q=drill');
  assert.equal(await referrer.getAttribute('rel'), 'noopener noreferrer');
  const pages = side.locator('[data-test=ctx-pages] a[data-test=ctx-page]');
  assert.equal(await pages.count(), 2);
  // Newest first: the delivery page, then the catalogue.
  assert.equal(await pages.nth(0).getAttribute('href'), `${env.base}/demo?page=delivery`);
  assert.equal(await pages.nth(1).getAttribute('href'), `${env.base}/demo`);
  assert.equal(await pages.nth(0).textContent(), 'Сила — демо-магазин');
  const prechat = await side.locator('[data-test=ctx-prechat]').textContent();
  assert.match(prechat, /Город/);
  assert.match(prechat, /Казань/);
  assert.match(prechat, /A-17 <b>не жирный<\/b>/, 'pre-chat values are text');
  assert.equal(await side.locator('[data-test=ctx-prechat] b').count(), 0);
  assert.match(await side.locator('[data-test=ctx-visits]').textContent(), /^\d+$/);
  assert.ok(await side.locator('[data-test=ctx-time]').textContent());
  await shot(wp, 'context-panel');
  assert.deepEqual(await axe(wp, '[data-test=visitor]'), [], 'the side panel passes axe-core');

  step('the visitor moves on: the panel follows without a reload');
  await page.goto(`${env.base}/demo?page=warranty`);
  await page.frameLocator('iframe').locator('.b-app[data-ready]').waitFor();
  await eventually(async () => (await pages.count()) === 3, 'the new page in the panel');
  assert.equal(await pages.nth(0).getAttribute('href'), `${env.base}/demo?page=warranty`);
  assert.equal(await side.locator('[data-test=page]').textContent(), `${env.base}/demo?page=warranty`);

  step('the earlier chat opens read-only');
  const previous = side.locator('[data-test=ctx-previous-chat]');
  assert.equal(await previous.count(), 1);
  assert.match(await previous.textContent(), /Сколько стоит дрель/);
  await previous.click();
  const view = wp.getByRole('dialog');
  await view.locator('.w-msg', { hasText: 'Сколько стоит дрель «Сила-500»?' }).waitFor();
  await view.locator('.w-msg', { hasText: 'Она стоит 4 990 ₽' }).waitFor();
  assert.equal(await view.locator('textarea, [data-test=send]').count(), 0, 'nothing to send from a read-only chat');
  assert.equal(await wp.locator('[data-test=readonly-chat]').getAttribute('aria-modal'), 'true');
  await shot(wp, 'context-previous-chat');
  assert.deepEqual(await axe(wp, '[data-test=readonly-chat]'), [], 'the read-only view passes axe-core');
  await wp.keyboard.press('Escape');
  await eventually(async () => (await wp.locator('[data-test=readonly-chat]').count()) === 0, 'the read-only view closes');
  assert.equal(await wp.evaluate(() => document.activeElement?.getAttribute('data-test')), 'ctx-previous-chat',
    'focus returns to the button that opened the view');

  step('the history finds a chat by a word and opens it read-only');
  await wp.locator('[data-test=history]').click();
  const history = wp.locator('[data-test=history-view]');
  await history.waitFor();
  await history.locator('[data-test=history-q]').fill('дрель');
  await history.locator('[data-test=history-find]').click();
  const rows = history.locator('[data-test=history-table] tbody tr');
  await eventually(async () => (await rows.count()) === 1 && (await rows.first().getAttribute('data-id')) === String(first),
    'one chat found by «дрель»');
  assert.match(await rows.first().textContent(), /Сколько стоит дрель/);
  await shot(wp, 'context-history');
  assert.deepEqual(await axe(wp, '[data-test=history-view]'), [], 'the history passes axe-core');
  await rows.first().locator('[data-test=history-open]').click();
  await wp.locator('[data-test=readonly-chat] .w-msg', { hasText: 'Она стоит 4 990 ₽' }).waitFor();
  await wp.locator('[data-test=readonly-chat-close]').click();
  await history.locator('[data-test=history-q]').fill('нет такого слова');
  await history.locator('[data-test=history-find]').click();
  await history.locator('[data-test=history-status]', { hasText: 'Ничего не найдено' }).waitFor();
  await history.locator('[data-test=history-q]').fill('');
  await history.locator('[data-test=history-find]').click();
  await eventually(async () => {
    const ids = await rows.evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-id')));
    return ids.includes(String(first)) && ids.includes(String(second));
  }, 'both chats without a word');
  await wp.keyboard.press('Escape');
  await eventually(async () => (await history.count()) === 0, 'the history closes');

  assert.deepEqual(errors, []);
  assert.deepEqual(ws.errors, []);
  await ws.context.close();
  await context.close();
});

/** A visitor of the visitor protocol (no browser) at placement `location` writes `text`; the
 * chat's id. */
async function chatAt(location, text) {
  const q = new URLSearchParams({ event: 'init', since: '0', 'respond-immediately': '1', 'device-id': `e2e-${location}`,
    location, platform: 'web', title: 'Test page' });
  const init = await (await fetch(`${env.base}/l/v/m/init?${q}`)).json();
  const full = init.fullUpdate;
  assert.ok(full, JSON.stringify(init));
  const form = new URLSearchParams({ 'page-id': full.pageId, 'auth-token': full.authToken, action: 'chat.message',
    'client-side-id': `m-${location}`, message: text });
  const sent = await (await fetch(`${env.base}/l/v/m/action`, { method: 'POST', body: form })).json();
  assert.equal(sent.result, 'ok', JSON.stringify(sent));
  return chatWith(text);
}

test('the visitor card names the placement by its title, by its key when there is no such placement', async () => {
  const title = '<b>Акция</b> «Весна»';
  const made = await api(admin, 'PUT', '/api/admin/v1/placements/spring', { title, lang: 'ru' });
  assert.equal(made.status, 200, JSON.stringify(made.body));
  const spring = await chatAt('spring', 'Вопрос с весенней страницы');
  assert.equal((await api(admin, 'GET', `/api/operator/v1/chats/${spring}`)).body.placementTitle, title);
  const ws = await consolePage(`/workspace#chat=${spring}`, 'admin@demo.beseda.local', { lang: 'ru' });
  const placement = ws.page.locator('[data-test=visitor] [data-test=placement]');
  await placement.filter({ hasText: 'Весна' }).waitFor();
  assert.equal(await placement.textContent(), title, 'the title as text');
  assert.equal(await placement.locator('b').count(), 0, 'no markup from the title');
  assert.equal(await ws.page.locator('[data-test=visitor] dt', { hasText: 'Размещение' }).count(), 1);
  assert.deepEqual(await axe(ws.page, '[data-test=visitor]'), [], 'the card passes axe-core');

  // Placements are not deleted through the panel; a chat whose placement is gone (removed from
  // the database, an imported chat) has `placementTitle: null` (it.rs context), shown here by
  // answering the chat so.
  await ws.page.route(`**/api/operator/v1/chats/${spring}`, async (route) => {
    const res = await route.fetch();
    await route.fulfill({ response: res, json: { ...(await res.json()), placementTitle: null } });
  });
  await ws.page.goto(`${env.base}/workspace#chat=${spring}`);
  await ws.page.reload();
  await placement.filter({ hasText: 'spring' }).waitFor();
  assert.equal(await placement.textContent(), 'spring', 'no such placement: its key');
  assert.deepEqual(ws.errors, []);
  await ws.context.close();
});
