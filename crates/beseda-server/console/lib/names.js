/* How the console names a visitor, the same in every list, header, panel and table: the name
   they gave, else «Посетитель N» / «Visitor N» by their stable number in the console's own
   language, else what the server called them. Takes a chat row (visitorGivenName,
   visitorNumber, visitorName) or anything shaped like one. */
import { fill, t } from './i18n.js';

/** @param {{visitorGivenName?: string | null, visitorNumber?: number | null, visitorName?: string | null}} c */
export function visitorLabel(c) {
  return c.visitorGivenName || (c.visitorNumber ? fill(t('visitorN'), { n: c.visitorNumber }) : (c.visitorName || t('visitor')));
}
