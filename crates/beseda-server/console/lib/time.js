import { lang } from './i18n.js';

/**
 * A message time (unix seconds): the time of day for today, else day, month and time.
 * @param {number} ts
 */
export function time(ts) {
  const d = new Date(ts * 1000), locale = lang() === 'en' ? 'en-GB' : 'ru-RU';
  const today = new Date().toDateString() === d.toDateString();
  return today ? d.toLocaleTimeString(locale, { hour: '2-digit', minute: '2-digit' })
    : d.toLocaleString(locale, { day: '2-digit', month: '2-digit', hour: '2-digit', minute: '2-digit' });
}
