/* Visitor protocol actions over HTTP (a reinit when the server asks) and messages to the page. */
import { S } from './state.js';
import { banned, init } from './transport.js';

export function post(action, fields, file) {
  var body = file ? new FormData() : new URLSearchParams();
  body.append('action', action);
  body.append('page-id', S.page);
  body.append('auth-token', S.token);
  Object.keys(fields || {}).forEach(function (k) { body.append(k, fields[k]); });
  if (file) /** @type {FormData} */ (body).append('webim_upload_file', file, file.name);
  return fetch(file ? '/l/v/m/upload' : '/l/v/m/action', { method: 'POST', body: body }).then(function (r) { return r.json(); })
    .then(function (r) {
      if (r.error === 'reinit-required') return init().then(function () { return post(action, fields, file); });
      if (r.error === 'visitor_banned') banned();
      return r;
    });
}
/* For calls whose failure only loses a hint (typing, read marks, the page): no retry. */
export function fire(action, fields) { post(action, fields).catch(function () {}); }
export function parent(msg) { if (window.parent !== window) window.parent.postMessage(msg, '*'); }
