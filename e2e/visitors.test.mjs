// Visitors on the site in a real browser (see harness.mjs): an operator invites a visitor from
// the workspace's visitors list, the widget shows the invitation (operator's name and text) and
// the visitor's answer gives the operator the chat; an operator blocks a visitor from the chat,
// the widget refuses them, and an administrator lifts the block in the admin panel.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { env, start, stop, api, login, setStatus, eventually, chatDetail, openWidget, step, say, shot, consolePage, axe } from './harness.mjs';

let anna;


before(async () => {
  await start('visitors');
  anna = await login('anna@demo.beseda.local');
});

after(async () => {
  await stop();
});

test('an invitation from the visitors list is shown in the widget and accepted', async () => {
  await setStatus(anna, 'online');
  step('a visitor on the demo page, the chat window closed');
  const visitor = await env.browser.newContext({ viewport: { width: 1100, height: 800 } });
  const site = await visitor.newPage();
  const errors = [];
  site.on('pageerror', (e) => errors.push(String(e)));
  await site.goto(`${env.base}/demo`);
  await site.locator('#beseda-button').waitFor();

  step('the operator sees the visitor in the list and invites them');
  const ws = await consolePage('/workspace', 'anna@demo.beseda.local');
  await ws.page.locator('[data-test=visitors-tab]', { hasText: 'On the site: 1' }).waitFor();
  await ws.page.locator('[data-test=visitors-tab]').click();
  const row = ws.page.locator('[data-test=visitors-table] tbody tr');
  await row.first().waitFor();
  assert.equal(await row.count(), 1);
  await eventually(async () => /\/demo/.test(await row.first().textContent()), 'the page the visitor is on');
  await row.first().locator('[data-test=invite]').click();
  await ws.page.locator('[data-test=invite-text]').fill('Подсказать с выбором **тарифа**?');
  await ws.page.locator('[data-test=apply]').click();
  await ws.page.locator('[data-test=visitors-note]', { hasText: 'Invitation sent' }).waitFor();
  await shot(ws.page, 'visitors-list');
  assert.deepEqual(await axe(ws.page, '[data-test=visitors]'), [], 'the visitors list passes axe-core');

  step('the widget shows the invitation from Anna');
  const invitation = site.locator('#beseda-invitation');
  await invitation.waitFor();
  assert.match(await invitation.textContent(), /Анна/);
  // The operator's Markdown, drawn by the chat's renderer (common/markdown.js): bold, no asterisks.
  await invitation.locator('span b', { hasText: 'тарифа' }).waitFor();
  assert.match(await invitation.textContent(), /Подсказать с выбором тарифа\?/);
  assert.doesNotMatch(await invitation.textContent(), /\*/);
  await shot(site, 'visitors-invitation');
  assert.deepEqual(await axe(site, '#beseda-invitation'), [], 'the invitation passes axe-core');
  await invitation.click();
  const frame = site.frameLocator('iframe');
  await frame.locator('.b-app[data-ready]').waitFor();
  await frame.locator('.b-operator', { hasText: 'Подсказать с выбором тарифа?' }).locator('b', { hasText: 'тарифа' }).waitFor();

  step('the visitor answers: the chat is Anna\'s');
  await say(frame, 'Да, помогите выбрать');
  const mine = await eventually(async () => {
    const chats = (await api(anna, 'GET', '/api/operator/v1/chats?list=mine')).body?.chats || [];
    return chats.find((c) => c.state === 'chatting');
  }, 'the accepted invitation in Anna\'s chats');
  const detail = await chatDetail(anna, mine.id);
  assert.equal(detail.chat.operatorId, mine.operatorId);
  assert.equal(detail.chat.state, 'chatting');
  assert.ok(detail.messages.some((m) => m.text === 'Да, помогите выбрать'));
  await ws.page.locator('[data-test=visitor-chat]', { hasText: 'chatting' }).waitFor();
  await ws.page.locator('[data-test=visitor-chat]').click();
  await ws.page.locator('[data-test=log]').getByText('Да, помогите выбрать').waitFor();

  assert.deepEqual([...errors, ...ws.errors], []);
  await Promise.all([ws.context.close(), visitor.close()]);
});

