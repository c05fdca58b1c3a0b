// Working comfort and accessibility in real browsers (see harness.mjs): axe-core finds no
// critical or serious problem in the widget, the workspace with a chat open, and every section
// of the admin panel; the workspace can be driven from the keyboard (Enter on a list row puts
// the focus in the reply box, shortcuts with a help dialog on "?", dialogs that keep and return
// the focus); refusals in the console's language; list filters; hidden chats switched live;
// the reply box is off where the operator cannot write; teleport by code from the keyboard.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { start, stop, login, setStatus, openWidget, step, say, consolePage, api, axe } from './harness.mjs';

let boris;

before(async () => {
  await start('a11y');
  boris = await login('boris@demo.beseda.local');
});

after(async () => {
  await stop();
});

test('the widget, the workspace with a chat open and the keyboard: no serious axe-core problems, focus follows the action', async () => {
  await setStatus(boris, 'online');
  const ws = await consolePage('/workspace', 'boris@demo.beseda.local', { lang: 'ru' });
  const { page } = ws;
  const visitor = await openWidget();
  await say(visitor.frame, 'Здравствуйте! Нужна помощь с заказом');
  step('the widget');
  const frame = visitor.page.frames().find((f) => f.url().includes('/widget/frame'));
  assert.deepEqual(await axe(frame), [], 'the widget passes axe-core');

  step('Enter on a list row opens the chat and puts the focus in the reply box');
  const row = page.locator('[data-test=list-waiting] .w-item').first();
  await row.waitFor();
  await row.focus();
  await page.keyboard.press('Enter');
  await page.locator('[data-test=take]').waitFor();
  await page.waitForFunction(() => document.activeElement && document.activeElement.getAttribute('data-test') === 'reply');

  step('Alt+T takes it; the workspace with the chat open passes axe-core');
  await page.keyboard.press('Alt+KeyT');
  await page.locator('[data-test=list-mine] .w-item').first().waitFor();
  await page.locator('[data-test=take]').waitFor({ state: 'detached' });
  assert.deepEqual(await axe(page), [], 'the workspace passes axe-core');

  step('"?" shows the shortcuts in a labelled modal dialog that keeps and returns the focus');
  const trigger = page.locator('[data-test=chat-title]');
  await page.locator('[data-test=log]').click();
  await page.keyboard.press('?');
  const dialog = page.locator('[role=dialog][aria-modal=true]');
  await dialog.waitFor();
  const labelledBy = await dialog.getAttribute('aria-labelledby');
  assert.equal(await page.locator(`#${labelledBy}`).textContent(), 'Клавиши');
  assert.ok((await dialog.locator('[data-test=shortcuts]').textContent()).includes('Alt+N'));
  // Nothing to apply: a Close button only.
  assert.equal(await dialog.locator('[data-test=apply]').count(), 0);
  assert.equal(await dialog.locator('button').count(), 1);
  assert.deepEqual(await axe(page, '[role=dialog]'), [], 'the dialog passes axe-core');
  for (let i = 0; i < 5; i++) {
    await page.keyboard.press('Tab');
    assert.ok(await page.evaluate(() => !!document.activeElement.closest('[role=dialog]')), 'Tab stays in the dialog');
  }
  await page.keyboard.press('Escape');
  await dialog.waitFor({ state: 'detached' });
  assert.ok(await trigger.count());

  step('the redirect dialog returns the focus to its button');
  await page.locator('[data-test=redirect]').focus();
  await page.keyboard.press('Enter');
  await page.locator('[data-test=dialog][role=dialog]').waitFor();
  assert.deepEqual(await axe(page, '[role=dialog]'), [], 'the redirect dialog passes axe-core');
  // A refusal is shown by its code, in the workspace's language (everyone else is offline).
  await page.locator('[data-test=redirect-mode]').selectOption('operator');
  await page.locator('[data-test=apply]').click();
  await page.locator('[data-test=dialog] .c-error', { hasText: 'Оператор не в сети' }).waitFor();
  await page.locator('[data-test=redirect-operator]').focus();
  await page.keyboard.press('Escape');
  await page.waitForFunction(() => document.activeElement && document.activeElement.getAttribute('data-test') === 'redirect');

  step('the lists filter by state and by department');
  await page.locator('[data-test=filter-state]').selectOption('queue');
  await page.locator('[data-test=list-mine] .w-item').first().waitFor({ state: 'detached' });
  assert.equal(await page.locator('[data-test=count-mine]').textContent(), '0');
  await page.locator('[data-test=filter-state]').selectOption('chatting');
  await page.locator('[data-test=list-mine] .w-item').first().waitFor();
  await page.locator('[data-test=filter-state]').selectOption('');

  step('a closed chat: the reply box is off');
  const id = Number(await page.locator('[data-test=list-mine] .w-item').first().getAttribute('data-chat'));
  assert.equal((await api(boris, 'POST', `/api/operator/v1/chats/${id}/close`, {})).status, 200);
  await page.locator('[data-test=reply]:disabled').waitFor();
  assert.ok(await page.locator('[data-test=send]').isDisabled());
  // …and looks it: not the primary blue of an active button.
  assert.notEqual(await page.locator('[data-test=send]').evaluate((b) => getComputedStyle(b).backgroundColor), 'rgb(47, 111, 237)');
  // The attach button's icon is drawn (no emoji font needed), its name is text.
  assert.equal(await page.locator('[data-test=attach] svg[aria-hidden=true]').count(), 1);
  assert.doesNotMatch(await page.locator('[data-test=attach]').textContent(), /📎/);

  step('the admin hides other operators\' chats: the list goes at once, and comes back');
  const admin = await login('admin@demo.beseda.local');
  const hide = (on) => api(admin, 'PATCH', '/api/admin/v1/settings', { hide_others_chats: on });
  await page.locator('[data-test=list-others]').waitFor({ state: 'attached' });
  assert.equal((await hide(true)).status, 200);
  await page.locator('[data-test=list-others]').waitFor({ state: 'detached' });
  assert.equal((await hide(false)).status, 200);
  await page.locator('[data-test=list-others]').waitFor({ state: 'attached' });

  await visitor.context.close();
  await ws.context.close();
  assert.deepEqual(ws.errors, []);
});

