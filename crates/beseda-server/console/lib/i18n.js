/* The console's language (Russian or English) and its texts. Logged in, the console shows the
   operator's interface language (`GET /me` → `interfaceLang`: their own, else the
   organisation's main language); the browser keeps the last one for the login form. Each app
   registers its catalogue once (`texts`), key → [Russian, English]; `t(key)` looks a key up
   there, then among the texts every page shares (below). */

const LANG_KEY = 'beseda.lang';

/** @typedef {'ru' | 'en'} Lang */
/** @typedef {Record<string, [string, string]>} Catalogue */

/** The login form's language: this browser's last choice, else the browser's own.
 * @type {Lang} */
let current = /** @type {Lang} */ (localStorage.getItem(LANG_KEY) ||
  ((navigator.language || '').slice(0, 2) === 'en' ? 'en' : 'ru'));

/** @type {Catalogue} */
const COMMON = {
  email: ['E-mail', 'E-mail'],
  password: ['Пароль', 'Password'],
  login: ['Войти', 'Log in'],
  logout: ['Выйти', 'Log out'],
  wrong: ['Неверный e-mail или пароль', 'Wrong e-mail or password'],
  language: ['English', 'Русский'],
  save: ['Сохранить', 'Save'],
  saved: ['Сохранено', 'Saved'],
  cancel: ['Отмена', 'Cancel'],
  delete: ['Удалить', 'Delete'],
  add: ['Добавить', 'Add'],
  edit: ['Изменить', 'Edit'],
  workspace: ['Рабочее место', 'Workspace'],
  admin: ['Администрирование', 'Administration'],
  error: ['Ошибка', 'Error'],
  forbidden: ['Нет доступа', 'Forbidden'],
  blocked: ['Доступ с вашего адреса запрещён', 'Access from your address is not allowed'],
  newPassword: ['Новый пароль', 'New password'],
  repeatPassword: ['Новый пароль ещё раз', 'New password again'],
  mustChange: ['Этот пароль одноразовый. Задайте свой пароль, чтобы войти.', 'This password is one-time. Set your own password to log in.'],
  mismatch: ['Пароли не совпадают', 'The passwords differ'],
  weakPassword: ['Пароль — от 8 до 200 символов и не такой, как прежний', 'A password has 8 to 200 characters and differs from the old one'],
  deactivated: ['Учётная запись отключена', 'This account is deactivated'],
  setPassword: ['Задать пароль и войти', 'Set the password and log in'],
  totp: ['Код из приложения-аутентификатора (или код восстановления)', 'Code from the authenticator app (or a recovery code)'],
  totpWrong: ['Неверный код', 'Wrong code'],
  close: ['Закрыть', 'Close'],
  visitor: ['Посетитель', 'Visitor'],
  visitorN: ['Посетитель {n}', 'Visitor {n}'],
  'role.admin': ['Администратор', 'Administrator'],
  'role.supervisor': ['Супервизор', 'Supervisor'],
  'role.operator': ['Оператор', 'Operator'],
  interfaceLang: ['Язык интерфейса', 'Interface language'],
  interfaceMain: ['Основной язык организации', "The organisation's main language"],
  interfaceLangHelp: ['Язык рабочего места и панели администратора для этого оператора; у других языков — английский',
    "The language of the workspace and admin panel for this operator; other languages show English"],
  addLanguage: ['Добавить язык…', 'Add a language…'],
  surveyBlock: ['Опрос', 'Survey'],
  /* Refusals by their `error` code (lib/api.js message()). */
  'err.badField': ['Недопустимое значение поля «{field}»', 'Bad value of «{field}»'],
  'err.missingField': ['Не заполнено поле «{field}»', '«{field}» is missing'],
  'err.not-found': ['Не найдено', 'Not found'],
  'err.forbidden': ['Нет доступа', 'Forbidden'],
  'err.access-denied': ['Нет доступа', 'Access denied'],
  'err.too-many-requests': ['Слишком много запросов, попробуйте позже', 'Too many requests; try later'],
  'err.request-too-large': ['Слишком большой запрос', 'The request is too large'],
  'err.csrf-token-invalid': ['Сеанс устарел, обновите страницу', 'The session is stale; reload the page'],
  'err.chat-not-found': ['Диалог не найден', 'No such chat'],
  'err.chat-taken': ['Диалог уже взял другой оператор', 'Another operator has taken the chat'],
  'err.chat-closed': ['Диалог закрыт', 'The chat is closed'],
  'err.chat-not-served': ['Это не ваш диалог', 'This chat is not yours'],
  'err.hidden-by-settings': ['Скрыто настройками', 'Hidden by the settings'],
  'err.not_allowed': ['Действие не разрешено', 'Not allowed'],
  'err.message_empty': ['Пустое сообщение', 'The message is empty'],
  'err.max-message-length-exceeded': ['Сообщение слишком длинное', 'The message is too long'],
  'err.operator-offline': ['Оператор не в сети', 'The operator is offline'],
  'err.operator-language-not-spoken': ['Оператор не говорит на языке диалога', "The operator does not speak the chat's language"],
  'err.unknown-language': ['Нет такого языка (нужен код ISO 639-1)', 'No such language (an ISO 639-1 code is needed)'],
  'err.unsupported-interface-language': ['Интерфейс есть на русском и английском', 'The interface exists in Russian and English'],
  'err.language-not-spoken-online': ['Сейчас никто в сети не говорит на этом языке', 'Nobody online speaks this language now'],
  'err.multilang-off': ['Язык диалога меняется только при включённой многоязычности', "The chat's language changes only with multilanguage on"],
  'err.department-offline': ['Сейчас в отделе некому принять диалог', 'Nobody in the department can take the chat now'],
  'err.category-required': ['Перед закрытием укажите категорию', 'Set a category before closing'],
  'err.wrong-category': ['Нет такой категории', 'No such category'],
  'err.setting_disabled': ['Выключено в настройках', 'Turned off in the settings'],
  'err.visitor_banned': ['Посетитель заблокирован', 'The visitor is blocked'],
  'err.visitor-not-on-site': ['Посетитель уже ушёл с сайта', 'The visitor has left the site'],
  'err.teleport-other-site': ['Можно перевести только на страницу сайта, где сейчас посетитель', "Only pages of the visitor's own site can be reached"],
  'err.teleport-no-page': ['Посетитель не на странице сайта (приложение или мессенджер)', 'The visitor is not on a web page (an app or a messenger)'],
  'err.teleport-page-not-found': ['Нет страницы с таким кодом', 'No page has this code'],
  'err.operator-not-found': ['Оператор не найден', 'No such operator'],
  'err.template-not-found': ['Шаблон не найден', 'No such template'],
  'err.file-not-found': ['Файл не найден', 'No such file'],
  'err.email-taken': ['Этот e-mail уже занят', 'This e-mail is taken'],
  'err.profile-editing-disabled': ['Профили редактируют супервизоры и администраторы', 'Profiles are edited by supervisors and administrators'],
  'err.wrong-password': ['Текущий пароль неверен', 'The current password is wrong'],
  'err.invalid-totp': ['Неверный код', 'Wrong code'],
  'err.not-an-image': ['Это не изображение', 'Not an image'],
  'err.message_not_found': ['Сообщение не найдено (возможно, уже удалено)', 'No such message (it may be deleted already)'],
  'err.message_not_owned': ['Удалять можно только свои сообщения', 'You can delete only your own messages'],
  'err.wrong_message_kind': ['Такое сообщение удалить нельзя', 'This kind of message cannot be deleted']
};

