/* Blocked visitors: who was blocked, by whom, why and until when; an administrator lifts a
   block that still applies. */
import { button, dateTime, say, statusLine, table, td } from './forms.js';
import { api, message } from '../lib/api.js';
import { fill, t } from '../lib/i18n.js';
import { clear, el } from '../../common/dom.js';
import { visitorLabel } from '../lib/names.js';

export function blocksSection(box) {
  clear(box);
  var line = statusLine();
  var out = el('div', { 'data-test': 'blocks-result' });
  var onlyActive = el('input', { type: 'checkbox', name: 'active', 'data-test': 'blocks-active', checked: true, onchange: load });
  box.appendChild(el('label', { class: 'c-check' }, [onlyActive, el('span', { text: t('blocks.active') })]));
  box.appendChild(line);
  box.appendChild(out);
  function until(b) {
    if (b.liftedTs != null) return fill(t('blocks.lifted'), { at: dateTime(b.liftedTs * 1e6) });
    if (b.expiresTs == null) return t('blocks.forever');
    return dateTime(b.expiresTs * 1e6);
  }
  function load() {
    say(line, t('loading'));
    api('GET', '/api/admin/v1/visitor-blocks' + (onlyActive.checked ? '?active=1' : '')).then(function (res) {
      clear(out);
      if (res.status !== 200) { say(line, message(res), true); return; }
      var rows = res.body.blocks;
      say(line, fill(t('found'), { n: rows.length }));
      if (!rows.length) return;
      out.appendChild(table('blocks-table', [t('blocks.visitor'), t('blocks.address'), t('blocks.reason'), t('blocks.by'),
        t('blocks.at'), t('blocks.until'), ''], rows.map(function (b) {
        var lift = b.active ? button(t('blocks.lift'), 'lift', function () {
          api('POST', '/api/admin/v1/visitor-blocks/' + b.id + '/lift', {}).then(function (r) {
            if (r.status === 200) load(); else say(line, message(r), true);
          });
        }) : null;
        return el('tr', { 'data-id': String(b.id) }, [el('td', { title: b.visitorId, 'data-test': 'blocks-visitor' }, [visitorLabel(b)]), td(b.address || ''), td(b.reason),
          td(b.createdByName || b.createdBy || ''), td(dateTime(b.createdTs * 1e6)), td(until(b)), el('td', {}, [lift])]);
      })));
    });
  }
  load();
}
