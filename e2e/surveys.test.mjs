// Post-chat surveys in real browsers (see harness.mjs): an administrator builds a survey of two
// forms in the admin panel from the keyboard (the browser's checks and the server's refusals
// said in Russian at the form and question they are about, the field marked, described by the
// message and focused), the operator closes a chat, the visitor's widget shows the survey
// question by question and answers it (radio by number from 1, the comment box's limit and its
// hint of what the visitor can do, in Russian and English, the focus on the
// thanks note after the last answer, in the message box after a skip), the answers show under
// the chat in the workspace and the admin history, the results reach «Survey results», and a
// delete moves the focus to the next row; axe-core finds no critical or serious problem in the
// survey editor, the widget's survey, the answers and the results.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { start, stop, api, login, setStatus, waitingChat, openWidget, say, shot, consolePage, step, eventually, axe } from './harness.mjs';

const ADMIN = 'admin@demo.beseda.local';
/* The visitor's comment: markup in it stays text wherever it is shown. */
const COMMENT = '<i>Отвечать</i> быстрее';
const ANSWERS = [['Оцените работу оператора', '4 / 5'], ['Вопрос решён?', 'Нет'], ['Что нам улучшить?', COMMENT]];

/** The survey block's question → answer pairs, and whether any markup got in. */
async function answersShown(block) {
  return block.evaluate((b) => ({
    title: b.querySelector('.c-survey-title').textContent,
    pairs: Array.from(b.querySelectorAll('dt')).map((dt) => [dt.textContent, dt.nextElementSibling.textContent]),
    markup: !!b.querySelector('dd *')
  }));
}

let admin, boris;

before(async () => {
  await start('surveys');
  admin = await login(ADMIN);
  boris = await login('boris@demo.beseda.local');
  await setStatus(boris, 'online');
});

after(async () => {
  await stop();
});

