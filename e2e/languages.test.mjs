// Languages in a real browser (see harness.mjs): the main language picked from the whole
// ISO 639-1 list in the admin panel (German: the console, the chat window and system messages
// show English, the chat keeps `de`); an operator's spoken languages beyond Russian and English;
// the interface language in the operator card and in the operator's own profile, which the
// console follows in every browser; and, with multilanguage on, the redirect dialog's languages
// are those of the operators online. axe-core finds no serious problem in the forms touched.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { env, start, stop, api, login, setStatus, eventually, openWidget, say, consolePage, step, axe } from './harness.mjs';

const ADMIN = 'admin@demo.beseda.local', ANNA = 'anna@demo.beseda.local', BORIS = 'boris@demo.beseda.local';
let admin, anna, boris;

async function saved(form, text = 'Saved') {
  await form.locator('[data-test=save]').click();
  await form.locator('[data-test=status].c-ok', { hasText: text }).waitFor();
}

async function me(token) {
  return (await api(token, 'GET', '/api/operator/v1/me')).body;
}

before(async () => {
  await start('languages');
  admin = await login(ADMIN);
  anna = await login(ANNA);
  boris = await login(BORIS);
});

after(async () => {
  await stop();
});

test('the main language and an operator\'s languages come from the ISO 639-1 list; the card sets the interface language', async () => {
  const { context, page: P, errors } = await consolePage('/admin#company', ADMIN);
  step('German as the main language');
  const company = P.locator('[data-test=section-company] [data-test=form-company]');
  await company.waitFor();
  await company.locator('select[name=default_lang]').selectOption('de');
  await saved(company);
  assert.equal((await api(admin, 'GET', '/api/admin/v1/settings')).body.settings.default_lang, 'de');

  step('the chat window and the system messages show English; the chat keeps German');
  await api(admin, 'PATCH', '/api/admin/v1/settings', { multilang: false });
  await setStatus(boris, 'online');
  const visitor = await openWidget();
  await visitor.frame.locator('.b-input textarea[placeholder]').waitFor();
  await say(visitor.frame, 'Guten Tag!');
  const chat = await eventually(async () => (await api(boris, 'GET', '/api/operator/v1/chats?list=waiting')).body.chats
    .find((c) => c.language === 'de'), 'a German chat');
  assert.equal((await api(boris, 'POST', `/api/operator/v1/chats/${chat.id}/take`, {})).status, 200);
  await visitor.frame.getByText(/has joined the chat/).waitFor();
  await visitor.context.close();

  step('a new operator speaks German by default and Ukrainian as well');
  await P.locator('[data-test=nav-operators]').click();
  const form = P.locator('[data-test=form-new-operator]');
  await form.waitFor();
  assert.equal(await form.locator('[data-test=languages] input[value=de]').isChecked(), true, 'the main language is ticked');
  await form.locator('input[name=email]').fill('hans@demo.beseda.local');
  await form.locator('input[name=name]').fill('Hans');
  await form.locator('input[name=password]').fill('hans-secret-1');
  await form.locator('[data-test=languages-add]').selectOption('uk');
  await form.locator('[data-test=save]').click();
  const row = P.locator('[data-test=operators-table] tr', { hasText: 'hans@demo.beseda.local' });
  await row.waitFor();
  const hans = (await api(admin, 'GET', '/api/admin/v1/operators')).body.operators.find((o) => o.name === 'Hans');
  assert.deepEqual([...hans.languages].sort(), ['de', 'uk']);

  step('his card: the interface language; the forms pass axe-core');
  await row.locator('[data-test=edit]').click();
  const card = P.locator('[data-test=form-operator-card]');
  await card.waitFor();
  assert.deepEqual(await axe(P, '[data-test=operator-editor]'), [], 'the operator card passes axe-core');
  assert.deepEqual(await axe(P, '[data-test=form-new-operator]'), [], 'the new-operator form passes axe-core');
  await card.locator('select[name=interfaceLang]').selectOption('en');
  await saved(card);
  const changed = (await api(admin, 'GET', '/api/admin/v1/operators')).body.operators.find((o) => o.name === 'Hans');
  assert.equal(changed.interfaceLang, 'en');

  step('the templates section starts on the main language');
  await P.evaluate(() => sessionStorage.clear());
  await P.locator('[data-test=nav-templates]').click();
  await eventually(async () => (await P.locator('[data-test=template-lang]').inputValue()) === 'de', 'German templates first');
  await api(admin, 'PATCH', '/api/admin/v1/settings', { default_lang: 'ru' });
  assert.deepEqual(errors, []);
  await context.close();
});

