/* Loading what the workspace needs besides the lists: templates, the directory; the operator's
   status. */
import { api } from '../lib/api.js';
import { reloadLists } from './lists.js';
import { S } from './state.js';

export function setStatus(status) {
  api('PUT', '/api/operator/v1/status', { status: status }).then(function (res) {
    if (res.status === 200) { S.me.status = status; reloadLists(); }
  });
}
export function loadTemplates() {
  return api('GET', '/api/operator/v1/templates').then(function (res) { S.templates = (res.body && res.body.templates) || []; });
}
export function loadDirectory() {
  return api('GET', '/api/operator/v1/directory').then(function (res) { if (res.status === 200) S.directory = res.body; });
}
