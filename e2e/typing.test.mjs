// The operator's typing and Markdown, both ways, in real browsers (see harness.mjs): the
// widget shows «печатает» while the operator types in the workspace and drops it within 3 s of
// the last key; an operator's Markdown link is a link in the widget (and the workspace) with
// rel="noopener noreferrer", a javascript: link is not.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { start, stop, login, setStatus, openWidget, step, say, consolePage, eventually } from './harness.mjs';

let boris;

before(async () => {
  await start('typing');
  boris = await login('boris@demo.beseda.local');
});

after(async () => {
  await stop();
});

test('the operator types and stops: the widget shows it and drops it within 3 s; Markdown links are safe links', async () => {
  await setStatus(boris, 'online');
  const ws = await consolePage('/workspace', 'boris@demo.beseda.local', { lang: 'ru' });
  const { page } = ws;
  const visitor = await openWidget();
  await say(visitor.frame, 'Подскажите, где каталог?');
  const item = page.locator('[data-test=list-waiting] .w-item').first();
  await item.waitFor();
  await item.click();
  await page.locator('[data-test=take]').click();
  await page.locator('[data-test=list-mine] .w-item').first().waitFor();

  step('the visitor types quickly: the workspace shows the whole draft within 3 s, and drops it on send');
  const draftLine = page.locator('[data-test=typing]');
  const box = visitor.frame.locator('.b-input textarea');
  await box.pressSequentially('спасибо большое за помощь', { delay: 30 });
  const typed = Date.now();
  await draftLine.filter({ hasText: ': спасибо большое за помощь' }).waitFor({ timeout: 3000 });
  assert.ok(Date.now() - typed <= 3000, 'the whole draft within 3 s of the last key');
  await box.press('Enter');
  await page.locator('.w-msg', { hasText: 'спасибо большое за помощь' }).waitFor();
  await eventually(async () => !((await draftLine.textContent()) || '').trim(), 'the draft is gone after sending');

  step('a draft emptied in the widget is withdrawn');
  await box.pressSequentially('ещё вопрос', { delay: 30 });
  await draftLine.filter({ hasText: ': ещё вопрос' }).waitFor({ timeout: 3000 });
  await box.fill('');
  await eventually(async () => !((await draftLine.textContent()) || '').trim(), 'the draft is gone once emptied');

  step('the operator types');
  const reply = page.locator('[data-test=reply]');
  await reply.click();
  await reply.pressSequentially('Сейчас пришлю', { delay: 40 });
  const typing = visitor.frame.locator('.b-typing', { hasText: 'печатает' });
  await typing.waitFor();
  const stopped = Date.now();
  await assertGone(visitor.frame, stopped);

  step('typing again, then sending, drops it at once');
  await reply.fill('');
  await reply.pressSequentially(' ссылку: ', { delay: 20 });
  await typing.waitFor();
  await reply.fill('**Каталог**: [открыть](https://example.com/catalog), ещё https://example.com/sale и [ловушка](javascript:alert%281%29)');
  await reply.press('Enter');
  const sent = Date.now();
  await assertGone(visitor.frame, sent);

  step('20 quick typing/stopped pairs: one request at a time, and the visitor ends with "not typing"');
  let inFlight = 0, most = 0, sentTyping = 0;
  const isTyping = (r) => /\/typing$/.test(r.url()) && r.method() === 'POST';
  const done = (r) => { if (isTyping(r)) inFlight--; };
  page.on('request', (r) => { if (isTyping(r)) { inFlight++; sentTyping++; most = Math.max(most, inFlight); } });
  page.on('requestfinished', done);
  page.on('requestfailed', done);
  await typing.waitFor({ state: 'detached' }).catch(() => {});
  for (let i = 0; i < 20; i++) {
    await reply.fill('x');
    await reply.fill('');
  }
  await eventually(async () => inFlight === 0 && sentTyping > 0, 'the typing requests are done');
  assert.equal(most, 1, 'one typing request at a time');
  await new Promise((r) => setTimeout(r, 700));
  assert.equal((await visitor.frame.locator('.b-typing').textContent() || '').includes('печатает'), false, 'not typing at the end');

  step('the Markdown in the widget');
  const bubble = visitor.frame.locator('.b-operator', { hasText: 'Каталог' });
  await bubble.waitFor();
  assert.equal(await bubble.locator('b', { hasText: 'Каталог' }).count(), 1);
  const link = bubble.locator('a', { hasText: 'открыть' });
  assert.equal(await link.getAttribute('href'), 'https://example.com/catalog');
  assert.equal(await link.getAttribute('rel'), 'noopener noreferrer');
  assert.equal(await link.getAttribute('target'), '_blank');
  assert.equal(await bubble.locator('a[href="https://example.com/sale"]').count(), 1);
  // The javascript: link stays text, and no link anywhere in the window runs script.
  assert.equal(await bubble.locator('a', { hasText: 'ловушка' }).count(), 0);
  assert.match(await bubble.textContent(), /\[ловушка\]\(javascript:alert%281%29\)/);
  const hrefs = await visitor.frame.locator('.b-log a').evaluateAll((as) => as.map((a) => a.getAttribute('href')));
  assert.ok(hrefs.every((h) => /^(https?:|mailto:|\/)/.test(h)), hrefs.join(' '));

  step('a click on the link opens a new tab without access to the window');
  const [popup] = await Promise.all([visitor.context.waitForEvent('page'), link.click()]);
  assert.equal(await popup.evaluate(() => window.opener), null);
  await popup.close();

  step('the same Markdown in the workspace');
  const mine = page.locator('.w-msg.from-operator', { hasText: 'Каталог' });
  await mine.waitFor();
  assert.equal(await mine.locator('a', { hasText: 'открыть' }).getAttribute('rel'), 'noopener noreferrer');
  assert.equal(await mine.locator('a', { hasText: 'ловушка' }).count(), 0);

  step('lists: "- item", "* item" and "1. item" are lists on both sides; a javascript: link in one stays text');
  await reply.fill('Что сделать:\n- выбрать **тариф**\n* оплатить [тут](javascript:alert%282%29)\n\n1. раз\n2. два\nГотово, 3 шага.');
  await reply.press('Enter');
  const list = visitor.frame.locator('.b-operator', { hasText: 'Что сделать' });
  await list.waitFor();
  for (const [where, root] of [['widget', list], ['workspace', page.locator('.w-msg.from-operator', { hasText: 'Что сделать' })]]) {
    await root.waitFor();
    const items = await root.locator('ul > li').allTextContents();
    assert.deepEqual(items, ['выбрать тариф', 'оплатить [тут](javascript:alert%282%29)'], where);
    assert.equal(await root.locator('ul > li b', { hasText: 'тариф' }).count(), 1, where);
    assert.deepEqual(await root.locator('ol > li').allTextContents(), ['раз', 'два'], where);
    assert.equal(await root.locator('a').count(), 0, `${where}: no link from javascript:`);
    assert.match(await root.textContent(), /Что сделать:выбрать.*дваГотово, 3 шага\./, where);
  }

  await visitor.context.close();
  await ws.context.close();
  assert.deepEqual(ws.errors, []);
  assert.deepEqual(visitor.errors, []);
});

/** «печатает» is gone from the window no later than 3 s after `since`. */
async function assertGone(frame, since) {
  for (;;) {
    const shown = ((await frame.locator('.b-typing').textContent()) || '').includes('печатает');
    if (!shown) break;
    assert.ok(Date.now() - since <= 3000, 'typing still shown 3 s after the operator stopped');
    await new Promise((r) => setTimeout(r, 100));
  }
}
