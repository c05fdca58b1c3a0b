// The audit log in the admin panel (see harness.mjs): a setting changed in the panel appears in
// the «Audit log» section with who changed it, from where, and the value before and after;
// the filters narrow the list and the CSV link carries them. Supervisors do not see the section.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { env, start, stop, api, login, consolePage, shot } from './harness.mjs';

const ADMIN = 'admin@demo.beseda.local';
let token, P, pageErrors;

before(async () => {
  await start('audit');
  token = await login(ADMIN);
  ({ page: P, errors: pageErrors } = await consolePage('/admin', ADMIN));
});

after(async () => {
  assert.deepEqual(pageErrors, [], 'no script errors in the admin page');
  await stop();
});

async function open(id, form) {
  await P.locator(`[data-test=nav-${id}]`).click();
  const f = P.locator(`[data-test=section-${id}] [data-test=${form}]`).first();
  await f.waitFor();
  return f;
}

test('a setting changed in the panel is in the audit log, with who, where, before and after', async () => {
  const company = await open('company', 'form-company');
  const was = await company.locator('input[name=name]').inputValue();
  await company.locator('input[name=name]').fill('Audited & Co');
  await company.locator('[data-test=save]').click();
  await company.locator('[data-test=status].c-ok', { hasText: 'Saved' }).waitFor();

  const form = await open('audit', 'form-audit');
  const section = P.locator('[data-test=section-audit]');
  const row = section.locator('[data-test=audit-table] tbody tr').first();
  await row.waitFor();
  const cells = await row.locator('td').allTextContents();
  assert.equal(cells[1], ADMIN);
  assert.equal(cells[2], '127.0.0.1');
  assert.equal(cells[3], 'settings.update');
  assert.equal(cells[4], 'settings organisation');
  assert.equal(cells[5], `name: ${JSON.stringify(was)} → "Audited & Co"`);
  await shot(P, 'admin-audit');

  // Filters: an action that never happened shows nothing; the CSV link carries the filter.
  await form.locator('input[name=action]').fill('bot.rotate_token');
  await form.locator('[data-test=find]').click();
  await section.locator('[data-test=status]', { hasText: 'Found: 0' }).waitFor();
  assert.equal(await section.locator('[data-test=audit-table]').count(), 0);
  const href = await form.locator('[data-test=audit-csv]').getAttribute('href');
  assert.equal(href, '/api/admin/v1/audit?format=csv&action=bot.rotate_token');
  await form.locator('input[name=action]').fill('settings');
  await form.locator('[data-test=find]').click();
  await section.locator('[data-test=audit-table] tbody tr', { hasText: 'settings.update' }).first().waitFor();
});

test('supervisors have no audit log section', async () => {
  const email = 'sup@demo.beseda.local';
  env.passwords[email] = 'supervisor-pass-1';
  const made = await api(token, 'POST', '/api/admin/v1/operators',
    { email, name: 'Sup', password: env.passwords[email], role: 'supervisor' });
  assert.equal(made.status, 200, JSON.stringify(made.body));
  const sup = await consolePage('/admin', email);
  await sup.page.locator('[data-test=nav-history]').waitFor();
  assert.equal(await sup.page.locator('[data-test=nav-audit]').count(), 0);
  assert.deepEqual(sup.errors, []);
  await sup.context.close();
});
