// Operator accounts in a real browser (see harness.mjs): an administrator resets a password in
// the admin panel and the operator sets their own at the next login; the operator changes it
// in the workspace; a deactivated operator's open workspace returns to the login at once; a
// deleted operator leaves the list.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { env, start, stop, consolePage, eventually, shot, step } from './harness.mjs';

const ADMIN = 'admin@demo.beseda.local';
const BORIS = 'boris@demo.beseda.local';

before(async () => { await start('accounts'); });
after(async () => { await stop(); });

async function tokenStatus(email, password) {
  const res = await fetch(`${env.base}/api/operator/v1/tokens`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email, password }),
  });
  return res.status;
}

/** The admin panel's editor of the operator with `email`. */
async function editOperator(page, email) {
  await page.locator('[data-test=nav-operators]').click();
  await page.locator('[data-test=operators-table] tr', { hasText: email }).locator('[data-test=edit]').click();
  return page.locator('[data-test=operator-access]');
}

test('a reset password is one-time, the operator changes it, deactivation logs them out, deletion removes them', async () => {
  const admin = await consolePage('/admin', ADMIN);
  const P = admin.page;
  let access = await editOperator(P, BORIS);

  step('reset: the one-time password is shown once');
  await access.locator('[data-test=reset-password]').click();
  const line = access.locator('[data-test=status]');
  await line.filter({ hasText: 'One-time password' }).waitFor();
  const temporary = await line.getAttribute('data-password');
  assert.match(temporary, /^[A-Za-z0-9]{16}$/);
  assert.equal(await tokenStatus(BORIS, env.passwords[BORIS]), 401, 'the old password no longer works');

  step('Boris logs in with it and must set his own');
  const context = await env.browser.newContext({ viewport: { width: 1280, height: 860 } });
  await context.addInitScript(() => { localStorage.setItem('beseda.lang', 'en'); });
  const B = await context.newPage();
  const errors = [];
  B.on('pageerror', (e) => errors.push(String(e)));
  await B.goto(`${env.base}/workspace`);
  await B.locator('input[name=email]').fill(BORIS);
  await B.locator('input[name=password]').fill(temporary);
  await B.locator('button[type=submit]').click();
  await B.locator('[data-test=new-password]').waitFor();
  await B.getByText('This password is one-time').waitFor();
  await B.locator('[data-test=new-password]').fill('boris-own-secret');
  await B.locator('[data-test=new-password-again]').fill('boris-other-secret');
  await B.locator('button[type=submit]').click();
  await B.locator('.c-error', { hasText: 'The passwords differ' }).waitFor();
  await B.locator('[data-test=new-password-again]').fill('boris-own-secret');
  await B.locator('button[type=submit]').click();
  await B.locator('[data-test=me]').waitFor();
  await shot(B, 'accounts-own-password-set');
  assert.equal(await tokenStatus(BORIS, temporary), 401, 'the one-time password is spent');
  assert.equal(await tokenStatus(BORIS, 'boris-own-secret'), 200);

  step('Boris changes his password in the workspace');
  await B.locator('[data-test=change-password]').click();
  const dialog = B.locator('[data-test=dialog]');
  await dialog.locator('[data-test=current-password]').fill('not my password');
  await dialog.locator('[data-test=new-password]').fill('boris-newer-secret');
  await dialog.locator('[data-test=new-password-again]').fill('boris-newer-secret');
  await dialog.locator('[data-test=apply]').click();
  await dialog.locator('.c-error', { hasText: 'The current password is wrong' }).waitFor();
  await dialog.locator('[data-test=current-password]').fill('boris-own-secret');
  await dialog.locator('[data-test=apply]').click();
  await dialog.waitFor({ state: 'detached' });
  assert.equal(await tokenStatus(BORIS, 'boris-own-secret'), 401);
  assert.equal(await tokenStatus(BORIS, 'boris-newer-secret'), 200);
  // His own session goes on (no reload: the page logged in through the form must notice when
  // the session ends later).
  assert.equal(await B.evaluate(() => fetch('/api/operator/v1/me').then((r) => r.status)), 200);

  step('deactivated: his open workspace goes back to the login');
  access = await editOperator(P, BORIS);
  await access.locator('[data-test=deactivate]').click();
  await P.locator('[data-test=operators-table] tr', { hasText: BORIS }).filter({ hasText: 'deactivated' }).waitFor();
  await B.locator('input[name=password]').waitFor({ timeout: 10000 });
  await B.locator('input[name=email]').fill(BORIS);
  await B.locator('input[name=password]').fill('boris-newer-secret');
  await B.locator('button[type=submit]').click();
  await B.locator('.c-error', { hasText: 'This account is deactivated' }).waitFor();
  await shot(B, 'accounts-deactivated');

  step('activated again, then deleted');
  access = await editOperator(P, BORIS);
  await access.locator('[data-test=activate]').click();
  await eventually(async () => (await tokenStatus(BORIS, 'boris-newer-secret')) === 200, 'Boris can log in again');
  access = await editOperator(P, BORIS);
  P.once('dialog', (d) => d.accept());
  await access.locator('[data-test=delete-operator]').click();
  await eventually(async () => (await P.locator('[data-test=operators-table] tr', { hasText: BORIS }).count()) === 0,
    'Boris is gone from the list');
  assert.equal(await tokenStatus(BORIS, 'boris-newer-secret'), 401);
  assert.deepEqual(errors, [], 'no script errors in the workspace');
  assert.deepEqual(admin.errors, [], 'no script errors in the admin panel');
  await context.close();
  await admin.context.close();
});

