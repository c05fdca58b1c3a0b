// Files both ways and internal notes in a real browser (see harness.mjs): a visitor's image
// shown inline to the operator, the operator's PDF downloaded by the visitor from the widget
// (the bytes compared), uploads by button, drop and paste with the server's errors translated,
// a note seen in the workspace and never in the widget, files in the admin panel's history.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { deflateSync } from 'node:zlib';
import {
  env, start, stop, login, setStatus, eventually, chatDetail, openWidget, step, say, shot, consolePage,
} from './harness.mjs';

let admin, anna;

before(async () => {
  await start('files');
  admin = await login('admin@demo.beseda.local');
  anna = await login('anna@demo.beseda.local');
});

after(async () => {
  await stop();
});

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(buf) {
  let c = 0xffffffff;
  for (const b of buf) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
function chunk(type, data) {
  const len = Buffer.alloc(4); len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4); crc.writeUInt32BE(crc32(body));
  return Buffer.concat([len, body, crc]);
}
/** A real PNG (an orange square of `size` pixels) that a browser decodes. */
function png(size) {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(size, 0); ihdr.writeUInt32BE(size, 4);
  ihdr[8] = 8; ihdr[9] = 2; // 8-bit RGB
  const row = Buffer.concat([Buffer.from([0]), Buffer.alloc(size * 3, Buffer.from([0xf0, 0x80, 0x20]))]);
  const raw = Buffer.concat(Array.from({ length: size }, () => row));
  return Buffer.concat([Buffer.from('\x89PNG\r\n\x1a\n', 'binary'), chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw)), chunk('IEND', Buffer.alloc(0))]);
}
const PDF = Buffer.from('%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n% счёт на оплату\n%%EOF\n', 'utf8');

