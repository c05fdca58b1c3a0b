/* The visitor panel beside the chat. */
import { lang, t } from '../lib/i18n.js';
import { languageName } from '../lib/languages.js';
import { renderContext } from './context.js';
import { visitorLabel } from './lists.js';
import { S, ui } from './state.js';
import { clear, el } from '../../common/dom.js';

export function renderSide() {
  var d = S.detail, c = d.chat, v = d.visitor || {}, fields = v.fields || {};
  var rows = [[t('visitor'), visitorLabel(c)]];
  /* Fields the contact form and the SDKs name get their label; others show their key. */
  var labels = { email: t('email'), phone: t('fieldPhone') };
  Object.keys(fields).forEach(function (k) { if (k !== 'name') rows.push([labels[k] || k, String(fields[k])]); });
  /* The placement's title (the key when the placement no longer exists); text only, as every row. */
  rows.push([t('location'), d.placementTitle || c.location, 'placement']);
  if (c.departmentKey) rows.push([t('department'), departmentName(c.departmentKey)]);
  if (c.language) rows.push([t('languageLabel'), languageName(c.language) + ' (' + c.language + ')']);
  rows.push([t('categoryLabel'), c.category ? c.category + (c.subcategory ? ' / ' + c.subcategory : '') : t('none')]);
  var rating = (d.ratings || []).map(function (r) { return t('ratingOf').replace('{n}', String(r.rating + 3)); }).join(', ');
  rows.push([t('rating'), rating || t('noRating')]);
  var dl = el('dl');
  rows.forEach(function (r) { dl.appendChild(el('dt', { text: r[0] })); dl.appendChild(el('dd', { text: r[1], 'data-test': r[2] })); });
  if (d.visitorPage) {
    dl.appendChild(el('dt', { text: d.visitorOnPriorityPage ? t('page') + ' · ' + t('priority') : t('page') }));
    dl.appendChild(el('dd', {}, [safeLink(d.visitorPage, d.visitorPage, 'page')]));
  }
  if (d.crmLink) {
    dl.appendChild(el('dt', { text: t('crm') }));
    dl.appendChild(el('dd', {}, [safeLink(d.crmLink, d.crmLink, 'crm')]));
  }
  renderContext(dl, d.visitorContext);
  ui.side.className = 'w-side' + (d.visitorOnPriorityPage ? ' is-priority' : '');
  clear(ui.side).appendChild(dl);
}
export function safeLink(href, text, test) {
  var ok = /^https?:\/\//i.test(href);
  return ok ? el('a', { href: href, target: '_blank', rel: 'noopener noreferrer', 'data-test': test, text: text })
    : el('span', { 'data-test': test, text: text });
}
export function departmentName(key) {
  var d = S.directory.departments.filter(function (x) { return x.key === key; })[0];
  return d ? ((d.localeNames || {})[lang()] || d.name) : key;
}
