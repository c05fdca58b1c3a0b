// Lists that stay true (see harness.mjs): an operator with many chats whose visitors write
// through the real visitor protocol sees every row's name, preview, unread count and waiting
// time change without a reload; the title counts what awaits them and clears as they read; a
// chat redirected to them raises its own alert; and 200 chats with 50 writers settle quickly.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { env, start, stop, api, login, setStatus, eventually, step, shot, consolePage } from './harness.mjs';

let admin, anna, boris;

before(async () => {
  await start('lists');
  admin = await login('admin@demo.beseda.local');
  anna = await login('anna@demo.beseda.local');
  boris = await login('boris@demo.beseda.local');
  const r = await api(admin, 'PATCH', '/api/admin/v1/settings', { auto_assignment: false });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  await setStatus(anna, 'online');
  await setStatus(boris, 'online');
});

after(async () => {
  await stop();
});

let devices = 0;
/** A visitor over the visitor protocol (no browser): init, first question; returns how to write again. */
async function visitor(text) {
  const i = devices++;
  const q = new URLSearchParams({ event: 'init', since: '0', 'respond-immediately': '1', 'device-id': `lists-${i}`,
    location: 'default', platform: 'web', title: 'lists' });
  const init = await (await fetch(`${env.base}/l/v/m/init?${q}`)).json();
  const v = { pageId: init.fullUpdate.pageId, authToken: init.fullUpdate.authToken, n: 0, chatId: 0 };
  await write(v, text);
  const d = await (await fetch(`${env.base}/l/v/m/delta?since=0&respond-immediately=1&page-id=${v.pageId}&auth-token=${v.authToken}`)).json();
  v.chatId = d.fullUpdate.chat.id;
  return v;
}
async function write(v, text) {
  const body = new URLSearchParams({ action: 'chat.message', 'page-id': v.pageId, 'auth-token': v.authToken,
    'client-side-id': `m-${v.n++}`, message: text });
  const r = await (await fetch(`${env.base}/l/v/m/action`, { method: 'POST', body })).json();
  assert.equal(r.result, 'ok', JSON.stringify(r));
}
/** `count` chats taken by the operator of `token`, 8 visitors at a time. */
async function chatsOf(token, count, tag) {
  const out = [];
  let next = 0;
  await Promise.all(Array.from({ length: 8 }, async () => {
    while (next < count) {
      const i = next++;
      const v = await visitor(`${tag} вопрос ${i}`);
      const r = await api(token, 'POST', `/api/operator/v1/chats/${v.chatId}/take`, {});
      assert.equal(r.status, 200, JSON.stringify(r.body));
      out[i] = v;
    }
  }));
  return out;
}
/** What the page shows of each row of a list: chat id, name, preview, unread count. */
function rowsOf(page, list) {
  return page.evaluate((l) => Array.from(document.querySelectorAll(`[data-test=list-${l}] .w-item`)).map((b) => ({
    id: Number(b.getAttribute('data-chat')),
    name: b.querySelector('[data-test=row-name]')?.textContent,
    preview: b.querySelector('[data-test=preview]')?.textContent,
    unread: Number(b.querySelector('[data-test=unread]')?.textContent || 0),
    waiting: b.querySelector('[data-test=waiting]')?.textContent || null,
  })), list);
}
/** The rows as the API has them now. */
async function truth(token) {
  const r = await api(token, 'GET', '/api/operator/v1/chats?list=mine');
  return new Map(r.body.chats.map((c) => [c.id, c]));
}
/** Rows that differ from the API (preview text and unread count), as text for a failure message. */
function mismatches(rows, api) {
  const wrong = [];
  for (const [id, c] of api) {
    const row = rows.find((r) => r.id === id);
    if (!row) { wrong.push(`${id}: missing`); continue; }
    if (row.preview !== c.preview.text || row.unread !== c.unreadCount) {
      wrong.push(`${id}: shows «${row.preview}»/${row.unread}, is «${c.preview.text}»/${c.unreadCount}`);
    }
  }
  if (rows.length !== api.size) wrong.push(`${rows.length} rows for ${api.size} chats`);
  return wrong;
}

