/* The ISO 639-1 languages a chat, placement, template or operator may have (the server's list,
   GET /api/operator/v1/languages), named in the console's language. Load once per page
   (`loadLanguages`) before using the other functions. */
import { api } from './api.js';
import { lang } from './i18n.js';

/** @type {{ code: string, name: string }[]} */
let list = [];
/** @type {Promise<void> | null} */
let loading = null;

/** Loads the list (once). */
export function loadLanguages() {
  if (!loading) {
    loading = api('GET', '/api/operator/v1/languages').then(function (res) {
      if (res.status === 200) list = res.body.languages;
    });
  }
  return loading;
}

/** Names in the console's language (made once it is known). @type {Intl.DisplayNames | null | undefined} */
let names;

/** The name of a language in the console's language (its English name, or the code, without one). @param {string} code */
export function languageName(code) {
  let shown = '';
  try {
    if (names === undefined) names = new Intl.DisplayNames([lang()], { type: 'language' });
    shown = names ? names.of(code) || '' : '';
  } catch (e) { names = null; shown = ''; }
  if (shown && shown !== code) return shown.charAt(0).toLocaleUpperCase(lang()) + shown.slice(1);
  const known = list.filter(function (l) { return l.code === code; })[0];
  return known ? known.name : code;
}

/** Every language as [code, "Name (code)"]: Russian and English first, then by name. */
export function languageOptions() {
  const first = ['ru', 'en'];
  const rest = list.map(function (l) { return l.code; }).filter(function (c) { return first.indexOf(c) < 0; });
  rest.sort(function (a, b) { return languageName(a).localeCompare(languageName(b), lang()); });
  return first.concat(rest).map(function (c) { return [c, languageName(c) + ' (' + c + ')']; });
}
