/* What the window knows: session, chat, messages, the outbox of unsent messages, settings. */
import { P } from './params.js';

export var S = {
  session: P.get('session') || '', page: null, token: null, rev: 0, chat: null, operator: null,
  state: 'idle', online: 'online', departments: [], hello: '', config: {}, typing: false,
  messages: [], outbox: [], pendingQuestion: null, note: null, banned: false,
  /** @type {any} */ survey: null,
  /* The note takes the focus at the next drawing (a survey just ended). */
  focusNote: false
};
