// An operator deletes their own message in a real browser (see harness.mjs): a Delete button on
// their own texts only, reached from the keyboard, a confirmation dialog (Escape keeps the
// message; axe-core finds nothing serious), and the message leaves the operator's log, the
// visitor's widget and a colleague's workspace live. Russian and English texts.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { start, stop, login, setStatus, openWidget, step, say, consolePage, api, eventually, shot, chatDetail, axe } from './harness.mjs';


let anna, boris;

before(async () => {
  await start('deletion');
  anna = await login('anna@demo.beseda.local');
  boris = await login('boris@demo.beseda.local');
});

after(async () => {
  await stop();
});

test('an operator deletes their own message after confirming; the visitor and a colleague see it go', async () => {
  await setStatus(boris, 'online');
  const ws = await consolePage('/workspace', 'boris@demo.beseda.local', { lang: 'ru' });
  const { page } = ws;
  const visitor = await openWidget();
  await say(visitor.frame, 'Где мой заказ?');
  const item = page.locator('[data-test=list-waiting] .w-item').first();
  await item.waitFor();
  await item.click();
  await page.locator('[data-test=take]').click();
  await page.locator('[data-test=list-mine] .w-item').first().waitFor();
  const chatId = Number(await page.locator('[data-test=list-mine] .w-item').first().getAttribute('data-chat'));

  step('boris answers twice; the visitor sees both');
  for (const text of ['Ваш заказ отпарвлен', 'Курьер будет завтра']) {
    await page.locator('[data-test=reply]').fill(text);
    await page.locator('[data-test=reply]').press('Enter');
    await page.locator('.w-msg.from-operator', { hasText: text }).waitFor();
    await visitor.frame.locator('.b-msg', { hasText: text }).waitFor();
  }

  step('a colleague (English) watches the chat and may not delete boris\'s messages');
  const annaWs = await consolePage('/workspace', 'anna@demo.beseda.local', { lang: 'en' });
  await annaWs.page.locator(`[data-test=list-others] [data-chat="${chatId}"]`).click();
  await annaWs.page.locator('.w-msg.from-operator', { hasText: 'Ваш заказ отпарвлен' }).waitFor();
  assert.equal(await annaWs.page.locator('[data-test=delete-message]').count(), 0);

  step('only boris\'s own messages have the button, named after the message');
  const typo = page.locator('.w-msg.from-operator', { hasText: 'Ваш заказ отпарвлен' });
  const button = typo.locator('[data-test=delete-message]');
  assert.equal(await page.locator('.w-msg.from-visitor [data-test=delete-message]').count(), 0);
  assert.equal(await button.textContent(), 'Удалить');
  assert.equal(await button.getAttribute('aria-label'), 'Удалить сообщение: Ваш заказ отпарвлен');

  step('from the keyboard: the dialog asks; Escape keeps the message and gives the focus back');
  await button.focus();
  await page.keyboard.press('Enter');
  const dialog = page.locator('[role=dialog]');
  await dialog.getByRole('heading', { name: 'Удалить сообщение' }).waitFor();
  await dialog.getByText('Посетитель и другие операторы больше не увидят его').waitFor();
  await dialog.locator('[data-test=delete-quote]', { hasText: 'Ваш заказ отпарвлен' }).waitFor();
  assert.deepEqual(await axe(page, '[role=dialog]'), [], 'the dialog passes axe-core');
  assert.equal(await dialog.getByRole('button', { name: 'Отмена' }).evaluate((n) => n === document.activeElement), true,
    'the dialog starts on Cancel: a second Enter does not delete');
  await shot(page, 'deletion-confirm');
  await page.keyboard.press('Escape');
  await dialog.waitFor({ state: 'detached' });
  assert.equal(await button.evaluate((n) => n === document.activeElement), true, 'the focus is back on the button');
  assert.equal((await chatDetail(boris, chatId)).messages.filter((m) => m.deleted).length, 0, 'nothing deleted');

  step('confirmed: the message leaves boris\'s log, the widget and anna\'s workspace');
  await page.keyboard.press('Enter');
  await dialog.getByRole('button', { name: 'Удалить' }).click();
  await dialog.waitFor({ state: 'detached' });
  await typo.waitFor({ state: 'detached' });
  assert.equal(await page.locator('[data-test=reply]').evaluate((n) => n === document.activeElement), true, 'the focus goes to the reply box');
  await visitor.frame.locator('.b-msg', { hasText: 'Ваш заказ отпарвлен' }).waitFor({ state: 'detached' });
  await annaWs.page.locator('.w-msg', { hasText: 'Ваш заказ отпарвлен' }).waitFor({ state: 'detached' });
  await visitor.frame.locator('.b-msg', { hasText: 'Курьер будет завтра' }).waitFor();
  await page.locator('.w-msg.from-operator', { hasText: 'Курьер будет завтра' }).waitFor();
  const detail = await chatDetail(boris, chatId);
  // Staff still see that a message was deleted, not what it said.
  assert.deepEqual(detail.messages.filter((m) => m.deleted).map((m) => [m.kind, m.text, m.data]), [['operator', '', null]]);
  assert.deepEqual(await axe(page), [], 'the workspace passes axe-core');

  step('after a reload the deleted message stays away');
  await page.reload();
  await page.locator('[data-test=me]').waitFor();
  await page.locator(`[data-test=list-mine] [data-chat="${chatId}"]`).click();
  await page.locator('.w-msg.from-operator', { hasText: 'Курьер будет завтра' }).waitFor();
  assert.equal(await page.locator('.w-msg', { hasText: 'Ваш заказ отпарвлен' }).count(), 0);

  step('deleted elsewhere while the dialog asks: confirming closes it, the message goes, the focus is in the reply box');
  const second = page.locator('.w-msg.from-operator', { hasText: 'Курьер будет завтра' });
  await second.locator('[data-test=delete-message]').click();
  await dialog.waitFor();
  const target = (await chatDetail(boris, chatId)).messages.find((m) => m.text === 'Курьер будет завтра');
  assert.equal((await api(boris, 'DELETE', `/api/operator/v1/chats/${chatId}/messages/${target.id}`)).status, 200);
  await dialog.getByRole('button', { name: 'Удалить' }).click();
  await dialog.waitFor({ state: 'detached' });
  await second.waitFor({ state: 'detached' });
  assert.equal(await page.locator('[data-test=reply]').evaluate((n) => n === document.activeElement), true,
    'the focus goes to the reply box, not the page');

  step('closed from the keyboard (Alt+C in the reply box): no deletion offered, the focus stays in the chat');
  await page.locator('[data-test=reply]').focus();
  await page.keyboard.press('Alt+KeyC');
  await page.locator('[data-test=chat-title]', { hasText: /закрыт/i }).waitFor();
  await eventually(async () => (await page.locator('[data-test=delete-message]').count()) === 0, 'no Delete buttons');
  await eventually(async () => page.locator('[data-test=log]').evaluate((n) => n === document.activeElement),
    'the focus goes to the chat log, not the page');

  step('the read-only view of the chat does not show the deleted message either');
  const history = await api(boris, 'GET', `/api/operator/v1/chats/${chatId}`);
  assert.equal(history.status, 200);
  await page.evaluate(async (id) => {
    const main = /** @type {HTMLScriptElement} */ (document.querySelector('script[type=module]')).src;
    const { showChat } = await import(main.replace(/main\.js$/, 'readonly.js'));
    showChat(id);
  }, chatId);
  const readonly = page.locator('[data-test=readonly-log]');
  await readonly.locator('.w-msg', { hasText: 'Где мой заказ?' }).waitFor();
  assert.equal(await readonly.locator('.w-msg', { hasText: /Ваш заказ отпарвлен|Курьер будет завтра/ }).count(), 0);
  await page.keyboard.press('Escape');

  step('in English: «Delete», named «Delete message: …»');
  await setStatus(anna, 'online');
  const other = await openWidget();
  await say(other.frame, 'Hello?');
  await annaWs.page.locator('[data-test=list-waiting] .w-item').first().click();
  await annaWs.page.locator('[data-test=take]').click();
  await annaWs.page.locator('[data-test=reply]').fill('Good morning');
  await annaWs.page.locator('[data-test=reply]').press('Enter');
  const own = annaWs.page.locator('.w-msg.from-operator', { hasText: 'Good morning' }).locator('[data-test=delete-message]');
  await own.waitFor();
  assert.equal(await own.textContent(), 'Delete');
  assert.equal(await own.getAttribute('aria-label'), 'Delete message: Good morning');
  await own.click();
  await annaWs.page.getByRole('heading', { name: 'Delete message' }).waitFor();
  await annaWs.page.getByText('The visitor and other operators will no longer see it.').waitFor();
  await annaWs.page.locator('[role=dialog]').getByRole('button', { name: 'Cancel' }).click();

  assert.deepEqual([...ws.errors, ...annaWs.errors, ...visitor.errors, ...other.errors], []);
  await Promise.all([ws.context.close(), annaWs.context.close(), visitor.context.close(), other.context.close()]);
});