test('files both ways: a visitor image inline, an operator PDF downloaded from the widget; notes stay inside', async () => {
  await setStatus(anna, 'online');
  step('anna opens the workspace (Russian)');
  const ws = await consolePage('/workspace', 'anna@demo.beseda.local', { lang: 'ru' });
  const { page } = ws;
  await page.locator('[data-test=status]').selectOption('online');

  step('a visitor asks and attaches a photo');
  const visitor = await openWidget();
  await say(visitor.frame, 'Посмотрите фото, пожалуйста');
  const image = png(24);
  await visitor.frame.locator('.b-input input[type=file]').setInputFiles({ name: 'фото.png', mimeType: 'image/png', buffer: image });
  await visitor.frame.locator('a.b-file', { hasText: 'фото.png' }).waitFor();

  step('the operator sees the image inline');
  const item = page.locator('[data-test=list-waiting] .w-item, [data-test=list-mine] .w-item').first();
  await item.waitFor();
  await item.click();
  const thumb = page.locator('.w-log [data-test=file-thumb] img');
  await thumb.waitFor();
  await eventually(() => thumb.evaluate((img) => img.complete && img.naturalWidth === 24), 'the thumbnail is decoded');
  const link = page.locator('.w-log .from-visitor [data-test=file-link]', { hasText: 'фото.png' });
  assert.match(await link.textContent(), /Б|КБ/);
  assert.match(await link.getAttribute('href'), /^\/api\/operator\/v1\/files\/[0-9a-f]{32}$/);
  // Clicking the thumbnail opens the image in a new tab, served as a sandboxed image.
  const [tab] = await Promise.all([ws.context.waitForEvent('page'), page.locator('.w-log [data-test=file-thumb]').click()]);
  await tab.waitForLoadState();
  assert.match(tab.url(), /\/api\/operator\/v1\/files\/[0-9a-f]{32}\/image$/);
  await tab.close();
  const served = await page.request.get(env.base + await page.locator('.w-log [data-test=file-thumb]').getAttribute('href'));
  assert.equal(served.headers()['content-type'], 'image/png');
  assert.match(served.headers()['content-security-policy'], /^sandbox/);
  assert.equal(served.headers()['x-content-type-options'], 'nosniff');
  // The download link: an attachment, the same bytes.
  const download = await page.request.get(env.base + await link.getAttribute('href'));
  assert.equal(download.status(), 200);
  assert.match(download.headers()['content-disposition'], /^attachment/);
  assert.deepEqual(Buffer.from(await download.body()), image);
  await shot(page, 'files-visitor-image');

  step('take; a refused upload is explained in Russian');
  const take = page.locator('[data-test=take]');
  if (await take.count()) {
    await take.click();
    await page.locator('[data-test=list-mine] .w-item').first().waitFor();
    await eventually(async () => (await page.locator('[data-test=take]').count()) === 0, 'taken');
  }
  await page.locator('[data-test=attach-input]').setInputFiles({ name: 'run.exe', mimeType: 'application/octet-stream', buffer: Buffer.from('MZ') });
  await page.locator('[data-test=reply-note].c-error', { hasText: 'Такой тип файла нельзя отправить' }).waitFor();

  step('the operator sends a PDF with the attach button');
  await page.locator('[data-test=attach-input]').setInputFiles({ name: 'счёт.pdf', mimeType: 'application/pdf', buffer: PDF });
  await page.locator('.w-log .from-operator [data-test=file-link]', { hasText: 'счёт.pdf' }).waitFor();

  step('the visitor downloads it from the widget: the same bytes');
  const pdfLink = visitor.frame.locator('a.b-file', { hasText: 'счёт.pdf' });
  await pdfLink.waitFor();
  assert.equal(await pdfLink.textContent(), `счёт.pdf (${PDF.length} Б)`);
  assert.equal(await visitor.frame.locator('a.b-file', { hasText: 'фото.png' }).textContent(), `фото.png (${image.length} Б)`);
  await eventually(async () => (await pdfLink.getAttribute('href')).startsWith('/l/v/m/download/'), 'a signed link');
  const got = await pdfLink.evaluate(async (a) => {
    const r = await fetch(a.href);
    return { status: r.status, disposition: r.headers.get('content-disposition'), bytes: Array.from(new Uint8Array(await r.arrayBuffer())) };
  });
  assert.equal(got.status, 200);
  assert.match(got.disposition, /^attachment/);
  assert.deepEqual(Buffer.from(got.bytes), PDF);
  step('an operator image is a thumbnail in the widget');
  await page.locator('[data-test=attach-input]').setInputFiles({ name: 'схема.png', mimeType: 'image/png', buffer: png(32) });
  const widgetImg = visitor.frame.locator('a.b-file', { hasText: 'схема.png' }).locator('img');
  await widgetImg.waitFor();
  await eventually(() => widgetImg.evaluate((img) => img.complete && img.naturalWidth === 32), 'the widget thumbnail is decoded');
  await shot(visitor.page, 'files-widget-pdf');

  step('paste and drop send files too');
  await page.locator('[data-test=reply]').evaluate((ta) => {
    const dt = new DataTransfer();
    dt.items.add(new File(['вставлено из буфера'], 'вставка.txt', { type: 'text/plain' }));
    ta.dispatchEvent(new ClipboardEvent('paste', { clipboardData: dt, bubbles: true, cancelable: true }));
  });
  await page.locator('.w-log [data-test=file-link]', { hasText: 'вставка.txt' }).waitFor();
  await page.locator('[data-test=log]').evaluate((log) => {
    const dt = new DataTransfer();
    dt.items.add(new File(['брошено на чат'], 'брошено.txt', { type: 'text/plain' }));
    log.dispatchEvent(new DragEvent('dragover', { dataTransfer: dt, bubbles: true, cancelable: true }));
    log.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
  });
  await page.locator('.w-log [data-test=file-link]', { hasText: 'брошено.txt' }).waitFor();
  await visitor.frame.locator('a.b-file', { hasText: 'брошено.txt' }).waitFor();

  step('an internal note: in the workspace, never in the widget');
  const note = 'Заметка: клиент ждёт счёт до пятницы';
  await page.locator('[data-test=reply]').fill(note);
  await page.locator('[data-test=add-note]').click();
  await page.locator('.w-log [data-test=note]', { hasText: note }).waitFor();
  assert.equal(await page.locator('[data-test=reply]').inputValue(), '');
  await page.locator('[data-test=reply]').fill('Счёт отправлен');
  await page.locator('[data-test=reply]').press('Enter');
  await visitor.frame.locator('.b-msg', { hasText: 'Счёт отправлен' }).waitFor();
  assert.equal(await visitor.frame.locator('.b-msg', { hasText: 'клиент ждёт' }).count(), 0);
  assert.doesNotMatch(await visitor.frame.locator('body').innerText(), /клиент ждёт|Заметка/);
  await shot(page, 'files-workspace-note');

  // Widget file sizes in both languages (the reload below brings Russian back): bytes below 1 KB, then KB, then MB.
  const app = visitor.page.frames().find((f) => f.url().includes('/widget/frame'));
  const sizes = await app.evaluate(async () => {
    const base = /** @type {HTMLScriptElement} */ (document.querySelector('script[type=module]')).src.replace(/main\.js$/, '');
    const texts = await import(base + 'texts.js'), messages = await import(base + 'messages.js');
    const all = () => [44, 1023, 1024, 200 * 1024, 1536 * 1024].map(messages.fileSize);
    const ru = all();
    texts.speakEnglish();
    return { ru, en: all() };
  });
  assert.deepEqual(sizes.ru, ['44 Б', '1023 Б', '1 КБ', '200 КБ', '1,5 МБ']);
  assert.deepEqual(sizes.en, ['44 B', '1023 B', '1 KB', '200 KB', '1.5 MB']);

  step('the note is there after the visitor reloads, still not in the widget');
  await visitor.page.reload();
  await visitor.frame.locator('.b-msg', { hasText: 'Счёт отправлен' }).waitFor({ state: 'attached' });
  assert.doesNotMatch(await visitor.frame.locator('body').innerText(), /клиент ждёт/);

  step('the admin panel history shows files as name, size and link, and the note');
  const chatId = Number(await page.locator('[data-test=list-mine] .w-item').first().getAttribute('data-chat'));
  const detail = await chatDetail(admin, chatId);
  assert.ok(detail.messages.some((m) => m.kind === 'for_operator' && m.text === note));
  const adm = await consolePage('/admin', 'admin@demo.beseda.local', { lang: 'ru' });
  const P = adm.page;
  await P.locator('[data-test=nav-history]').click();
  await P.locator('[data-test=history-table] tbody tr').first().waitFor();
  await P.locator(`[data-test=history-table] tr[data-id="${chatId}"] [data-test=open]`).click();
  const chat = P.locator('[data-test=history-chat]');
  await chat.locator('[data-test=file-link]', { hasText: 'счёт.pdf' }).waitFor();
  const text = await chat.innerText();
  assert.doesNotMatch(text, /"guid"|visitor_id|client_content_type/);
  assert.match(text, /фото\.png/);
  await chat.locator('[data-test=note]', { hasText: note }).waitFor();
  const href = await chat.locator('[data-test=file-link]', { hasText: 'счёт.pdf' }).getAttribute('href');
  const fromAdmin = await P.request.get(env.base + href);
  assert.deepEqual(Buffer.from(await fromAdmin.body()), PDF);
  await shot(P, 'files-admin-history');

  assert.deepEqual(ws.errors, []);
  assert.deepEqual(adm.errors, []);
  assert.deepEqual(visitor.errors, []);
  await Promise.all([ws.context.close(), adm.context.close(), visitor.context.close()]);
});
