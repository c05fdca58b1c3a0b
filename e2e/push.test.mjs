// Web Push from a real `beseda serve` to a local push-service stand-in, checked by an
// implementation of its own: the stand-in verifies the VAPID header (RFC 8292: ES256 JWT whose
// signature Node's crypto checks against the served public key, aud = the endpoint's origin,
// exp within 24 h) and decrypts the aes128gcm body (RFC 8291) with the npm package http_ece and
// the keys this test made for the "browser". It answers 429 with Retry-After once (the push
// comes again), 410 once (the subscription is deleted). The VAPID key survives a restart.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import crypto from 'node:crypto';
import ece from 'http_ece';
import { env, start, stop, startServer, stopServer, api, login, setStatus, eventually, step, consolePage, shot } from './harness.mjs';

/** Pushes received: { path, headers, body (Buffer), at }. */
const received = [];
/** Answers to give, per path, first in first out: { status, headers }. */
const plan = new Map();
let pushPort = 0;
let pushServer;

before(async () => {
  pushServer = createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      received.push({ path: req.url, method: req.method, headers: req.headers, body: Buffer.concat(chunks), at: Date.now() });
      const next = plan.get(req.url)?.shift() || { status: 201, headers: {} };
      res.writeHead(next.status, next.headers);
      res.end();
    });
  });
  await new Promise((ok) => pushServer.listen(0, '127.0.0.1', ok));
  pushPort = pushServer.address().port;
  // The stand-in is plain http on loopback: allowed for this host only.
  process.env.BESEDA_PUSH_INSECURE_HOSTS = `127.0.0.1:${pushPort}`;
  process.env.BESEDA_PUSH_PREVIEW_CHARS = '20';
  process.env.BESEDA_PUSH_CONTACT = 'mailto:ops@push.test';
  await start('push');
});

after(async () => {
  await stop();
  pushServer.close();
});

const b64url = (buf) => Buffer.from(buf).toString('base64url');

/** A "browser" subscription: its own P-256 key pair and auth secret. */
function browserKeys() {
  const ecdh = crypto.createECDH('prime256v1');
  ecdh.generateKeys();
  return { ecdh, auth: crypto.randomBytes(16) };
}

async function subscribe(token, path, keys) {
  const endpoint = `http://127.0.0.1:${pushPort}${path}`;
  const r = await api(token, 'PUT', '/api/operator/v1/push/subscription',
    { endpoint, expirationTime: null, keys: { p256dh: b64url(keys.ecdh.getPublicKey()), auth: b64url(keys.auth) } });
  assert.equal(r.status, 200, JSON.stringify(r.body));
}

/** Checks a received push as a push service and the browser would; answers the payload. */
function open(push, keys, publicKey) {
  assert.equal(push.method, 'POST');
  assert.equal(push.headers['content-encoding'], 'aes128gcm');
  assert.match(push.headers.ttl, /^\d+$/);
  assert.ok(Number(push.headers.ttl) > 0);
  assert.ok(['very-low', 'low', 'normal', 'high'].includes(push.headers.urgency), push.headers.urgency);
  // RFC 8292 §3: Authorization: vapid t=<JWT>, k=<public key>.
  const m = /^vapid t=([\w-]+)\.([\w-]+)\.([\w-]+), k=([\w-]+)$/.exec(push.headers.authorization || '');
  assert.ok(m, push.headers.authorization);
  const [, h, c, s, k] = m;
  assert.equal(k, publicKey, 'k is the served public key');
  const header = JSON.parse(Buffer.from(h, 'base64url').toString());
  assert.equal(header.alg, 'ES256');
  const claims = JSON.parse(Buffer.from(c, 'base64url').toString());
  assert.equal(claims.aud, `http://127.0.0.1:${pushPort}`, 'aud is the origin of the endpoint');
  const now = Math.floor(Date.now() / 1000);
  assert.ok(claims.exp > now && claims.exp <= now + 24 * 3600, `exp ${claims.exp} within 24 h of ${now}`);
  assert.equal(claims.sub, 'mailto:ops@push.test');
  const raw = Buffer.from(k, 'base64url');
  const jwk = { kty: 'EC', crv: 'P-256', x: b64url(raw.subarray(1, 33)), y: b64url(raw.subarray(33, 65)) };
  const verified = crypto.verify('sha256', Buffer.from(`${h}.${c}`), { key: crypto.createPublicKey({ key: jwk, format: 'jwk' }), dsaEncoding: 'ieee-p1363' },
    Buffer.from(s, 'base64url'));
  assert.ok(verified, 'the JWT signature verifies with the served public key');
  const plain = ece.decrypt(push.body, { version: 'aes128gcm', privateKey: keys.ecdh, authSecret: keys.auth });
  return JSON.parse(plain.toString('utf8'));
}

