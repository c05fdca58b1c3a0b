import { P } from './params.js';

/* The widget's texts, Russian and English: t.<key>. Add new keys in both languages. */
export var TEXTS = {
  ru: {
    title: 'Чат с оператором', online: 'Мы на связи', offline: 'Сейчас никого нет', busy: 'Все операторы заняты',
    placeholder: 'Напишите сообщение…', first: 'Задайте ваш вопрос…', send: 'Отправить', attach: 'Прикрепить файл',
    typing: 'печатает…', menu: 'Меню', minimise: 'Свернуть', close: 'Завершить чат', rate: 'Оценить',
    history: 'Отправить диалог на e-mail', messages: 'Сообщения', email: 'Ваш e-mail', name: 'Ваше имя', message: 'Сообщение',
    offlineIntro: 'Сейчас никого нет в сети. Оставьте сообщение — мы ответим на e-mail.',
    offlineSent: 'Сообщение отправлено. Мы ответим, как только сможем.', cantWrite: 'Сейчас нельзя оставить сообщение. Попробуйте позже.',
    pick: 'Выберите отдел:', closed: 'Чат завершён.', reopen: 'Если напишете снова, разговор продолжится в этом же чате.', newChat: 'Напишите, чтобы начать новый чат.',
    thanks: 'Спасибо за оценку!', sent: 'Диалог отправлен на e-mail.', cancel: 'Отмена', read: 'прочитано',
    retry: 'не отправлено — повтор…', bytes: '{n} Б', kb: '{n} КБ', mb: '{n} МБ', file: 'Файл', operator: 'Оператор', stars: 'Оценка {n} из 5',
    survey: 'Опрос', surveyIntro: 'Пожалуйста, ответьте на несколько вопросов о диалоге.', surveySkip: 'Пропустить опрос',
    surveyLeft: 'Осталось символов: {n} из {max}', surveyThanks: 'Спасибо за ответы!', surveyClosed: 'Опрос закрыт.', surveyCommentHint: 'Напишите комментарий и нажмите «{send}» — или «{skip}», если отвечать не хотите.',
    contactsIntro: 'Оставьте контакты, и мы с вами свяжемся.', contactsSend: 'Отправить контакты',
    contactLabels: { name: 'Имя', email: 'E-mail', phone: 'Телефон' }, contactRequired: 'Заполните поле «{field}».',
    contactBadEmail: 'Введите e-mail в виде name@example.com.', contactBadPhone: 'Введите телефон цифрами, например +7 999 123-45-67.',
    contactEmpty: 'Заполните хотя бы одно поле.', contactsThanks: 'Спасибо! Контакты переданы оператору.',
    errors: { 'max_file_size_exceeded': 'Файл слишком большой.', 'not_allowed_file_type': 'Такой тип файла нельзя отправить.',
      'not_allowed_mime_type': 'Такой тип файла нельзя отправить.', 'not_matching_magic_numbers': 'Содержимое файла не совпадает с его типом.',
      'max-message-length-exceeded': 'Сообщение слишком длинное.', 'chat-history-sent-too-many-times': 'Слишком много отправок, попробуйте позже.',
      'wrong-argument-value': 'Проверьте введённые данные.', 'argument-missing': 'Заполните обязательные поля.',
      'email-changed-too-many-times': 'E-mail можно менять не больше трёх раз в день.',
      'not_allowed': 'Оператор больше не ждёт контактов.', 'max-comment-length-exceeded': 'Комментарий слишком длинный.', 'question-not-found': 'Этот вопрос уже закрыт.', 'incorrect-stars-value': 'Выберите от 1 до 5 звёзд.', 'incorrect-radio-value': 'Выберите один из вариантов.',
      'visitor_banned': 'Доступ к чату для вас ограничен. Начать новый диалог сейчас нельзя.' }
  },
  en: {
    title: 'Chat with us', online: 'We are online', offline: 'Nobody is online', busy: 'All operators are busy',
    placeholder: 'Type a message…', first: 'Ask your question…', send: 'Send', attach: 'Attach a file',
    typing: 'is typing…', menu: 'Menu', minimise: 'Minimise', close: 'End chat', rate: 'Rate',
    history: 'Send the chat to my e-mail', messages: 'Messages', email: 'Your e-mail', name: 'Your name', message: 'Message',
    offlineIntro: 'Nobody is online now. Leave a message and we will answer by e-mail.',
    offlineSent: 'Message sent. We will answer as soon as we can.', cantWrite: 'Messages cannot be left right now. Please try later.',
    pick: 'Choose a department:', closed: 'The chat has ended.', reopen: 'Write again to continue the conversation in this chat.', newChat: 'Write to start a new chat.',
    thanks: 'Thank you for the rating!', sent: 'The chat was sent to your e-mail.', cancel: 'Cancel', read: 'read',
    retry: 'not sent — retrying…', bytes: '{n} B', kb: '{n} KB', mb: '{n} MB', file: 'File', operator: 'Operator', stars: 'Rating {n} of 5',
    survey: 'Survey', surveyIntro: 'Please answer a few questions about the chat.', surveySkip: 'Skip the survey',
    surveyLeft: 'Characters left: {n} of {max}', surveyThanks: 'Thank you for your answers!', surveyClosed: 'The survey is closed.', surveyCommentHint: 'Write a comment and press “{send}”, or press “{skip}” if you would rather not answer.',
    contactsIntro: 'Leave your contact details and we will get back to you.', contactsSend: 'Send contacts',
    contactLabels: { name: 'Name', email: 'E-mail', phone: 'Phone' }, contactRequired: 'Please fill in «{field}».',
    contactBadEmail: 'Enter an e-mail such as name@example.com.', contactBadPhone: 'Enter a phone number in digits, e.g. +44 20 7946 0958.',
    contactEmpty: 'Please fill in at least one field.', contactsThanks: 'Thank you! Your contacts were passed to the operator.',
    errors: { 'max_file_size_exceeded': 'The file is too large.', 'not_allowed_file_type': 'This type of file cannot be sent.',
      'not_allowed_mime_type': 'This type of file cannot be sent.', 'not_matching_magic_numbers': 'The file does not match its type.',
      'max-message-length-exceeded': 'The message is too long.', 'chat-history-sent-too-many-times': 'Too many requests, try later.',
      'wrong-argument-value': 'Please check what you entered.', 'argument-missing': 'Please fill in the required fields.',
      'email-changed-too-many-times': 'The e-mail can be changed at most three times a day.',
      'not_allowed': 'The operator no longer waits for contacts.', 'max-comment-length-exceeded': 'The comment is too long.', 'question-not-found': 'This question is closed.', 'incorrect-stars-value': 'Choose 1 to 5 stars.', 'incorrect-radio-value': 'Choose one of the options.',
      'visitor_banned': 'Your access to the chat has been restricted. You cannot start a chat now.' }
  }
};
/** The texts in the window's language (the page asks, else the placement's language). */
export var t = TEXTS[P.get('lang') === 'en' ? 'en' : 'ru'];

export function speakEnglish() { t = TEXTS.en; }

/** Whether the window speaks English. */
export function english() { return t === TEXTS.en; }