test('a blocked visitor is refused in the widget; an administrator lifts the block', async () => {
  step('a visitor writes and Anna answers');
  const visitor = await openWidget();
  await say(visitor.frame, 'Купите рекламу');
  const ws = await consolePage('/workspace', 'anna@demo.beseda.local');
  const item = ws.page.locator('[data-test=list-waiting] .w-item').first();
  await item.waitFor();
  const name = await item.locator('[data-test=row-name]').textContent();
  assert.match(name, /^Visitor \d+$/);

  step('"On the site" says the visitor waits; a click on the chat in the list opens the chat');
  await ws.page.locator('[data-test=visitors-tab]').click();
  await ws.page.locator('[data-test=visitor-chat]', { hasText: 'waiting in the queue' }).waitFor();
  await item.click();
  await ws.page.locator('[data-test=visitors]').waitFor({ state: 'hidden' });
  await ws.page.locator('[data-test=take]').click();
  await ws.page.locator('[data-test=block-visitor]').waitFor();
  // The header names the visitor as the list does, in the console's language.
  assert.match(await ws.page.locator('[data-test=chat-title]').textContent(), new RegExp(`^${name} · `));

  step('Anna blocks the visitor from the chat');
  await ws.page.locator('[data-test=block-visitor]').click();
  await ws.page.locator('[data-test=block-reason]').fill('Спам');
  await ws.page.locator('[data-test=block-duration]').selectOption({ label: '1 hour' });
  await ws.page.locator('[data-test=apply]').click();
  await ws.page.locator('[data-test=chat-title]', { hasText: 'closed' }).waitFor();

  step('the widget says the visitor is blocked, and still does after a reload');
  await visitor.frame.locator('.b-banned').waitFor();
  assert.equal(await visitor.frame.locator('.b-input').isHidden(), true);
  await shot(visitor.page, 'visitors-banned');
  const widget = visitor.page.frames().find((f) => f.url().includes('/widget/frame'));
  assert.deepEqual(await axe(widget, '.b-banned'), [], 'the refusal passes axe-core');
  await visitor.page.reload();
  await visitor.page.locator('#beseda-button').waitFor();
  if (!(await visitor.page.locator('iframe').isVisible().catch(() => false))) await visitor.page.locator('#beseda-button').click();
  await visitor.frame.locator('.b-banned').waitFor();

  step('an administrator lifts the block in the admin panel');
  const admin = await consolePage('/admin#blocks', 'admin@demo.beseda.local');
  const blockRow = admin.page.locator('[data-test=blocks-table] tbody tr');
  await blockRow.first().waitFor();
  assert.match(await blockRow.first().textContent(), /Спам/);
  assert.match(await blockRow.first().textContent(), /Анна/);
  assert.equal(await blockRow.first().locator('[data-test=blocks-visitor]').textContent(), name);
  await shot(admin.page, 'visitors-blocks');
  assert.deepEqual(await axe(admin.page, '[data-test=section-blocks]'), [], 'the blocks section passes axe-core');
  await blockRow.first().locator('[data-test=lift]').click();
  await admin.page.locator('[data-test=blocks-result]').getByText('Спам').waitFor({ state: 'detached' });

  step('the visitor can write again');
  await visitor.page.reload();
  await visitor.page.locator('#beseda-button').waitFor();
  if (!(await visitor.page.locator('iframe').isVisible().catch(() => false))) await visitor.page.locator('#beseda-button').click();
  await visitor.frame.locator('.b-app[data-ready]').waitFor();
  assert.equal(await visitor.frame.locator('.b-banned').count(), 0);
  await say(visitor.frame, 'Простите');
  await eventually(async () => (await api(anna, 'GET', '/api/operator/v1/chats?list=waiting')).body?.chats?.length, 'a new chat');

  assert.deepEqual([...visitor.errors, ...ws.errors, ...admin.errors], []);
  await Promise.all([visitor.context.close(), ws.context.close(), admin.context.close()]);
});