test('50 chats, 20 writers: every row right without a reload; title count; reading clears; a redirect alerts', async () => {
  step('anna takes 50 chats');
  const visitors = await chatsOf(anna, 50, 'A');
  const ws = await consolePage('/workspace', 'anna@demo.beseda.local', { lang: 'ru' });
  const { page } = ws;
  await eventually(async () => (await rowsOf(page, 'mine')).length === 50, '50 rows');
  await page.evaluate(() => { window.notReloaded = true; });
  let rows = await rowsOf(page, 'mine');
  const numbers = new Set(rows.map((r) => r.name));
  assert.equal(numbers.size, 50, `unnamed visitors are told apart: ${[...numbers].slice(0, 5)}`);
  assert.ok(rows.every((r) => /^Посетитель \d+$/.test(r.name)), rows[0].name);
  assert.ok(rows.every((r) => r.unread === 1 && r.waiting === '<1 мин'), JSON.stringify(rows[0]));
  const alertsBefore = Number(await page.locator('body').getAttribute('data-alerts') || 0);

  step('20 visitors write 3 messages each, at once');
  const writers = visitors.slice(0, 20);
  await Promise.all(writers.map(async (v, i) => {
    for (let k = 1; k <= 3; k++) await write(v, `Писатель ${i}, сообщение ${k}`);
  }));
  const expected = await truth(anna);
  for (const [i, v] of writers.entries()) {
    const c = expected.get(v.chatId);
    assert.equal(c.preview.text, `Писатель ${i}, сообщение 3`);
    assert.equal(c.unreadCount, 4);
  }
  await eventually(async () => mismatches(await rowsOf(page, 'mine'), expected).length === 0,
    `rows match: ${mismatches(await rowsOf(page, 'mine'), expected).slice(0, 3)}`);
  assert.equal(await page.evaluate(() => window.notReloaded), true, 'no reload');
  const total = [...expected.values()].reduce((n, c) => n + c.unreadCount, 0);
  assert.equal(total, 50 + 60);
  await eventually(async () => (await page.locator('body').getAttribute('data-title-count')) === String(total), 'title count');
  assert.match(await page.title(), new RegExp(`^(\\(${total}\\) |● )`));
  assert.ok(Number(await page.locator('body').getAttribute('data-alerts')) > alertsBefore, 'new messages alert');
  await shot(page, 'lists-50');

  step('reading a chat clears its count');
  const first = writers[0].chatId;
  await page.locator(`[data-test=list-mine] [data-chat="${first}"]`).click();
  await eventually(async () => (await rowsOf(page, 'mine')).find((r) => r.id === first).unread === 0, 'read clears the badge');
  await eventually(async () => (await page.locator('body').getAttribute('data-title-count')) === String(total - 4), 'title count drops');

  step('boris redirects a chat to anna');
  const v = await visitor('Вопрос к Борису');
  assert.equal((await api(boris, 'POST', `/api/operator/v1/chats/${v.chatId}/take`, {})).status, 200);
  assert.equal((await api(boris, 'POST', `/api/operator/v1/chats/${v.chatId}/read`, {})).status, 200);
  assert.equal((await api(boris, 'POST', `/api/operator/v1/chats/${v.chatId}/messages`, { clientSideId: 'b1', text: '**Передаю** [коллеге](https://example.com/team)' })).status, 200);
  const redirect = await api(boris, 'POST', `/api/operator/v1/chats/${v.chatId}/redirect`, { operatorId: (await api(anna, 'GET', '/api/operator/v1/me')).body.operator.id });
  assert.equal(redirect.status, 200, JSON.stringify(redirect.body));
  await eventually(async () => (await page.locator('body').getAttribute('data-redirect-alerts')) === '1', 'the redirect alert');
  const row = page.locator(`[data-test=list-mine] [data-chat="${v.chatId}"]`);
  await row.waitFor();
  assert.match(await row.textContent(), /передан вам/);
  // The operator's Markdown is plain text in the preview.
  assert.match(await row.locator('[data-test=preview]').textContent(), /^Борис.*: Передаю коллеге$/);
  // The redirected chat is first under «Мои диалоги», and a polite live line names it until it is opened.
  await eventually(async () => (await rowsOf(page, 'mine'))[0].id === v.chatId, 'the redirected chat first');
  const redirectedName = await row.locator('[data-test=row-name]').textContent();
  const note = page.locator('[data-test=redirect-note]');
  assert.equal(await note.getAttribute('aria-live'), 'polite');
  assert.ok(await note.isVisible());
  assert.match(await note.textContent(), new RegExp(redirectedName));
  await eventually(async () => (await page.locator('body').getAttribute('data-title-count')) === String(total - 4 + 1), 'the redirect counts in the title');
  await row.click();
  await eventually(async () => (await page.locator('body').getAttribute('data-title-count')) === String(total - 4), 'opening it clears the count');
  await note.waitFor({ state: 'hidden' });
  assert.match(await page.locator('[data-test=chat-title]').textContent(), new RegExp(`^${redirectedName} · `));

  step('the waiting time ticks');
  const waiting = page.locator('[data-test=list-mine] [data-test=waiting]').first();
  await waiting.evaluate((s) => s.setAttribute('data-since', String(Date.now() / 1000 - 185)));
  await eventually(async () => (await waiting.textContent()) === '3 мин', 'the waiting time ticks to «3 мин»', 15000);
  assert.deepEqual(ws.errors, []);
  await ws.context.close();
});

test('200 chats, 50 writers: the list settles right and quickly', async () => {
  step('boris takes 200 chats');
  const visitors = await chatsOf(boris, 200, 'B');
  const ws = await consolePage('/workspace', 'boris@demo.beseda.local');
  const { page } = ws;
  await eventually(async () => (await rowsOf(page, 'mine')).length >= 200, '200 rows', 30000);
  await page.evaluate(() => { window.notReloaded = true; });

  step('50 visitors write 4 messages each, at once');
  const writers = visitors.slice(0, 50);
  const t0 = Date.now();
  await Promise.all(writers.map(async (v, i) => {
    for (let k = 1; k <= 4; k++) await write(v, `Writer ${i}, message ${k}`);
  }));
  const sent = Date.now();
  const expected = await truth(boris);
  assert.equal(expected.size, 200);
  let settled = 0;
  await eventually(async () => {
    const wrong = mismatches(await rowsOf(page, 'mine'), expected);
    if (wrong.length === 0) settled = Date.now();
    return wrong.length === 0;
  }, 'the 200-row list settles', 30000);
  // The page answers while and after the burst: a round trip into its main thread.
  const p0 = Date.now();
  await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => r(1))));
  const frameMs = Date.now() - p0;
  console.log(`200 chats, 50 writers × 4 messages: sent in ${sent - t0} ms; list settled ${settled - sent} ms after the last message ` +
    `(${settled - t0} ms from the first); next frame in ${frameMs} ms`);
  assert.ok(settled - sent < 5000, `settles within 5 s of the last message (took ${settled - sent} ms)`);
  assert.equal(await page.evaluate(() => window.notReloaded), true, 'no reload');
  const names = new Set((await rowsOf(page, 'mine')).map((r) => r.name));
  assert.equal(names.size, 200, 'every row is told apart');
  await shot(page, 'lists-200');
  assert.deepEqual(ws.errors, []);
  await ws.context.close();
});
