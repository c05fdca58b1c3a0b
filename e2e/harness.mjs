// What the browser tests share: the real `beseda serve --demo` binary on a free port with its
// own data folder, Debian's Chromium through playwright-core, the operator API, and polling.
//   BESEDA_BIN       the beseda binary (default: ../target/debug/beseda)
//   CHROMIUM         the browser (default: /usr/bin/chromium)
//   BESEDA_ARTIFACTS where screenshots go (default: ./artifacts)
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = dirname(fileURLToPath(import.meta.url));
const BIN = resolve(process.env.BESEDA_BIN || join(here, '../target/debug/beseda'));
export const ARTIFACTS = resolve(process.env.BESEDA_ARTIFACTS || join(here, 'artifacts'));
mkdirSync(ARTIFACTS, { recursive: true });

/** The running server and browser: `base` (http://127.0.0.1:port), `browser`, demo `passwords`. */
export const env = { dataDir: null, port: 0, base: '', server: null, browser: null, passwords: {} };

function freePort() {
  return new Promise((ok) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => { const p = s.address().port; s.close(() => ok(p)); });
  });
}

/** Starts `beseda serve --demo`; resolves when it listens (collecting demo passwords). */
export function startServer() {
  return new Promise((ok, fail) => {
    const child = spawn(BIN, ['serve', '--demo', '--listen', `127.0.0.1:${env.port}`, '--data-dir', env.dataDir], {
      // Every browser and API client of the scenarios comes from 127.0.0.1 (one of them starts
      // 1,000 chats): the per-address visitor limits are off here and tested in throttling.rs.
      env: { ...process.env, BESEDA_LOG_LEVEL: 'warn', BESEDA_DATABASE_URL: '', BESEDA_LONGPOLL_HOLD_SECS: '5',
        BESEDA_VISITOR_INITS_PER_MINUTE: '0', BESEDA_VISITOR_CHATS_PER_MINUTE: '0', BESEDA_VISITOR_MESSAGES_PER_MINUTE: '0' },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      for (const m of out.matchAll(/demo\s+\S+\s+(\S+)\s+one-time password: (\S+)/g)) env.passwords[m[1]] = m[2];
      if (out.includes('listening on')) { env.server = child; ok(child); }
    });
    child.on('exit', (code) => fail(new Error(`beseda exited with ${code}: ${out}`)));
  });
}

/** Demo passwords are one-time: the first login of each account sets a password of its own,
 * which the scenarios use from then on. */
async function ownPasswords() {
  for (const [email, password] of Object.entries(env.passwords)) {
    const own = `${password}-own`;
    const res = await fetch(`${env.base}/api/operator/v1/tokens`, {
      method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email, password, newPassword: own }),
    });
    assert.equal(res.status, 200, `${email}: ${await res.text()}`);
    env.passwords[email] = own;
  }
}

export async function stopServer(signal = 'SIGKILL') {
  env.server.removeAllListeners('exit');
  const done = new Promise((ok) => env.server.once('exit', ok));
  env.server.kill(signal);
  await done;
}

/** A fresh data folder, server and browser; `stop` undoes it. */
export async function start(name) {
  console.log(`screenshots: ${ARTIFACTS}`);
  env.dataDir = mkdtempSync(join(tmpdir(), `beseda-${name}-`));
  env.port = await freePort();
  env.base = `http://127.0.0.1:${env.port}`;
  await startServer();
  await ownPasswords();
  try {
    env.browser = await chromium.launch({ executablePath: process.env.CHROMIUM || '/usr/bin/chromium', args: ['--no-sandbox'] });
  } catch (e) {
    // Without a browser the scenarios cannot run; do not leave the server holding the run open.
    await stopServer();
    throw e;
  }
}

export async function stop() {
  await env.browser?.close();
  if (env.server) await stopServer();
  rmSync(env.dataDir, { recursive: true, force: true });
}

export async function api(token, method, path, body) {
  const res = await fetch(env.base + path, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: await res.json().catch(() => null) };
}

/** A bearer token for a demo account. */
export async function login(email) {
  const res = await fetch(`${env.base}/api/operator/v1/tokens`, {
    method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password: env.passwords[email] }),
  });
  const body = await res.json();
  assert.ok(body.token, JSON.stringify(body));
  return body.token;
}

export async function setStatus(token, status) {
  const r = await api(token, 'PUT', '/api/operator/v1/status', { status });
  assert.equal(r.status, 200, JSON.stringify(r.body));
}

/** Polls until `fn` returns a truthy value. */
export async function eventually(fn, what, ms = 15000) {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 150));
  }
}

export async function waitingChat(token) {
  return eventually(async () => (await api(token, 'GET', '/api/operator/v1/chats?list=waiting')).body?.chats?.[0], 'a waiting chat');
}

export async function chatDetail(token, id) {
  return (await api(token, 'GET', `/api/operator/v1/chats/${id}`)).body;
}

/** A fresh visitor (own storage) on the demo page, with the chat window open. */
export async function openWidget(location = 'default') {
  const context = await env.browser.newContext({ viewport: { width: 1100, height: 800 } });
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('dialog', (d) => { errors.push(`dialog: ${d.message()}`); d.dismiss(); });
  await page.goto(`${env.base}/demo${location === 'default' ? '' : `?location=${location}`}`);
  await page.locator('#beseda-button').click();
  const frame = page.frameLocator('iframe');
  await frame.locator('.b-app[data-ready]').waitFor();
  return { context, page, frame, errors };
}

const started = Date.now();
/** Progress on stderr, so a hang shows where it is. */
export function step(what) { process.stderr.write(`[${((Date.now() - started) / 1000).toFixed(1)}s] ${what}\n`); }

/** The visitor writes in the widget. */
export async function say(frame, text) {
  await frame.locator('.b-input textarea').fill(text);
  await frame.locator('.b-input textarea').press('Enter');
}

export async function shot(page, name) {
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`) });
}

/** A browser page logged into the console (`/workspace` or `/admin`) as a demo account. */
export async function consolePage(path, email, { viewport = { width: 1280, height: 860 }, lang = 'en' } = {}) {
  const context = await env.browser.newContext({ viewport });
  await context.addInitScript((l) => { localStorage.setItem('beseda.lang', l); }, lang);
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(env.base + path);
  await page.locator('input[name=email]').fill(email);
  await page.locator('input[name=password]').fill(env.passwords[email]);
  await page.locator('button[type=submit]').click();
  await page.locator('[data-test=me]').waitFor();
  return { context, page, errors };
}

const AXE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/**
 * Critical and serious axe-core violations inside `selector` of `page` (a page or a frame);
 * axe-core is evaluated by the test, so the page's own CSP does not stop it.
 * @param {any} page
 * @param {string} [selector]
 */
export async function axe(page, selector = 'body') {
  if (!(await page.evaluate(() => 'axe' in window))) await page.evaluate(AXE);
  return page.evaluate(async (sel) => {
    const r = await window.axe.run(sel, { resultTypes: ['violations'] });
    return r.violations.filter((v) => v.impact === 'critical' || v.impact === 'serious')
      .map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
  }, selector);
}
