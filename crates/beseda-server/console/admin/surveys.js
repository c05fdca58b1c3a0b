/* Post-chat surveys: the list, and a form to create or change one — title, scope (department,
   language), on/off, and forms of stars, radio and comment questions. Each form and question is
   a fieldset with its own legend, so a screen reader names where a control is. */
import { actions, button, check, checkForm, deleteButton, input, mark, row, say, select, statusLine, table, td, unmark } from './forms.js';
import { api, message } from '../lib/api.js';
import { fill, has, t } from '../lib/i18n.js';
import { languageOptions } from '../lib/languages.js';
import { clear, el } from '../../common/dom.js';

var TYPES = ['stars', 'radio', 'comment'];

/* One question's controls; `q` is the question to show (or a new stars question). */
function questionBlock(q, onRemove) {
  var type = select('type', t('surveyQuestionType'), TYPES.map(function (x) { return [x, t('surveyType.' + x)]; }), q.type);
  var text = input('text', t('surveyQuestionText'), { type: 'textarea', rows: 2, required: true, maxlength: 1000 });
  text.value = q.text || '';
  var options = input('options', t('surveyOptions'), { type: 'textarea', rows: 3 });
  options.value = (q.options || []).join('\n');
  var maxLength = input('maxLength', t('surveyMaxLength'), { type: 'number', min: 1, max: 5000 });
  maxLength.value = q.maxLength == null ? '' : String(q.maxLength);
  var optionsRow = row(t('surveyOptions'), options, t('surveyOptionsHelp'));
  var lengthRow = row(t('surveyMaxLength'), maxLength, t('surveyMaxLengthHelp'));
  var legend = el('legend', {});
  var node = el('fieldset', { class: 'a-set a-question', 'data-test': 'survey-question' }, [legend,
    row(t('surveyQuestionType'), type), row(t('surveyQuestionText'), text), optionsRow, lengthRow,
    button(t('surveyRemoveQuestion'), 'remove-question', function () { onRemove(block); })]);
  /* Only the controls of the chosen type are shown (a style: the form's labels are flex boxes,
     which `hidden` alone does not hide); the others are off, so the browser's checks skip what
     is not sent. */
  function shown() {
    optionsRow.style.display = type.value === 'radio' ? '' : 'none';
    options.required = type.value === 'radio';
    options.disabled = type.value !== 'radio';
    lengthRow.style.display = type.value === 'comment' ? '' : 'none';
    maxLength.disabled = type.value !== 'comment';
  }
  type.addEventListener('change', shown);
  shown();
  var block = {
    node: node,
    focus: function () { type.focus(); },
    /* The control of a field the server names (`text`, `options`, `maxLength`). */
    control: function (field) { return { type: type, text: text, options: options, maxLength: maxLength }[field] || type; },
    number: function (n) { legend.textContent = fill(t('surveyQuestionN'), { n: n }); },
    value: function () {
      var v = { type: type.value, text: text.value.trim() };
      if (type.value === 'radio') {
        v.options = options.value.split('\n').map(function (o) { return o.trim(); }).filter(function (o) { return o; });
      }
      if (type.value === 'comment' && maxLength.value.trim()) v.maxLength = parseInt(maxLength.value, 10);
      return v;
    }
  };
  return block;
}

/* One form: its questions, and buttons to add a question or remove the form. */
function formBlock(f, onRemove) {
  var legend = el('legend', {});
  var list = el('div', {});
  var questions = [];
  function renumber() { questions.forEach(function (q, i) { q.number(i + 1); }); }
  function add(q, focus) {
    var b = questionBlock(q, function (gone) {
      if (questions.length === 1) return;
      questions.splice(questions.indexOf(gone), 1);
      list.removeChild(gone.node);
      renumber();
      questions[0].focus();
    });
    questions.push(b);
    list.appendChild(b.node);
    renumber();
    if (focus) b.focus();
  }
  (f.questions && f.questions.length ? f.questions : [{ type: 'stars' }]).forEach(function (q) { add(q, false); });
  var node = el('fieldset', { class: 'a-set a-survey-form', 'data-test': 'survey-form' }, [legend, list,
    el('div', { class: 'a-bar' }, [button(t('surveyAddQuestion'), 'add-question', function () { add({ type: 'stars' }, true); }),
      button(t('surveyRemoveForm'), 'remove-form', function () { onRemove(block); })])]);
  var block = {
    node: node,
    focus: function () { questions[0].focus(); },
    question: function (i) { return questions[i] || null; },
    /** The index of the question holding `control`, or -1. @param {Node} control */
    questionOf: function (control) {
      for (var i = 0; i < questions.length; i++) if (questions[i].node.contains(control)) return i;
      return -1;
    },
    number: function (n) { legend.textContent = fill(t('surveyFormN'), { n: n }); },
    value: function () { return { questions: questions.map(function (q) { return q.value(); }) }; }
  };
  return block;
}

