/* The visitor's answers to the surveys after a chat (`surveyAnswers` of GET /chats/{id}), as
   the workspace and the admin panel's history show them under the chat: per survey a compact
   «Опрос / Survey» block, question → answer (stars as "4 / 5", a radio answer as the option's
   text, a comment as written). Everything from the visitor or the survey is text only. */
import { t } from './i18n.js';
import { el } from '../../common/dom.js';

/**
 * The answer as it is shown.
 * @param {{ type: string, answer: string }} a
 */
function shown(a) {
  if (a.type === 'stars') return a.answer + ' / 5';
  return a.answer === '' ? '—' : a.answer;
}

/**
 * The blocks of `answers` (none: null), one per survey in the order given.
 * @param {Array<{ surveyId: number, survey: string, type: string, question: string, answer: string }> | undefined} answers
 * @returns {HTMLElement | null}
 */
export function surveyAnswers(answers) {
  if (!answers || !answers.length) return null;
  /** @type {HTMLElement[]} */
  var blocks = [];
  /** @type {HTMLElement | null} */
  var list = null;
  var last = '';
  answers.forEach(function (a) {
    var key = a.surveyId + '\n' + a.survey;
    if (!list || key !== last) {
      last = key;
      list = el('dl', {});
      blocks.push(el('div', { class: 'c-survey', role: 'group', 'aria-label': t('surveyBlock') + ': ' + a.survey, 'data-test': 'survey-answers' },
        [el('p', { class: 'c-survey-title' }, [el('b', { text: t('surveyBlock') }), ' · ' + a.survey]), list]));
    }
    list.appendChild(el('dt', { text: a.question }));
    list.appendChild(el('dd', { 'data-type': a.type, text: shown(a) }));
  });
  return blocks.length === 1 ? blocks[0] : el('div', {}, blocks);
}