test('the operator\'s own interface language: the console follows it in any browser', async () => {
  step('Anna, in a Russian browser, picks English in her profile');
  const ws = await consolePage('/workspace', ANNA, { lang: 'ru' });
  await ws.page.locator('[data-test=profile]', { hasText: 'Профиль' }).click();
  const dialog = ws.page.locator('[data-test=dialog]');
  await dialog.locator('[data-test=interface-lang]').selectOption('en');
  assert.deepEqual(await axe(ws.page, '[data-test=dialog]'), [], 'the profile dialog passes axe-core');
  await dialog.locator('[data-test=apply]').click();
  await ws.page.locator('[data-test=profile]', { hasText: 'Profile' }).waitFor();
  assert.equal((await me(anna)).interfaceLang, 'en');
  assert.deepEqual(ws.errors, []);
  await ws.context.close();

  step('another browser that last showed Russian shows her English');
  const other = await consolePage('/workspace', ANNA, { lang: 'ru' });
  await other.page.locator('[data-test=profile]', { hasText: 'Profile' }).waitFor();
  assert.equal(await other.page.evaluate(() => document.documentElement.lang), 'en');
  step('the header switch saves the choice for her');
  await other.page.locator('[data-test=lang]').click();
  await other.page.locator('[data-test=profile]', { hasText: 'Профиль' }).waitFor();
  assert.equal((await me(anna)).operator.interfaceLang, 'ru');
  await other.context.close();
});

test('with multilanguage on, the redirect dialog offers the languages the chosen operator or the operators online speak', async () => {
  await api(admin, 'PATCH', '/api/admin/v1/settings', { multilang: true });
  const hans = (await api(admin, 'GET', '/api/admin/v1/operators')).body.operators.find((o) => o.name === 'Hans');
  const hansToken = (await (await fetch(`${env.base}/api/operator/v1/tokens`, { method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: 'hans@demo.beseda.local', password: 'hans-secret-1' }) })).json()).token;
  await setStatus(hansToken, 'online');
  await setStatus(boris, 'online');
  await setStatus(anna, 'offline');
  const visitor = await openWidget();
  await say(visitor.frame, 'Здравствуйте!');
  const chat = await eventually(async () => (await api(boris, 'GET', '/api/operator/v1/chats?list=waiting')).body.chats
    .find((c) => c.language === 'ru'), 'a Russian chat');
  assert.equal((await api(boris, 'POST', `/api/operator/v1/chats/${chat.id}/take`, {})).status, 200);

  const ws = await consolePage('/workspace', BORIS);
  await ws.page.locator(`[data-test=list-mine] [data-chat="${chat.id}"]`).click();
  await ws.page.locator('[data-test=redirect]').click();
  const dialog = ws.page.locator('[data-test=dialog]');
  const offered = async () => [...await dialog.locator('[data-test=redirect-language] option')
    .evaluateAll((os) => os.map((o) => o.value))].sort();
  // To an operator: the languages that operator speaks (Hans: de and uk).
  await dialog.locator('[data-test=redirect-operator]').selectOption(String(hans.id));
  assert.deepEqual(await offered(), ['', 'de', 'uk']);
  assert.deepEqual(await axe(ws.page, '[data-test=dialog]'), [], 'the redirect dialog passes axe-core');
  // To the queue: those of the operators online. Boris speaks ru and en, Hans de and uk; the
  // chat is already Russian.
  await dialog.locator('[data-test=redirect-mode]').selectOption('queue');
  assert.deepEqual(await offered(), ['', 'de', 'en', 'uk']);
  await dialog.locator('[data-test=redirect-language]').selectOption('de');
  await dialog.locator('[data-test=apply]').click();
  await eventually(async () => (await api(admin, 'GET', `/api/operator/v1/chats/${chat.id}`)).body.chat.language === 'de',
    'the chat is German');
  assert.ok((await api(hansToken, 'GET', '/api/operator/v1/chats?list=waiting')).body.chats.some((c) => c.id === chat.id),
    'Hans is offered it');
  assert.equal(hans.languages.includes('de'), true);
  assert.deepEqual(ws.errors, []);
  await Promise.all([ws.context.close(), visitor.context.close()]);
});