test('a survey built in the admin panel is answered in the widget after the chat and shows in the results', async () => {
  step('the admin builds a survey from the keyboard');
  const { page, errors, context } = await consolePage('/admin', ADMIN, { lang: 'ru' });
  await page.locator('[data-test=nav-surveys]').click();
  const form = page.locator('[data-test=section-surveys] [data-test=form-survey]');
  await form.waitFor();
  await page.locator('[data-test=surveys-empty]').waitFor();
  await form.locator('input[name=title]').fill('После диалога');
  const q1 = form.locator('[data-test=survey-question]').nth(0);
  assert.equal(await q1.locator('legend').textContent(), 'Вопрос 1');
  await q1.locator('textarea[name=text]').fill('Оцените работу оператора');
  assert.equal(await q1.locator('textarea[name=options]').isVisible(), false, 'a stars question has no options');
  assert.equal(await q1.locator('input[name=maxLength]').isVisible(), false, 'nor a length limit');
  // A second question: a choice of options, chosen with the keyboard.
  await form.locator('[data-test=add-question]').first().focus();
  await page.keyboard.press('Enter');
  const q2 = form.locator('[data-test=survey-question]').nth(1);
  assert.equal(await page.evaluate(() => document.activeElement.getAttribute('name')), 'type', 'the new question takes the focus');
  await q2.locator('select[name=type]').selectOption('radio');
  assert.equal(await q2.locator('textarea[name=options]').isVisible(), true);
  await q2.locator('textarea[name=text]').fill('Вопрос решён?');
  await q2.locator('textarea[name=options]').fill('Да\nНет');
  // A second form with a comment.
  await form.locator('[data-test=add-form]').click();
  const f2 = form.locator('[data-test=survey-form]').nth(1);
  assert.equal(await f2.locator('legend').first().textContent(), 'Форма 2');
  await f2.locator('select[name=type]').selectOption('comment');
  await f2.locator('textarea[name=text]').fill('Что нам улучшить?');
  await f2.locator('input[name=maxLength]').fill('200');
  assert.deepEqual(await axe(page), [], 'the survey editor passes axe-core');

  step('the browser\'s own checks name the form and the question, mark the field and move the focus to it');
  const status = form.locator('[data-test=status]');
  const limit = f2.locator('input[name=maxLength]');
  await limit.fill('6000');
  await form.locator('[data-test=save]').click();
  await status.filter({ hasText: 'Форма 2, вопрос 1: Наибольшая длина комментария — от 1 до 5000' }).waitFor();
  assert.equal(await status.getAttribute('class'), 'c-error');
  assert.equal(await limit.getAttribute('aria-invalid'), 'true');
  const statusId = await status.getAttribute('id');
  assert.ok(statusId, 'the status line has an id');
  assert.equal(await limit.getAttribute('aria-describedby'), statusId, 'the field is described by the error');
  assert.equal(await page.evaluate(() => document.activeElement.getAttribute('name')), 'maxLength', 'the field takes the focus');
  assert.equal(await page.evaluate(() => document.activeElement.closest('[data-test=survey-form]') ===
    document.querySelectorAll('[data-test=survey-form]')[1]), true, 'in the second form');
  assert.deepEqual(await axe(page, '[data-test=form-survey]'), [], 'the marked editor passes axe-core');
  // Fixed, the marks go at once.
  await limit.fill('200');
  assert.equal(await limit.getAttribute('aria-invalid'), null);
  assert.equal(await limit.getAttribute('aria-describedby'), null);
  // A limit typed for a question that is then made another type is not checked (nor sent).
  await q1.locator('select[name=type]').selectOption('comment');
  await q1.locator('input[name=maxLength]').fill('9999');
  await q1.locator('select[name=type]').selectOption('stars');

  step('refusals are said in the panel\'s language at the question they are about');
  await q2.locator('textarea[name=options]').fill('Да\n да ');
  await form.locator('[data-test=save]').click();
  await status.filter({ hasText: 'Форма 1, вопрос 2: Варианты ответа повторяются' }).waitFor();
  assert.equal(await status.getAttribute('class'), 'c-error');
  assert.doesNotMatch(await status.textContent(), /options|given twice/, 'no English server message');
  assert.equal(await q2.locator('textarea[name=options]').getAttribute('aria-invalid'), 'true');
  assert.equal(await q2.locator('textarea[name=options]').getAttribute('aria-describedby'), statusId);
  assert.equal(await page.evaluate(() => document.activeElement.getAttribute('name')), 'options', 'the options take the focus');
  await q2.locator('textarea[name=options]').fill('Да\nНет');
  await q1.locator('textarea[name=text]').fill('   ');
  await form.locator('[data-test=save]').click();
  await status.filter({ hasText: 'Форма 1, вопрос 1: Текст вопроса — от 1 до 1000 символов, не только пробелы' }).waitFor();
  assert.equal(await q1.locator('textarea[name=text]').getAttribute('aria-invalid'), 'true');
  assert.equal(await q2.locator('textarea[name=options]').getAttribute('aria-invalid'), null, 'the old mark is gone');
  assert.equal(await q2.locator('textarea[name=options]').getAttribute('aria-describedby'), null);
  assert.equal(await q1.locator('textarea[name=text]').getAttribute('aria-describedby'), statusId);
  assert.deepEqual((await api(admin, 'GET', '/api/admin/v1/surveys')).body.surveys, [], 'nothing refused is saved');
  await q1.locator('textarea[name=text]').fill('Оцените работу оператора');
  await form.locator('[data-test=save]').click();
  await form.locator('[data-test=status].c-ok', { hasText: 'Сохранено' }).waitFor();
  const row = page.locator('[data-test=surveys-table] tbody tr');
  await row.first().waitFor();
  assert.match(await row.first().textContent(), /После диалога/);
  await shot(page, 'surveys-editor');
  const surveys = (await api(admin, 'GET', '/api/admin/v1/surveys')).body.surveys;
  assert.equal(surveys.length, 1);
  assert.deepEqual(surveys[0].forms.map((f) => f.questions.map((q) => q.type)), [['stars', 'radio'], ['comment']]);
  assert.deepEqual(surveys[0].forms[0].questions[1].options, ['Да', 'Нет']);
  assert.equal(surveys[0].forms[1].questions[0].maxLength, 200);
  const on = await api(admin, 'PATCH', '/api/admin/v1/settings', { surveys: true });
  assert.equal(on.status, 200, JSON.stringify(on.body));

  step('the visitor chats; the operator closes the chat');
  const visitor = await openWidget();
  const { frame } = visitor;
  await say(frame, 'Здравствуйте, вопрос по доставке');
  const chat = await waitingChat(boris);
  assert.equal((await api(boris, 'POST', `/api/operator/v1/chats/${chat.id}/take`, {})).status, 200);
  assert.equal((await api(boris, 'POST', `/api/operator/v1/chats/${chat.id}/close`, {})).status, 200);

  step('the widget asks the questions one by one');
  const survey = frame.locator('[data-test=survey]');
  await survey.waitFor();
  await survey.locator('.b-survey-q', { hasText: 'Оцените работу оператора' }).waitFor();
  const widgetDoc = visitor.page.frames().find((f) => f.url().includes('/widget/frame'));
  assert.deepEqual(await axe(widgetDoc), [], 'the widget with the survey passes axe-core');
  await shot(visitor.page, 'surveys-widget-stars');
  await survey.locator('button[aria-label="Оценка 4 из 5"]').click();
  await survey.locator('.b-survey-q', { hasText: 'Вопрос решён?' }).waitFor();
  // The visitor was answering: the next question takes the focus (the old panel is gone).
  await widgetDoc.waitForFunction(() => !!document.activeElement && !!document.activeElement.closest('[data-test=survey]'));
  await survey.locator('button', { hasText: 'Нет' }).click();
  await survey.locator('.b-survey-q', { hasText: 'Что нам улучшить?' }).waitFor();

  step('the comment box: the survey\'s limit, the characters left, nothing to send until there is text');
  const comment = survey.locator('textarea');
  const send = survey.locator('button[type=submit]');
  assert.equal(await comment.getAttribute('maxlength'), '200', 'the limit the server enforces');
  // The hint says what the visitor can do (send, or skip) and describes the box and the button.
  assert.equal(await comment.getAttribute('aria-describedby'), 'b-survey-hint b-survey-left');
  assert.equal(await survey.locator('#b-survey-hint').textContent(),
    'Напишите комментарий и нажмите «Отправить» — или «Пропустить опрос», если отвечать не хотите.');
  assert.equal(await survey.locator('#b-survey-left').textContent(), 'Осталось символов: 200 из 200');
  assert.equal(await send.isDisabled(), true, 'nothing to send yet');
  assert.equal(await send.getAttribute('aria-describedby'), 'b-survey-hint');
  await comment.fill('   ');
  assert.equal(await send.isDisabled(), true, 'spaces only are nothing to send');
  await comment.fill(COMMENT);
  assert.equal(await survey.locator('#b-survey-left').textContent(), 'Осталось символов: 177 из 200');
  // The live region says it once typing pauses.
  await survey.locator('.b-sr[aria-live=polite]', { hasText: 'Осталось символов: 177 из 200' }).waitFor();
  assert.equal(await send.isDisabled(), false);
  assert.equal(await survey.locator('#b-survey-hint').isVisible(), true, 'the hint stays');
  assert.deepEqual(await axe(widgetDoc), [], 'the comment question passes axe-core');
  await send.click();
  await survey.waitFor({ state: 'detached' });

  step('after the last answer the thanks note has the focus');
  await frame.locator('[data-test=note]', { hasText: 'Спасибо за ответы!' }).waitFor();
  await widgetDoc.waitForFunction(() => document.activeElement && document.activeElement.getAttribute('data-test') === 'note');
  assert.equal(await widgetDoc.evaluate(() => document.activeElement.getAttribute('tabindex')), '-1');
  // The survey's end arrives from the server too and redraws the window: the focus stays.
  await widgetDoc.waitForTimeout(1500);
  assert.equal(await widgetDoc.evaluate(() => document.activeElement.textContent), 'Спасибо за ответы!');
  assert.deepEqual(visitor.errors, []);

  step('the operator sees the answers under the chat in the workspace (as the chat is opened)');
  const ws = await consolePage(`/workspace#chat=${chat.id}`, 'boris@demo.beseda.local', { lang: 'ru' });
  const wsBlock = ws.page.locator('[data-test=log] [data-test=survey-answers]');
  await wsBlock.waitFor();
  assert.deepEqual(await answersShown(wsBlock), { title: 'Опрос · После диалога', pairs: ANSWERS, markup: false });
  assert.equal(await wsBlock.getAttribute('aria-label'), 'Опрос: После диалога');
  assert.deepEqual(await axe(ws.page), [], 'the workspace with the survey answers passes axe-core');
  await shot(ws.page, 'surveys-workspace');
  assert.deepEqual(ws.errors, []);
  await ws.context.close();

  step('the results in the panel');
  const results = await eventually(async () => {
    const r = (await api(admin, 'GET', '/api/admin/v1/surveys/results')).body;
    return r && r.surveys && r.surveys[0] && r.surveys[0].completed === 1 ? r : null;
  }, 'the completed survey in the results');
  const qs = results.surveys[0].questions;
  assert.deepEqual(qs.map((q) => q.answers), [1, 1, 1]);
  assert.equal(qs[0].avgStars, 4);
  assert.deepEqual(qs[1].counts, { Нет: 1 });
  await page.locator('[data-test=nav-surveyResults]').click();
  const table = page.locator('[data-test=section-surveyResults] [data-test=survey-results-table]');
  await table.waitFor();
  assert.match(await table.textContent(), /Вопрос решён\?.*Нет: 1/s);
  assert.match(await page.locator('[data-test=survey-offers]').textContent(), /пройдено: 1/);
  assert.deepEqual(await axe(page), [], 'the survey results pass axe-core');
  const csvHref = await page.locator('[data-test=survey-results-csv]').getAttribute('href');
  assert.match(csvHref, /^\/api\/admin\/v1\/surveys\/results\?format=csv&from=/);
  await shot(page, 'surveys-results');
  // A period the server would refuse is said in Russian, not with the server's English.
  const period = page.locator('[data-test=form-survey-results]');
  const to = await period.locator('input[name=to]').inputValue();
  await period.locator('input[name=from]').fill('2099-01-01');
  await period.locator('[data-test=show]').click();
  await page.locator('[data-test=section-surveyResults] [data-test=status]', { hasText: 'Начало периода позже его конца' }).waitFor();
  await period.locator('input[name=from]').fill(to);

  step('the admin panel\'s chat history shows the answers with the chat');
  await page.locator('[data-test=nav-history]').click();
  await page.locator(`[data-test=history-table] tr[data-id="${chat.id}"] [data-test=open]`).click();
  const historyBlock = page.locator('[data-test=history-chat] [data-test=survey-answers]');
  await historyBlock.waitFor();
  assert.deepEqual(await answersShown(historyBlock), { title: 'Опрос · После диалога', pairs: ANSWERS, markup: false });
  assert.deepEqual(await axe(page), [], 'the history with the survey answers passes axe-core');

  step('surveys are deleted from the list; the focus goes to the next row, then to the form');
  const second = await api(admin, 'PUT', '/api/admin/v1/surveys', { title: 'Второй опрос', forms: [{ questions: [{ type: 'stars', text: 'Оцените' }] }] });
  assert.equal(second.status, 200, JSON.stringify(second.body));
  await page.locator('[data-test=nav-surveys]').click();
  const rows = page.locator('[data-test=surveys-table] tbody tr');
  await rows.nth(1).waitFor();
  const del = rows.first().locator('[data-test=delete]');
  await del.click();
  await del.click();
  await rows.first().filter({ hasText: 'Второй опрос' }).waitFor();
  assert.equal(await rows.count(), 1);
  await page.waitForFunction(() => document.activeElement && document.activeElement.getAttribute('data-test') === 'edit');
  assert.match(await page.evaluate(() => document.activeElement.closest('tr').textContent), /Второй опрос/, 'the next row\'s control has the focus');
  await del.click();
  await del.click();
  await page.locator('[data-test=surveys-empty]').waitFor();
  await page.waitForFunction(() => document.activeElement && document.activeElement.getAttribute('data-test') === 'survey-form-heading');
  assert.equal(await page.evaluate(() => document.activeElement.textContent), 'Новый опрос', 'none left: the form\'s heading');
  assert.deepEqual(errors, []);
  await visitor.context.close();
  await context.close();
});

