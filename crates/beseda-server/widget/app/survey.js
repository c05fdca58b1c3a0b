/* The survey after a chat (visitor-api.md §9.8): the current question — stars, one of the
   options, or a comment — answered with `survey.answer`, or closed with `survey.cancel`. The
   server's next `SURVEY` (or `null`) redraws it. The questions come from the organisation; they
   are shown as text only. */
import { el } from '../../common/dom.js';
import { input, text } from './layout.js';
import { post } from './net.js';
import { S } from './state.js';
import { t } from './texts.js';
import { render } from './view.js';

/* The panel shown for the current question, kept while the question stays the same (so a
   comment being typed survives redraws). */
var shown = { key: '', node: /** @type {HTMLElement | null} */ (null) };
/* The visitor acted inside the survey: the next question (or the chat) takes the focus. */
var refocus = false;
/* Answers that say the survey is gone (turned off, closed, replaced): the panel goes too. */
var GONE = ['survey_disabled', 'no-current-survey', 'incorrect-survey-id'];

/** Shows the outcome of a survey action in `err`; a survey that is gone is removed. */
function outcome(r, err) {
  if (!r.error) return;
  if (GONE.indexOf(r.error) >= 0) {
    // Say so, and give the note the focus the panel had.
    refocus = false; S.note = t.surveyClosed; S.focusNote = true; S.survey = null; render(); return;
  }
  err.textContent = t.errors[r.error] || r.error;
}

/** Whether the question at `at` is the survey's last one. @param {any} s @param {any} at */
function last(s, at) {
  var forms = s.config.descriptor.forms || [], i = forms.findIndex(function (f) { return f.id === at.form_id; });
  return i >= 0 && at.question_id + 1 >= forms[i].questions.length &&
    !forms.slice(i + 1).some(function (f) { return f.questions && f.questions.length; });
}

/* The survey is over and its panel goes: the focus moves to the thanks note (after the last
   answer) or to the message box (after a skip), not to the page's body. */
function finished(thanks) {
  refocus = false;
  if (thanks || input.hidden) { S.note = thanks ? t.surveyThanks : t.surveyClosed; S.focusNote = true; S.survey = null; render(); return; }
  S.survey = null; render();
  text.focus();
}

/* Announces the characters left once the visitor pauses typing (not at every key). */
var quiet = 0;

/**
 * A comment question's box: the server's limit as `maxlength` (the question's `maxLength`,
 * else 1000) with the characters left shown and announced, and a send button that stays off
 * until there is something to send (spaces only are nothing). A hint under the box says what
 * the visitor can do — send a comment, or skip the survey — and describes the box and the send
 * button (so it is heard in the box, and says why the button is off). Returns the box.
 * @param {HTMLElement} box @param {any} q @param {(value: string) => void} answer
 */
function commentBox(box, q, answer) {
  var limit = q.maxLength > 0 ? q.maxLength : 1000;
  var comment = el('textarea'); comment.rows = 3; comment.maxLength = limit;
  comment.setAttribute('aria-labelledby', 'b-survey-q');
  var left = el('p', { class: 'b-note', id: 'b-survey-left' });
  var spoken = el('p', { class: 'b-sr', 'aria-live': 'polite' });
  var hint = el('p', { class: 'b-note', id: 'b-survey-hint', text: t.surveyCommentHint.replace('{send}', t.send).replace('{skip}', t.surveySkip) });
  comment.setAttribute('aria-describedby', 'b-survey-hint b-survey-left');
  var ok = el('button', { text: t.send }); ok.type = 'submit';
  ok.setAttribute('aria-describedby', 'b-survey-hint');
  function update(speak) {
    var said = t.surveyLeft.replace('{n}', String(limit - comment.value.length)).replace('{max}', String(limit));
    left.textContent = said;
    var empty = !comment.value.trim();
    ok.disabled = empty;
    clearTimeout(quiet);
    if (speak) quiet = setTimeout(function () { spoken.textContent = said; }, 700);
  }
  comment.addEventListener('input', function () { update(true); });
  box.addEventListener('submit', function (e) {
    e.preventDefault();
    if (comment.value.trim()) answer(comment.value.trim());
  });
  [comment, hint, left, spoken, ok].forEach(function (n) { box.appendChild(n); });
  update(false);
  return comment;
}

/** The panel of the running survey, or null when there is none. */
export function surveyPanel() {
  var s = S.survey;
  if (!s || !s.config || !s.current_question) { shown = { key: '', node: null }; return null; }
  var at = s.current_question;
  var key = s.id + '/' + at.form_id + '/' + at.question_id;
  if (shown.key === key && shown.node) return shown.node;
  var form = (s.config.descriptor.forms || []).filter(function (f) { return f.id === at.form_id; })[0];
  var q = form && form.questions[at.question_id];
  if (!q) return null;
  var box = el('form', { class: 'b-form b-survey' });
  box.setAttribute('aria-label', t.survey);
  box.setAttribute('data-test', 'survey');
  var title = el('p', { class: 'b-survey-q', text: q.text });
  title.id = 'b-survey-q';
  var err = el('p', { class: 'b-error' }); err.setAttribute('role', 'alert');
  box.appendChild(el('p', { class: 'b-note', text: t.surveyIntro }));
  box.appendChild(title);
  function answer(value) {
    err.textContent = ''; refocus = true;
    post('survey.answer', { 'survey-id': s.id, 'form-id': String(at.form_id), 'question-id': String(at.question_id), answer: value })
      .then(function (r) { if (!r.error && last(s, at)) finished(true); else outcome(r, err); })
      .catch(function () { err.textContent = t.retry; });
  }
  var first = null;
  if (q.type === 'stars' || q.type === 'radio') {
    var group = el('div', { class: q.type === 'stars' ? 'b-rate' : 'b-row' });
    group.setAttribute('role', 'group'); group.setAttribute('aria-labelledby', 'b-survey-q');
    (q.type === 'stars' ? ['1', '2', '3', '4', '5'] : q.options || []).forEach(function (o, i) {
      var b = el('button', { text: q.type === 'stars' ? '★' : o }); b.type = 'button';
      if (q.type === 'stars') {
        b.setAttribute('aria-label', t.stars.replace('{n}', o));
        b.addEventListener('mouseenter', function () {
          Array.prototype.forEach.call(group.children, function (x, j) { x.className = j <= i ? 'b-on' : ''; });
        });
      }
      /* A radio answer is the option's number from 1 (as Webim's SDKs send it). */
      b.addEventListener('click', function () { answer(q.type === 'stars' ? o : String(i + 1)); });
      group.appendChild(b);
      if (!first) first = b;
    });
    box.appendChild(group);
  } else {
    first = commentBox(box, q, answer);
  }
  var skip = el('button', { text: t.surveySkip }); skip.type = 'button';
  skip.addEventListener('click', function () {
    refocus = true;
    post('survey.cancel', { 'survey-id': s.id }).then(function (r) { if (!r.error) finished(false); else outcome(r, err); })
      .catch(function () { err.textContent = t.retry; });
  });
  box.appendChild(skip);
  box.appendChild(err);
  shown = { key: key, node: box };
  /* A new question takes the focus only when the visitor was answering the previous one (by
     now its panel may be gone from the page, and the focus with it). */
  var active = document.activeElement;
  if (first && (refocus || (active && active.closest && active.closest('.b-survey')))) {
    refocus = false;
    setTimeout(function () { /** @type {HTMLElement} */ (first).focus(); }, 0);
  }
  return box;
}
