// What operators see of a mobile app's extras (visitor-api.md §12.1), in a real browser (see
// harness.mjs): an app visitor's question picked from the hints is marked as such in the
// workspace, and the location the app reported is a labelled note the visitor never gets, and
// a line of the visitor context.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { start, stop, login, setStatus, step, consolePage, env, api } from './harness.mjs';

let boris;

before(async () => {
  await start('mobile');
  boris = await login('boris@demo.beseda.local');
});

after(async () => {
  await stop();
});

/** A visitor-protocol call as the SDKs send it (urlencoded POST); the JSON answer. */
async function visitorCall(path, fields) {
  const res = await fetch(env.base + path, {
    method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(fields).toString(),
  });
  return res.json();
}

test('a hint question and an app location in the workspace, in Russian and English', async () => {
  await setStatus(boris, 'online');
  step('an app visitor picks a question from the hints and shares the location');
  const init = await visitorCall('/l/v/m/init', { event: 'init', since: '0', 'respond-immediately': '1',
    'device-id': 'e2e-phone', location: 'mobile', platform: 'ios', title: 'App' });
  const creds = { 'page-id': init.fullUpdate.pageId, 'auth-token': init.fullUpdate.authToken };
  const sent = await visitorCall('/l/v/m/action', { ...creds, action: 'chat.message', 'client-side-id': 'h1',
    message: 'Как оформить возврат?', hint_question: 'true' });
  assert.equal(sent.result, 'ok', JSON.stringify(sent));
  const chat = (await visitorCall('/l/v/m/delta', { ...creds, since: '0', 'respond-immediately': '1' })).fullUpdate.chat;
  const took = await api(boris, 'POST', `/api/operator/v1/chats/${chat.id}/take`, {});
  assert.equal(took.status, 200, JSON.stringify(took.body));
  const geo = await visitorCall('/l/v/m/action', { ...creds, action: 'geo_response', latitude: '55.7558', longitude: '37.6173' });
  assert.equal(geo.result, 'ok', JSON.stringify(geo));

  for (const [lang, hint, label] of [['ru', 'выбран из подсказок', 'Местоположение из приложения'],
    ['en', 'picked from the hints', 'Location from the app']]) {
    step(`the workspace in ${lang}`);
    const { page, context, errors } = await consolePage('/workspace', 'boris@demo.beseda.local', { lang });
    await page.locator(`[data-test=list-mine] .w-item[data-chat="${chat.id}"]`).click();
    await page.locator('.w-msg.from-visitor', { hasText: 'Как оформить возврат?' }).locator('time', { hasText: hint }).waitFor();
    const note = page.locator('.w-log [data-test=note]', { hasText: '55.755800, 37.617300' });
    await note.locator('.w-note-label', { hasText: label }).waitFor();
    await page.locator('[data-test=ctx-location]', { hasText: '55.755800, 37.617300' }).waitFor();
    assert.deepEqual(errors, []);
    await context.close();
  }

  step('the visitor never gets the note');
  const full = await visitorCall('/l/v/m/delta', { ...creds, since: '0', 'respond-immediately': '1' });
  assert.doesNotMatch(JSON.stringify(full), /55\.7558/);
});
