/* Beseda admin panel: the organisation's settings section by section (company, e-mail
   addresses, classification, templates, auto-messages, lead generator, extra functions,
   integration, security, miscellany), operators, departments, bots, placements, statistics and
   history. Administrators see every section; supervisors see statistics, history and the
   operators' cards; operators are sent to the workspace. Each settings section saves only its
   own keys. Every value from the server goes into the page as text. The sections are listed
   in sections.js, one module each. */
import { SECTIONS } from './sections.js';
import { TEXTS } from './texts.js';
import { has, t, texts } from '../lib/i18n.js';
import { loadLanguages } from '../lib/languages.js';
import { header, start } from '../lib/login.js';
import { clear, el } from '../../common/dom.js';

texts(TEXTS);

start(function (me, root) {
  document.title = t('title') + ' — Beseda';
  header(root, me, t('title'), [el('a', { class: 'c-link', href: '/workspace', text: t('workspace') })]);
  if (me.role !== 'admin' && me.role !== 'supervisor') {
    root.appendChild(el('main', { class: 'a-body', 'data-test': 'not-for-you' }, [el('h2', { text: t('notForYou') }),
      el('p', {}, [el('a', { href: '/workspace', 'data-test': 'to-workspace', text: t('toWorkspace') })])]));
    return;
  }
  var mine = SECTIONS.filter(function (s) { return me.role === 'admin' || s.supervisor; });
  var home = me.role === 'admin' ? 'company' : 'stats';
  var nav = el('nav', { class: 'a-nav', 'aria-label': t('title') });
  var body = el('main', { class: 'a-body', tabindex: '-1' });
  var buttons = {};
  var lastGroup = null;
  mine.forEach(function (s) {
    if (s.nav !== lastGroup) { lastGroup = s.nav; nav.appendChild(el('h3', { text: t('nav.' + s.nav) })); }
    buttons[s.id] = el('button', { type: 'button', 'data-test': 'nav-' + s.id, text: t('sec.' + s.id), onclick: function () {
      if (location.hash === '#' + s.id) open(); else location.hash = s.id;
    } });
    nav.appendChild(buttons[s.id]);
  });
  root.appendChild(el('div', { class: 'a-main' }, [nav, body]));
  function open() {
    var id = location.hash.slice(1);
    var s = mine.filter(function (x) { return x.id === id; })[0] || mine.filter(function (x) { return x.id === home; })[0];
    Object.keys(buttons).forEach(function (k) {
      buttons[k].className = k === s.id ? 'is-open' : '';
      if (k === s.id) buttons[k].setAttribute('aria-current', 'page'); else buttons[k].removeAttribute('aria-current');
    });
    clear(body);
    var box = el('div', {}, [el('p', { class: 'a-muted', text: t('loading') })]);
    body.appendChild(el('section', { 'data-test': 'section-' + s.id }, [el('h2', { text: t('sec.' + s.id) }),
      has('intro.' + s.id) ? el('p', { class: 'a-intro', text: t('intro.' + s.id) }) : null, box]));
    body.scrollTop = 0;
    s.render(box, { id: s.id, me: me });
  }
  window.addEventListener('hashchange', open);
  loadLanguages().then(open);
});