/** RFC 6238 TOTP (6 digits, 30 s, HMAC-SHA1) with Node's own crypto: an independent check. */
async function totp(base32) {
  const { createHmac } = await import('node:crypto');
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = '';
  for (const c of base32.replace(/=+$/, '')) bits += alphabet.indexOf(c).toString(2).padStart(5, '0');
  const key = Buffer.from(bits.match(/.{8}/g).map((b) => parseInt(b, 2)));
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(Date.now() / 30000)));
  const mac = createHmac('sha1', key).update(counter).digest();
  const offset = mac[19] & 0xf;
  return String((mac.readUInt32BE(offset) & 0x7fffffff) % 1000000).padStart(6, '0');
}

test('two-factor: set up in the workspace, then the login asks for the code', async () => {
  const ANNA = 'anna@demo.beseda.local';
  const anna = await consolePage('/workspace', ANNA);
  const P = anna.page;
  await P.locator('[data-test=two-factor]').click();
  const secret = await P.locator('[data-test=totp-secret]').textContent();
  await P.locator('[data-test=dialog] [data-test=totp]').fill(await totp(secret));
  await P.locator('[data-test=dialog] [data-test=apply]').click();
  await P.locator('[data-test=recovery-codes] li').first().waitFor();
  assert.equal(await P.locator('[data-test=recovery-codes] li').count(), 10);
  await shot(P, 'accounts-two-factor-codes');
  await P.locator('[data-test=dialog] [data-test=apply]').click();
  await P.locator('[data-test=me]').waitFor();
  await P.locator('[data-test=logout]').click();
  await P.locator('input[name=password]').waitFor();
  await P.locator('input[name=email]').fill(ANNA);
  await P.locator('input[name=password]').fill(env.passwords[ANNA]);
  await P.locator('button[type=submit]').click();
  await P.locator('[data-test=totp]').waitFor();
  assert.equal(await tokenStatus(ANNA, env.passwords[ANNA]), 401, 'the password alone is not enough');
  // A new 30-second step, so the code differs from the one that enabled it (each is good once).
  await new Promise((r) => setTimeout(r, 30000 - (Date.now() % 30000) + 200));
  await P.locator('[data-test=totp]').fill(await totp(secret));
  await P.locator('button[type=submit]').click();
  await P.locator('[data-test=me]').waitFor();
  assert.deepEqual(anna.errors, [], 'no script errors');
  await anna.context.close();
});
