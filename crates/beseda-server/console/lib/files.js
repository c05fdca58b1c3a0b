/* Files of chat messages for the console (workspace and admin panel): each file of a file
   message as a download link with its name and size (`/api/operator/v1/files/…`, always a
   download on this origin), and a PNG, JPEG or GIF also as a thumbnail that opens the image
   in a new tab. Names go into the page as text. */
import { fill, lang, t } from './i18n.js';
import { el } from '../../common/dom.js';

/** Raster types the server serves as images (`/files/{guid}/image`). */
const RASTER = /^image\/(png|jpeg|gif)$/;

/**
 * @typedef {{ guid: string, filename: string, size?: number, content_type?: string }} FileDesc
 */

/**
 * The files a file message carries (its `text` is one descriptor or an array of them).
 * @param {{ kind: string, text: string }} m
 * @returns {FileDesc[]}
 */
export function descriptors(m) {
  if (!/^file_/.test(m.kind)) return [];
  try {
    const d = JSON.parse(m.text);
    return (Array.isArray(d) ? d : [d]).filter(function (f) { return f && typeof f.guid === 'string'; });
  } catch (x) {
    return [];
  }
}

/**
 * A size for people: bytes, KB or MB, in the console's language.
 * @param {number | undefined} bytes
 */
export function humanSize(bytes) {
  const n = Number(bytes) || 0;
  const ru = lang() === 'ru';
  if (n < 1024) return n + (ru ? ' Б' : ' B');
  if (n < 1024 * 1024) return Math.max(1, Math.round(n / 1024)) + (ru ? ' КБ' : ' KB');
  const mb = (n / 1024 / 1024).toFixed(1);
  return (ru ? mb.replace('.', ',') : mb) + (ru ? ' МБ' : ' MB');
}

/**
 * The files of a file message as thumbnails and links, or null for other messages.
 * @param {{ kind: string, text: string }} m
 * @returns {HTMLElement | null}
 */
export function fileView(m) {
  const files = descriptors(m);
  if (!files.length) return null;
  return el('div', { class: 'w-files' }, files.map(function (f) {
    const path = '/api/operator/v1/files/' + encodeURIComponent(f.guid);
    const link = el('a', { class: 'w-file', href: path, download: f.filename, 'data-test': 'file-link' }, [
      '📎 ', el('span', { text: f.filename }), el('small', { text: ' · ' + humanSize(f.size) })
    ]);
    if (!RASTER.test(f.content_type || '')) return link;
    const thumb = el('a', { class: 'w-thumb', href: path + '/image', target: '_blank', rel: 'noopener noreferrer',
      'data-test': 'file-thumb', title: fill(t('openImage'), { name: f.filename }) }, [
      el('img', { src: path + '/image', alt: f.filename, loading: 'lazy' })
    ]);
    return el('div', { class: 'w-file-image' }, [thumb, link]);
  }));
}

