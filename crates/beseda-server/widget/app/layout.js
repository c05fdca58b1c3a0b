import { el } from '../../common/dom.js';
import { english, t } from './texts.js';

/* The chat window's parts, built once: header (avatar, who, menu and minimise buttons), menu,
   message log, typing line, panel (departments, offline form) and the input row. */

/**
 * A stroked 24×24 icon.
 * @param {string} path
 */
function icon(path) {
  const NS = 'http://www.w3.org/2000/svg';
  const svg = document.createElementNS(NS, 'svg'), line = document.createElementNS(NS, 'path');
  svg.setAttribute('width', '20'); svg.setAttribute('height', '20'); svg.setAttribute('viewBox', '0 0 24 24');
  svg.setAttribute('aria-hidden', 'true');
  line.setAttribute('fill', 'none'); line.setAttribute('stroke', '#5b6475'); line.setAttribute('stroke-width', '2');
  line.setAttribute('stroke-linecap', 'round'); line.setAttribute('d', path);
  svg.appendChild(line);
  return svg;
}

export var root = /** @type {HTMLElement} */ (document.getElementById('beseda'));
export var head = el('div', { class: 'b-head' }), avatar = el('img'), who = el('div', { class: 'b-who' }), whoName = el('b'), whoState = el('small');
avatar.alt = ''; avatar.hidden = true; who.appendChild(whoName); who.appendChild(whoState);
export var menuBtn = el('button', { text: '⋯' }), minBtn = el('button', { text: '–' });
menuBtn.setAttribute('aria-label', t.menu); menuBtn.setAttribute('aria-expanded', 'false'); minBtn.setAttribute('aria-label', t.minimise);
[avatar, who, menuBtn, minBtn].forEach(function (e) { head.appendChild(e); });
export var menu = el('div', { class: 'b-menu' }); menu.hidden = true;
export var log = el('div', { class: 'b-log' }); log.setAttribute('role', 'log');
// A scrollable region the keyboard can reach (and scroll) too.
log.tabIndex = 0; log.setAttribute('aria-label', t.messages);
export var typingLine = el('div', { class: 'b-typing' });
export var panel = el('div');
export var contactBox = el('div', { class: 'b-contact-box' }); contactBox.hidden = true;
export var input = el('div', { class: 'b-input' });
export var text = el('textarea'); text.rows = 1; text.setAttribute('aria-label', t.message); text.placeholder = t.placeholder;
export var fileLabel = el('label'), fileInput = el('input');
fileLabel.appendChild(icon('M21 11l-8.5 8.5a5 5 0 0 1-7-7L14 4a3.5 3.5 0 0 1 5 5l-8.5 8.5a2 2 0 0 1-3-3L15 7'));
fileInput.type = 'file'; fileLabel.title = t.attach; fileLabel.setAttribute('aria-label', t.attach); fileLabel.tabIndex = 0;
fileLabel.appendChild(fileInput);
export var sendBtn = el('button', { text: '➤' }); sendBtn.setAttribute('aria-label', t.send);
[fileLabel, text, sendBtn].forEach(function (e) { input.appendChild(e); });
[head, menu, log, typingLine, contactBox, panel, input].forEach(function (e) { root.appendChild(e); });
document.documentElement.lang = english() ? 'en' : 'ru';