export function surveysSection(box) {
  Promise.all([api('GET', '/api/admin/v1/surveys'), api('GET', '/api/admin/v1/departments')]).then(function (r) {
    clear(box);
    if (r[0].status !== 200) { box.appendChild(el('p', { class: 'c-error', text: message(r[0]) })); return; }
    var deps = r[1].status === 200 ? r[1].body.departments : [];
    box.appendChild(surveysBlock(r[0].body.surveys, deps));
  });
}

function surveysBlock(initial, deps) {
  var wrap = el('div', { 'data-test': 'surveys' });
  var list = el('div', {});
  var editing = 0;
  var heading = el('h3', { tabindex: '-1', 'data-test': 'survey-form-heading', text: t('newSurvey') });
  var title = input('title', t('surveyTitle'), { required: true, maxlength: 200 });
  var enabled = check('enabled', t('surveyEnabled'), true);
  var depName = {};
  deps.forEach(function (d) { depName[d.key] = d.name; });
  var department = select('departmentKey', t('surveyDepartment'), [['', t('surveyAny')]].concat(deps.map(function (d) { return [d.key, d.name]; })), '');
  var language = select('lang', t('surveyLang'), [['', t('surveyAny')]].concat(languageOptions()), '');
  var formsBox = el('div', {});
  var forms = [];
  var line = statusLine();
  function renumber() { forms.forEach(function (f, i) { f.number(i + 1); }); }
  function addForm(f, focus) {
    var b = formBlock(f, function (gone) {
      if (forms.length === 1) return;
      forms.splice(forms.indexOf(gone), 1);
      formsBox.removeChild(gone.node);
      renumber();
      forms[0].focus();
    });
    forms.push(b);
    formsBox.appendChild(b.node);
    renumber();
    if (focus) b.focus();
  }
  var cancel = button(t('cancel'), 'cancel', function () { reset(); say(line, ''); });
  var form = el('form', { class: 'c-form', 'data-test': 'form-survey', novalidate: true, onsubmit: function (ev) {
    ev.preventDefault();
    if (!checkForm(form, line, whereIs)) return;
    var body = { title: title.value.trim(), enabled: enabled.box.checked, departmentKey: department.value || null,
      lang: language.value || null, forms: forms.map(function (f) { return f.value(); }) };
    if (editing) body.id = editing;
    api('PUT', '/api/admin/v1/surveys', body).then(function (res) {
      if (res.status !== 200) { refused(res); return; }
      reset();
      say(line, t('saved'));
      load();
    });
  } }, [heading, row(t('surveyTitle'), title), enabled.node, row(t('surveyDepartment'), department), row(t('surveyLang'), language),
    formsBox, button(t('surveyAddForm'), 'add-form', function () { addForm({}, true); }),
    el('div', { class: 'a-bar' }, [el('button', { type: 'submit', class: 'c-primary', 'data-test': 'save', text: t('save') }), cancel, line])]);
  function fillForm(s) {
    editing = s ? s.id : 0;
    title.value = s ? s.title : '';
    enabled.box.checked = s ? s.enabled : true;
    department.value = s && s.departmentKey ? s.departmentKey : '';
    language.value = s && s.lang ? s.lang : '';
    clear(formsBox);
    forms = [];
    (s ? s.forms : [{}]).forEach(function (f) { addForm(f, false); });
    heading.textContent = t(s ? 'editSurvey' : 'newSurvey');
    cancel.hidden = !s;
    unmark(form);
  }
  function reset() { fillForm(null); }
  /* Where a control the browser refuses is, said as the server's refusals say it: «Форма 2,
     вопрос 1» (or «Форма 2»); empty outside the forms. */
  function whereIs(control) {
    for (var i = 0; i < forms.length; i++) {
      if (!forms[i].node.contains(control)) continue;
      var q = forms[i].questionOf(control);
      return q >= 0 ? fill(t('surveyWhere'), { form: i + 1, question: q + 1 }) : fill(t('surveyWhereForm'), { form: i + 1 });
    }
    return '';
  }
  /* A refusal in the panel's language: the problem's code has a text (the server's message
     only for codes the panel does not know), said with the form and question it is in, whose
     control is marked and takes the focus. */
  function refused(res) {
    var code = res.body && res.body.error;
    var msg = (res.body && res.body.message) || '';
    var m = /^forms\[(\d+)\](?:\.questions\[(\d+)\])?\.(\w+): /.exec(msg) || /^(\w+): /.exec(msg);
    var known = res.status === 422 && code && has('err.' + code);
    var text = known ? t('err.' + code) : message(res), where = '', control = null;
    if (m && m.length === 4) {
      var f = forms[+m[1]], q = f && m[2] != null ? f.question(+m[2]) : null;
      where = m[2] != null ? fill(t('surveyWhere'), { form: +m[1] + 1, question: +m[2] + 1 }) : fill(t('surveyWhereForm'), { form: +m[1] + 1 });
      control = q ? q.control(m[3]) : null;
    } else if (m) {
      control = { title: title, departmentKey: department, lang: language }[m[1]] || null;
    }
    unmark(form);
    if (control) mark(control, line);
    say(line, (known && where ? where + ': ' : '') + text, true);
  }
  function scope(s) {
    var parts = [];
    if (s.departmentKey) parts.push(depName[s.departmentKey] || s.departmentKey);
    if (s.lang) parts.push(s.lang);
    return parts.length ? parts.join(', ') : t('surveyAny');
  }
  /* After a delete the focus goes to the row that took the deleted one's place (else the one
     before it), or to the form's heading when no survey is left; `at` is that row's index. */
  function focusRow(at) {
    var rows = list.querySelectorAll('tbody tr');
    var row = rows[Math.min(at, rows.length - 1)];
    var edit = row && /** @type {HTMLElement | null} */ (row.querySelector('[data-test=edit]'));
    if (edit) edit.focus(); else heading.focus();
  }
  function show(surveys, at) {
    clear(list);
    if (at != null) setTimeout(function () { focusRow(at); }, 0);
    if (!surveys.length) { list.appendChild(el('p', { class: 'a-muted', 'data-test': 'surveys-empty', text: t('noSurveys') })); return; }
    list.appendChild(table('surveys-table', [t('surveyTitle'), t('surveyScope'), t('surveyState'), t('surveyVersion'), t('actions')], surveys.map(function (s) {
      // The row's buttons are described by the survey's title (read as «Изменить, <title>»).
      var name = td(s.title); name.id = 'survey-title-' + s.id;
      var edit = button(t('edit'), 'edit', function () { fillForm(s); say(line, ''); title.focus(); });
      return el('tr', { 'data-id': s.id }, [name, td(scope(s)), td(t(s.enabled ? 'surveyOn' : 'surveyOff')), td(s.version),
        actions([described(edit, name.id), described(deleteButton(function (b) {
          var at = Array.prototype.indexOf.call(list.querySelectorAll('tbody tr'), b.closest('tr'));
          api('DELETE', '/api/admin/v1/surveys/' + s.id).then(function (r) {
            if (r.status !== 200) say(line, message(r), true);
            if (editing === s.id) reset();
            load(at);
          });
        }), name.id)])]);
    })));
  }
  /** `b`, described by the element of id `by`. @param {HTMLElement} b @param {string} by */
  function described(b, by) { b.setAttribute('aria-describedby', by); return b; }
  function load(at) {
    api('GET', '/api/admin/v1/surveys').then(function (res) {
      if (res.status !== 200) { clear(list); list.appendChild(el('p', { class: 'c-error', text: message(res) })); return; }
      show(res.body.surveys, at);
    });
  }
  wrap.appendChild(list);
  wrap.appendChild(form);
  reset();
  show(initial);
  return wrap;
}