test('a skipped survey leaves the focus in the message box; the comment hint in English', async () => {
  const made = await api(admin, 'PUT', '/api/admin/v1/surveys', { title: 'Short', forms: [{ questions: [{ type: 'comment', text: 'Anything to add?' }] }] });
  assert.equal(made.status, 200, JSON.stringify(made.body));
  const visitor = await openWidget('english');
  const { frame } = visitor;
  await say(frame, 'One more question');
  const chat = await waitingChat(boris);
  assert.equal((await api(boris, 'POST', `/api/operator/v1/chats/${chat.id}/take`, {})).status, 200);
  assert.equal((await api(boris, 'POST', `/api/operator/v1/chats/${chat.id}/close`, {})).status, 200);
  const survey = frame.locator('[data-test=survey]');
  await survey.locator('.b-survey-q', { hasText: 'Anything to add?' }).waitFor();
  assert.equal(await survey.locator('#b-survey-hint').textContent(),
    'Write a comment and press “Send”, or press “Skip the survey” if you would rather not answer.');
  assert.equal(await survey.locator('textarea').getAttribute('aria-describedby'), 'b-survey-hint b-survey-left');
  await survey.locator('button', { hasText: 'Skip the survey' }).focus();
  await visitor.page.keyboard.press('Enter');
  await survey.waitFor({ state: 'detached' });
  const widgetDoc = visitor.page.frames().find((f) => f.url().includes('/widget/frame'));
  await widgetDoc.waitForFunction(() => document.activeElement && !!document.activeElement.closest('.b-input'));
  assert.equal(await widgetDoc.evaluate(() => document.activeElement.tagName), 'TEXTAREA', 'the message box has the focus');
  assert.deepEqual(visitor.errors, []);
  assert.equal((await api(admin, 'DELETE', `/api/admin/v1/surveys/${made.body.survey.id}`)).status, 200);
  await visitor.context.close();
});