/** @type {Catalogue} */
let catalogue = {};

/** The console's language. @returns {Lang} */
export function lang() { return current; }

/** The other of the two languages. @returns {Lang} */
export function otherLang() { return current === 'ru' ? 'en' : 'ru'; }

/** Keeps `l` as this browser's language for the next page load (the login form's too). @param {string} l */
export function keepLang(l) { localStorage.setItem(LANG_KEY, l === 'en' ? 'en' : 'ru'); }

/** Forgets this browser's choice: the organisation's main language applies. */
export function forgetLang() { localStorage.removeItem(LANG_KEY); }

/**
 * The language of a logged-in operator's pages, set before they are drawn: the operator's own
 * interface language, else this browser's last choice, else the organisation's main one (as
 * `GET /me` names it: `ru` or `en`).
 * @param {string | null | undefined} own
 * @param {string | undefined} main
 */
export function adopt(own, main) {
  const chosen = own || localStorage.getItem(LANG_KEY) || main;
  if (own) keepLang(own);
  current = chosen === 'en' ? 'en' : 'ru';
  document.documentElement.lang = current;
}

/**
 * Registers the app's catalogue (key → [Russian, English]).
 * @param {Catalogue} own
 */
export function texts(own) { catalogue = own; }

/** Whether `key` has a text. @param {string} key */
export function has(key) {
  return Object.prototype.hasOwnProperty.call(catalogue, key) || Object.prototype.hasOwnProperty.call(COMMON, key);
}

/**
 * The text of `key` in the console's language (the key itself when there is none).
 * @param {string} key
 * @returns {string}
 */
export function t(key) {
  const i = current === 'en' ? 1 : 0;
  const hit = Object.prototype.hasOwnProperty.call(catalogue, key) ? catalogue[key]
    : Object.prototype.hasOwnProperty.call(COMMON, key) ? COMMON[key] : null;
  return hit ? hit[i] : key;
}

/**
 * `text` with `{name}` replaced by `vars.name` (unknown names stay).
 * @param {string} text
 * @param {Record<string, any>} vars
 */
export function fill(text, vars) {
  return text.replace(/\{(\w+)\}/g, function (m, k) { return vars[k] == null ? m : String(vars[k]); });
}
