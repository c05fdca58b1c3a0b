/* Filters of the chat lists: by department and by state. They only narrow what is shown (the
   counts too); the lists themselves stay complete and live. */
import { departmentName } from './side.js';
import { S } from './state.js';
import { t } from '../lib/i18n.js';
import { el } from '../../common/dom.js';

const filter = { department: '', state: '' };

/** @type {[string, string, (c: any) => boolean][]} value, text key, test */
const STATES = [
  ['queue', 'stateQueue', function (c) { return c.state === 'queue' && !c.offline; }],
  ['offline', 'offlineChat', function (c) { return c.state === 'offline_queue' || !!c.offline; }],
  ['chatting', 'stateChatting', function (c) { return c.state === 'chatting' || c.state === 'chatting_with_robot'; }],
  ['closed_by_visitor', 'stateClosedByVisitor', function (c) { return c.state === 'closed_by_visitor'; }]
];

/** Whether chat `c` passes the filters. */
export function shown(c) {
  if (filter.department && c.departmentKey !== filter.department) return false;
  const st = STATES.filter(function (s) { return s[0] === filter.state; })[0];
  return !st || st[2](c);
}

/**
 * The filter bar; `changed` redraws the lists.
 * @param {() => void} changed
 */
export function filterBar(changed) {
  const deps = (S.directory.departments || []).map(function (d) { return el('option', { value: d.key, text: departmentName(d.key) }); });
  const dep = el('select', { 'data-test': 'filter-department', 'aria-label': t('filterDepartment'), onchange: function () {
    filter.department = dep.value; changed();
  } }, [el('option', { value: '', text: t('allDepartments') })].concat(deps));
  const state = el('select', { 'data-test': 'filter-state', 'aria-label': t('filterState'), onchange: function () {
    filter.state = state.value; changed();
  } }, [el('option', { value: '', text: t('allStates') })].concat(STATES.map(function (s) { return el('option', { value: s[0], text: t(s[1]) }); })));
  dep.value = filter.department; state.value = filter.state;
  dep.hidden = !deps.length;
  return el('div', { class: 'w-filters', role: 'group', 'aria-label': t('filters') }, [dep, state]);
}
