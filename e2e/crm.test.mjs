// The CRM part of the admin panel's «Integration» section in a real browser (see harness.mjs),
// against a local stand-in that answers as Zendesk and amoCRM document: the panel asks for
// what OAuth needs, explains the seed fields the vendors retired, never shows a secret back
// (and keeps it when the form is saved again), and its «check connection» buttons show whether
// each connection works. The section passes axe-core with the states shown.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { start, stop, login, api, consolePage, shot, axe } from './harness.mjs';

const ADMIN = 'admin@demo.beseda.local';
const ZENDESK_BASIC = 'Basic ' + Buffer.from('agent@sila.example/token:e2e-zendesk-token').toString('base64');
let crm, admin, P, pageErrors;

/** Zendesk's `users/me` (200 for the right API token, else 401 as documented) and amoCRM's
 * token endpoint refusing the code with its `OAuthProblemJson` body. */
function standIn() {
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const send = (status, body) => { res.writeHead(status, { 'content-type': 'application/json' }); res.end(JSON.stringify(body)); };
      if (req.url === '/api/v2/users/me.json') {
        if (req.headers.authorization === ZENDESK_BASIC) send(200, { user: { id: 35436, email: 'agent@sila.example' } });
        else send(401, { error: "Couldn't authenticate you" });
      } else if (req.url === '/oauth2/access_token') {
        send(400, { hint: 'Authorization code has expired', title: 'Некорректный запрос', status: 400,
          type: 'https://developers.amocrm.ru/v3/errors/OAuthProblemJson', detail: 'В запросе отсутствует ряд параметров или параметры невалидны' });
      } else send(404, { error: 'InvalidEndpoint' });
    });
  });
  return new Promise((ok) => server.listen(0, '127.0.0.1', () => ok({ server, url: `http://127.0.0.1:${server.address().port}` })));
}

before(async () => {
  crm = await standIn();
  // The server calls the stand-in instead of {subdomain}.zendesk.com and {account}.amocrm.ru.
  process.env.BESEDA_ZENDESK_API_URL = crm.url;
  process.env.BESEDA_AMOCRM_API_URL = crm.url;
  await start('crm');
  admin = await login(ADMIN);
  ({ page: P, errors: pageErrors } = await consolePage('/admin', ADMIN));
});

after(async () => {
  assert.deepEqual(pageErrors, [], 'no script errors in the admin page');
  await stop();
  crm.server.close();
});

async function integration() {
  await P.locator('[data-test=nav-integration]').click();
  const f = P.locator('[data-test=section-integration] [data-test=form-integration]');
  await f.waitFor();
  return f;
}

async function save(f) {
  await f.locator('[data-test=save]').click();
  await f.locator('[data-test=status].c-ok', { hasText: 'Saved' }).waitFor();
}

test('CRM settings ask for OAuth credentials, keep secrets hidden and check each connection', async () => {
  let f = await integration();
  const text = await f.textContent();
  assert.match(text, /USER_LOGIN\/USER_HASH/, 'the retired amoCRM fields are explained');
  assert.match(text, /authtokens with API 1\.0/, 'the retired Zoho fields are explained');
  await f.locator('input[name=zendesk_subdomain]').fill('sila');
  await f.locator('input[name=zendesk_login]').fill('agent@sila.example');
  await f.locator('input[name=zendesk_api_token]').fill('e2e-zendesk-token');
  await f.locator('input[name=amocrm_account]').fill('sila');
  await f.locator('input[name=amocrm_client_id]').fill('6a2d4741-e2e');
  await f.locator('input[name=amocrm_client_secret]').fill('e2e-client-secret');
  await f.locator('input[name=amocrm_redirect_uri]').fill('https://sila.example/amocrm');
  await f.locator('input[name=amocrm_auth_code]').fill('def50200-expired');
  await f.locator('select[name=zoho_data_center]').selectOption('eu');
  await save(f);

  await P.reload();
  f = await integration();
  assert.equal(await f.locator('input[name=zendesk_api_token]').inputValue(), '***', 'a secret is never shown back');
  assert.equal(await f.locator('input[name=amocrm_client_id]').inputValue(), '6a2d4741-e2e');
  assert.equal(await f.locator('select[name=zoho_data_center]').inputValue(), 'eu');
  const settings = (await api(admin, 'GET', '/api/admin/v1/settings')).body.settings;
  assert.deepEqual([settings.amocrm_client_secret, settings.amocrm_auth_code], ['***', '***']);
  await P.locator('[data-test=crm-state-zendesk]', { hasText: 'Not checked yet' }).waitFor();
  await P.locator('[data-test=crm-state-zoho]', { hasText: 'Not set up' }).waitFor();

  // The checks call the stand-in: Zendesk takes the API token, amoCRM refuses the code.
  await P.locator('[data-test=crm-check-zendesk]').click();
  await P.locator('[data-test=crm-state-zendesk].c-ok', { hasText: 'Connection works' }).waitFor();
  await P.locator('[data-test=crm-check-amocrm]').click();
  await P.locator('[data-test=crm-state-amocrm].c-error', { hasText: 'Authorization code has expired' }).waitFor();
  assert.deepEqual(await axe(P), [], 'the section with its connection states passes axe-core');
  await shot(P, 'admin-integration-crm');

  // Saved again with the masks in place: the secret is kept, the check still passes.
  await save(f);
  await P.locator('[data-test=crm-check-zendesk]').click();
  await P.locator('[data-test=crm-state-zendesk].c-ok', { hasText: 'Connection works' }).waitFor();
  // A wrong token is refused by the stand-in, and the panel says so.
  await f.locator('input[name=zendesk_api_token]').fill('not-the-token');
  await save(f);
  await P.locator('[data-test=crm-check-zendesk]').click();
  await P.locator('[data-test=crm-state-zendesk].c-error', { hasText: "Couldn't authenticate you" }).waitFor();
  const states = (await api(admin, 'GET', '/api/admin/v1/integrations/crm')).body.integrations;
  assert.deepEqual(states.map((s) => [s.service, s.state]), [['zendesk', 'failing'], ['amocrm', 'failing'], ['zoho', 'unknown']]);
});