/** A visitor over the visitor protocol: init, then messages. */
async function visitor(device) {
  const q = new URLSearchParams({ event: 'init', since: '0', 'respond-immediately': '1', 'device-id': device,
    location: 'default', platform: 'web', title: 'push' });
  const full = (await (await fetch(`${env.base}/l/v/m/init?${q}`)).json()).fullUpdate;
  let n = 0;
  return async (text) => {
    const body = new URLSearchParams({ action: 'chat.message', 'page-id': full.pageId, 'auth-token': full.authToken,
      'client-side-id': `${device}-${++n}`, message: text });
    const r = await (await fetch(`${env.base}/l/v/m/action`, { method: 'POST', body })).json();
    assert.equal(r.result, 'ok', JSON.stringify(r));
  };
}

const pushesTo = (path) => received.filter((p) => p.path === path);

test('pushes for a new chat, a message and a redirect reach the push service, encrypted and signed; 429 is retried, 410 ends the subscription', async () => {
  const anna = await login('anna@demo.beseda.local');
  const boris = await login('boris@demo.beseda.local');
  const key = await api(anna, 'GET', '/api/operator/v1/push/key');
  assert.equal(key.status, 200);
  const publicKey = key.body.publicKey;
  assert.equal(Buffer.from(publicKey, 'base64url').length, 65);

  step('refusals: an http endpoint not on the list, a key that is no key');
  let r = await api(anna, 'PUT', '/api/operator/v1/push/subscription',
    { endpoint: 'http://push.example.com/x', keys: { p256dh: b64url(browserKeys().ecdh.getPublicKey()), auth: b64url(crypto.randomBytes(16)) } });
  assert.equal(r.status, 422);
  assert.equal(r.body.error, 'invalid-push-endpoint');
  r = await api(anna, 'PUT', '/api/operator/v1/push/subscription',
    { endpoint: `http://127.0.0.1:${pushPort}/x`, keys: { p256dh: b64url(crypto.randomBytes(65)), auth: b64url(crypto.randomBytes(16)) } });
  assert.equal(r.status, 422);
  assert.equal(r.body.error, 'invalid-push-key');

  step('Anna opts in and is online; a visitor writes: a new chat for her');
  const annaKeys = browserKeys();
  await subscribe(anna, '/push/anna', annaKeys);
  await setStatus(anna, 'online');
  const say = await visitor('push-visitor');
  await say('Hello! My order 12345 has not arrived yet');
  await eventually(() => pushesTo('/push/anna').length >= 1, 'the first push');
  const first = open(pushesTo('/push/anna')[0], annaKeys, publicKey);
  assert.equal(first.type, 'new_chat');
  assert.ok(Number.isInteger(first.chatId) && first.chatId > 0);
  // Only as much of the visitor's text as push_preview_chars (20) allows.
  assert.equal(first.text, 'Hello! My order 1234');
  assert.equal(pushesTo('/push/anna')[0].headers.urgency, 'high');
  assert.equal(pushesTo('/push/anna')[0].headers.topic, `chat-${first.chatId}`);
  const chat = first.chatId;

  step('she answers; the service is busy (429, Retry-After: 1) for the next push, which comes again');
  r = await api(anna, 'POST', `/api/operator/v1/chats/${chat}/messages`, { clientSideId: 'a1', text: 'Hello, let me check' });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  plan.set('/push/anna', [{ status: 429, headers: { 'retry-after': '1' } }]);
  await say('Thanks');
  await eventually(() => pushesTo('/push/anna').length >= 3, 'the push retried after 429', 20000);
  const [, busy, again] = pushesTo('/push/anna');
  assert.ok(again.at - busy.at >= 900, `retried ${again.at - busy.at} ms after the 429`);
  const busyBody = open(busy, annaKeys, publicKey);
  const againBody = open(again, annaKeys, publicKey);
  assert.deepEqual(againBody, busyBody);
  assert.deepEqual(againBody, { type: 'message', chatId: chat, text: 'Thanks' });
  assert.equal(again.headers.urgency, 'normal');

  step('Boris opts in; Anna redirects the chat to him');
  const borisKeys = browserKeys();
  await subscribe(boris, '/push/boris', borisKeys);
  await setStatus(boris, 'online');
  const me = (await api(boris, 'GET', '/api/operator/v1/me')).body;
  const borisId = me.operator?.id ?? me.id;
  r = await api(anna, 'POST', `/api/operator/v1/chats/${chat}/redirect`, { operatorId: borisId });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  await eventually(() => pushesTo('/push/boris').length >= 1, 'the redirect push');
  assert.deepEqual(open(pushesTo('/push/boris')[0], borisKeys, publicKey), { type: 'redirected', chatId: chat, text: '' });

  step('Boris\'s subscription expired at the push service (410): it is deleted');
  plan.set('/push/boris', [{ status: 410, headers: {} }]);
  await say('Are you there?');
  await eventually(() => pushesTo('/push/boris').length >= 2, 'the push answered 410');
  await eventually(async () => (await api(boris, 'GET', '/api/operator/v1/push/subscription')).body.subscriptions.length === 0,
    'the subscription deleted');
  await say('Hello?');
  await new Promise((ok) => setTimeout(ok, 1500));
  assert.equal(pushesTo('/push/boris').length, 2, 'nothing more after 410');

  step('Anna opts out: no pushes for her any more');
  const before = pushesTo('/push/anna').length;
  r = await api(anna, 'DELETE', '/api/operator/v1/push/subscription', { endpoint: `http://127.0.0.1:${pushPort}/push/anna` });
  assert.deepEqual([r.status, r.body.removed], [200, 1]);
  const other = await visitor('push-visitor-2');
  await other('A new question');
  await new Promise((ok) => setTimeout(ok, 1500));
  assert.equal(pushesTo('/push/anna').length, before);

  step('the VAPID key pair survives a restart');
  await stopServer('SIGTERM');
  await startServer();
  const again2 = await api(await login('anna@demo.beseda.local'), 'GET', '/api/operator/v1/push/key');
  assert.equal(again2.body.publicKey, publicKey);
});