test('every section of the admin panel passes axe-core', async () => {
  const admin = await consolePage('/admin', 'admin@demo.beseda.local', { lang: 'en' });
  const { page } = admin;
  const ids = await page.locator('.a-nav button').evaluateAll((bs) => bs.map((b) => b.getAttribute('data-test').slice(4)));
  assert.ok(ids.length > 10, ids.join(' '));
  const problems = [];
  for (const id of ids) {
    await page.locator(`[data-test=nav-${id}]`).click();
    const section = page.locator(`[data-test=section-${id}]`);
    await section.waitFor();
    await page.waitForFunction(() => !document.querySelector('.a-body .a-muted') ||
      document.querySelector('.a-body .a-muted').textContent !== 'Loading…');
    await page.waitForTimeout(150);
    for (const v of await axe(page)) problems.push(`${id}: ${v}`);
  }
  assert.deepEqual(problems, []);
  await admin.context.close();
});

test('teleport by code from the keyboard: the visitor goes to the page the code names, another site is refused; no serious axe-core problems', async () => {
  const admin = await login('admin@demo.beseda.local');
  const settings = (await api(admin, 'GET', '/api/admin/v1/settings')).body.settings;
  const pages = ['delivery /demo?page=delivery', 'partner https://partner.example/'];
  const saved = await api(admin, 'PUT', '/api/admin/v1/settings', { ...settings, teleport: true, teleport_pages: pages });
  assert.equal(saved.status, 200, JSON.stringify(saved.body));
  await setStatus(boris, 'online');
  const ws = await consolePage('/workspace', 'boris@demo.beseda.local', { lang: 'ru' });
  const { page } = ws;
  const visitor = await openWidget();
  await say(visitor.frame, 'Где посмотреть условия доставки?');

  step('the chat is opened and taken from the keyboard');
  const row = page.locator('[data-test=list-waiting] .w-item').first();
  await row.waitFor();
  await row.focus();
  await page.keyboard.press('Enter');
  await page.locator('[data-test=take]').waitFor();
  await page.keyboard.press('Alt+KeyT');
  await page.locator('[data-test=take]').waitFor({ state: 'detached' });

  step('the teleport dialog offers the pages by code and passes axe-core');
  await page.locator('[data-test=list-mine] .w-item').first().waitFor();
  const dialog = page.locator('[data-test=dialog][role=dialog]');
  // Enter on the focused button; the chat bar may be drawn anew by a live update in between.
  for (let i = 0; i < 5 && !(await dialog.count()); i++) {
    await page.locator('[data-test=teleport]').press('Enter');
    await dialog.waitFor({ timeout: 2000 }).catch(() => {});
  }
  await dialog.waitFor();
  assert.deepEqual(await axe(page, '[role=dialog]'), [], 'the teleport dialog passes axe-core');
  assert.deepEqual(await dialog.locator('[data-test=teleport-code] option').evaluateAll((o) => o.map((x) => x.value)), ['delivery', 'partner']);
  // A page on another site is refused, in the workspace's language.
  await dialog.locator('[data-test=teleport-code]').selectOption('partner');
  await dialog.locator('[data-test=apply]').focus();
  await page.keyboard.press('Enter');
  await dialog.locator('.c-error', { hasText: 'только на страницу сайта' }).waitFor();
  // The page by its code: the visitor's page goes there.
  await dialog.locator('[data-test=teleport-code]').selectOption('delivery');
  await dialog.locator('[data-test=apply]').focus();
  await page.keyboard.press('Enter');
  await dialog.waitFor({ state: 'detached' });
  await visitor.page.waitForURL(/\/demo\?page=delivery$/);

  step('turned off, teleport is no longer offered and is refused');
  const off = await api(admin, 'PUT', '/api/admin/v1/settings', { ...settings, teleport: false, teleport_pages: pages });
  assert.equal(off.status, 200, JSON.stringify(off.body));
  await page.locator('[data-test=teleport]').waitFor({ state: 'detached' });
  const id = Number(await page.locator('[data-test=list-mine] .w-item').first().getAttribute('data-chat'));
  const refused = await api(boris, 'POST', `/api/operator/v1/chats/${id}/teleport`, { code: 'delivery' });
  assert.deepEqual([refused.status, refused.body.error], [422, 'setting_disabled']);
  assert.deepEqual([...ws.errors, ...visitor.errors], []);
  await Promise.all([ws.context.close(), visitor.context.close()]);
  await setStatus(boris, 'offline');
});
