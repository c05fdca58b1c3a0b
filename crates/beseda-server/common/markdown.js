/* The one Markdown renderer of the console and the widget, for operators' and bots' messages:
   a safe subset — **bold**, *italic* or _italic_, `code`, [text](url), bare URLs, and lists
   (lines starting with "- ", "* " or "1. "). It builds
   DOM nodes from the raw text (text nodes and a few elements), never HTML, so nothing in the
   text can become markup. Links are http, https and mailto only, open in a new tab with
   rel="noopener noreferrer"; anything else (javascript:, data:, …) stays plain text. */

const SCHEMES = /^(https?:\/\/|mailto:)/i;

/* The first inline construct: code, [text](url), a bare URL, bold, italic. */
const TOKEN = new RegExp([
  '`([^`\\n]+)`',
  '\\[([^\\]\\n]+)\\]\\(([^\\s()]+)\\)',
  '((?:https?:\\/\\/|mailto:)[^\\s<>()\\[\\]]+)',
  '\\*\\*([^\\n]+?)\\*\\*',
  '(?:^|(?<=[^\\w*]))\\*([^*\\n]+)\\*(?![\\w*])',
  '(?:^|(?<=[^\\w_]))_([^_\\n]+)_(?!\\w)'
].join('|'));

/**
 * Whether `href` is a link we make clickable.
 * @param {string} href
 */
export function safeHref(href) {
  return SCHEMES.test(href) && !/[\s"'<>`]/.test(href);
}

/**
 * A link element that opens in a new tab without giving the page access to ours.
 * @param {string} href
 * @param {string} text
 */
export function link(href, text) {
  const a = document.createElement('a');
  a.href = href;
  a.target = '_blank';
  a.rel = 'noopener noreferrer';
  a.textContent = text;
  return a;
}

/**
 * @param {string} src
 * @param {Node} out
 * @param {number} depth
 */
function inline(src, out, depth) {
  let rest = src;
  while (rest) {
    const m = depth < 4 ? TOKEN.exec(rest) : null;
    if (!m) { out.appendChild(document.createTextNode(rest)); return; }
    if (m.index > 0) out.appendChild(document.createTextNode(rest.slice(0, m.index)));
    rest = rest.slice(m.index + m[0].length);
    if (m[1] != null) {
      const code = document.createElement('code');
      code.textContent = m[1];
      out.appendChild(code);
    } else if (m[2] != null) {
      if (safeHref(m[3])) out.appendChild(link(m[3], m[2]));
      else out.appendChild(document.createTextNode(m[0]));
    } else if (m[4] != null) {
      /* A URL does not end with the punctuation after it. */
      const url = m[4].replace(/[.,;:!?'"]+$/, '');
      rest = m[4].slice(url.length) + rest;
      out.appendChild(safeHref(url) ? link(url, url) : document.createTextNode(url));
    } else {
      const strong = m[5] != null;
      const node = document.createElement(strong ? 'b' : 'i');
      inline(strong ? m[5] : m[6] != null ? m[6] : m[7], node, depth + 1);
      out.appendChild(node);
    }
  }
}

/* A list item: "- x", "* x" (bulleted) or "1. x", "1) x" (numbered). */
const ITEM = /^[ \t]{0,3}(?:([-*])|(\d{1,3})[.)])[ \t]+(\S.*)$/;

/**
 * `src` as nodes: text, with the Markdown subset above. Runs of list lines become <ul>/<ol>
 * with <li> items; other line breaks stay in the text (the containers keep white space).
 * @param {string} src
 * @returns {DocumentFragment}
 */
export function markdown(src) {
  const out = document.createDocumentFragment();
  /** @type {string[]} */
  let text = [];
  /** @type {HTMLElement | null} */
  let list = null;
  for (const line of String(src == null ? '' : src).split(/\r?\n/)) {
    const m = ITEM.exec(line);
    if (!m) {
      /* Blank lines after an item are the list's own margin (or part of it, between items). */
      if (list && line.trim() === '') continue;
      list = null;
      text.push(line);
      continue;
    }
    const numbered = m[2] != null;
    if (!list || (list.tagName === 'OL') !== numbered) {
      if (text.length && text[text.length - 1].trim() === '') text.pop();
      if (text.length) inline(text.join('\n'), out, 0);
      text = [];
      list = document.createElement(numbered ? 'ol' : 'ul');
      if (numbered && +m[2] !== 1) list.setAttribute('start', String(+m[2]));
      out.appendChild(list);
    }
    const li = document.createElement('li');
    inline(m[3], li, 0);
    list.appendChild(li);
  }
  if (text.length) inline(text.join('\n'), out, 0);
  return out;
}