test('the workspace offers the opt-in; its service worker shows a push as a notification', async () => {
  step('the service worker: its own address, JavaScript, revalidated, nothing to load');
  const res = await fetch(`${env.base}/workspace/sw.js`);
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type'), /^text\/javascript/);
  assert.equal(res.headers.get('cache-control'), 'no-cache');
  assert.equal(res.headers.get('content-security-policy'), "default-src 'none'");
  assert.equal(res.headers.get('x-content-type-options'), 'nosniff');

  step('the toggle, in Russian and English; headless Chromium has no push service, which the page says');
  const ru = await consolePage('/workspace', 'boris@demo.beseda.local', { lang: 'ru' });
  await ru.page.locator('[data-test=push-toggle]').waitFor();
  assert.match(await ru.page.locator('label', { has: ru.page.locator('[data-test=push-toggle]') }).innerText(), /Push-уведомления/);
  await ru.context.close();
  const { context, page, errors } = await consolePage('/workspace', 'anna@demo.beseda.local');
  await context.grantPermissions(['notifications'], { origin: env.base });
  const toggle = page.locator('[data-test=push-toggle]');
  assert.match(await page.locator('label', { has: toggle }).innerText(), /Push notifications/);
  await eventually(async () => !(await toggle.isDisabled()), 'the toggle ready');
  assert.equal(await toggle.isChecked(), false);
  await toggle.check({ force: true }).catch(() => {});
  await eventually(async () => /Failed:/.test(await page.locator('[data-test=push-status]').innerText()), 'the failure said');
  assert.equal(await toggle.isChecked(), false);
  await shot(page, 'push-toggle');
  const scope = await page.evaluate(async () => (await navigator.serviceWorker.getRegistration('/workspace/'))?.scope);
  assert.equal(scope, `${env.base}/workspace/`);

  step('a push delivered to the worker (DevTools) while no workspace is in front: a notification');
  await page.goto(`${env.base}/healthz`);
  const cdp = await context.newCDPSession(page);
  const registrations = [];
  cdp.on('ServiceWorker.workerRegistrationUpdated', (e) => registrations.push(...e.registrations));
  await cdp.send('ServiceWorker.enable');
  const reg = await eventually(() => registrations.find((r) => r.scopeURL === `${env.base}/workspace/` && !r.isDeleted), 'the registration');
  await cdp.send('ServiceWorker.deliverPushMessage', { origin: env.base, registrationId: reg.registrationId,
    data: JSON.stringify({ type: 'redirected', chatId: 7, text: '<b>not markup</b>' }) });
  const shown = await eventually(() => page.evaluate(async () => {
    const r = await navigator.serviceWorker.getRegistration('/workspace/');
    return (await r.getNotifications()).map((n) => ({ title: n.title, body: n.body, tag: n.tag, data: n.data }))[0];
  }), 'the notification');
  assert.deepEqual(shown, { title: 'A chat was redirected to you', body: 'Chat 7: <b>not markup</b>', tag: 'beseda-chat-7', data: { chatId: 7 } });
  assert.deepEqual(errors, []);
  await context.close();
});
