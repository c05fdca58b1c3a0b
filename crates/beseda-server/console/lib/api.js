/* The operator and admin API client: the session cookie plus the CSRF token kept for this
   tab; and what a refusal means, in the console's language. */
import { fill, has, t } from './i18n.js';

const CSRF_KEY = 'beseda.csrf';

/** @typedef {{ status: number, body: any }} Result */

/** @type {(() => void) | null} */
let onUnauthenticated = null;

/** What to do when a call answers 401 (the session ended). @param {() => void} f */
export function whenUnauthenticated(f) { onUnauthenticated = f; }

/** Keeps (or with null forgets) the CSRF token of this tab. @param {string | null} token */
export function keepCsrf(token) {
  if (token) sessionStorage.setItem(CSRF_KEY, token); else sessionStorage.removeItem(CSRF_KEY);
}

/** Whether this tab has a CSRF token. */
export function hasCsrf() { return !!sessionStorage.getItem(CSRF_KEY); }

/**
 * One call to the operator or admin API: resolves {status, body}; a 401 shows the login.
 * @param {string} method
 * @param {string} path
 * @param {any} [body]
 * @returns {Promise<Result>}
 */
export function api(method, path, body) {
  /** @type {Record<string, string>} */
  const headers = { 'content-type': 'application/json' };
  const csrf = sessionStorage.getItem(CSRF_KEY);
  if (csrf) headers['x-csrf-token'] = csrf;
  return fetch(path, { method: method, headers: headers, credentials: 'same-origin',
    body: body === undefined ? undefined : JSON.stringify(body) })
    .then(function (r) {
      const type = r.headers.get('content-type') || '';
      return (type.indexOf('json') >= 0 ? r.json() : r.text()).then(function (b) { return { status: r.status, body: b }; });
    })
    .then(function (res) {
      if (res.status === 401 && onUnauthenticated) onUnauthenticated();
      return res;
    });
}

/**
 * A multipart upload (a `FormData`) to the operator API, with the CSRF token; resolves
 * {status, body} like `api`.
 * @param {string} path
 * @param {FormData} form
 * @returns {Promise<Result>}
 */
export function upload(path, form) {
  /** @type {Record<string, string>} */
  const headers = {};
  const csrf = sessionStorage.getItem(CSRF_KEY);
  if (csrf) headers['x-csrf-token'] = csrf;
  return fetch(path, { method: 'POST', headers: headers, credentials: 'same-origin', body: form })
    .then(function (r) {
      const type = r.headers.get('content-type') || '';
      return (type.indexOf('json') >= 0 ? r.json() : r.text()).then(function (b) { return { status: r.status, body: b }; });
    })
    .then(function (res) {
      if (res.status === 401 && onUnauthenticated) onUnauthenticated();
      return res;
    });
}

/**
 * What a refused call means, for people.
 * @param {Result} res
 * @returns {string}
 */
export function message(res) {
  const code = res.body && res.body.error;
  if (res.status === 403 && code === 'ip-not-allowed') return t('blocked');
  if (code === 'weak-password') return t('weakPassword');
  if (code === 'account-deactivated') return t('deactivated');
  /* Field refusals keep the server's "field: why", which forms use to mark the field. */
  if (code && code !== 'wrong-argument-value' && code !== 'argument-missing' && has('err.' + code)) return t('err.' + code);
  if (res.status === 403 && !code) return t('forbidden');
  /* The server's generic field refusals, in the console's language. */
  const field = /^(missing argument|bad value for) `([^`]+)`$/.exec((res.body && res.body.message) || '');
  if (field) return fill(t(field[1] === 'missing argument' ? 'err.missingField' : 'err.badField'), { field: field[2] });
  return (res.body && (res.body.message || res.body.error)) || (t('error') + ' ' + res.status);
}
