/* Beseda admin panel: the organisation's settings section by section (company, e-mail
   addresses, classification, templates, auto-messages, lead generator, extra functions,
   integration, security, miscellany), operators, departments, bots, placements, statistics and
   history. Administrators see every section; supervisors see statistics, history and the
   operators' cards; operators are sent to the workspace. Each settings section saves only its
   own keys. Every value from the server goes into the page as text. */
(function () {
  'use strict';
  var B = window.Beseda, el = B.el, t = B.t, clear = B.clear;
  var SVG = 'http://www.w3.org/2000/svg';

  /* Texts: key → [Russian, English]. `f.<setting>` labels a setting, `h.<setting>` explains it. */
  var T = {
    title: ['Администрирование', 'Administration'],
    loading: ['Загрузка…', 'Loading…'],
    notForYou: ['Панель администрирования доступна администраторам и супервизорам.',
      'The admin panel is for administrators and supervisors.'],
    toWorkspace: ['Перейти на рабочее место', 'Go to the workspace'],
    'nav.settings': ['Общие настройки', 'General settings'],
    'nav.org': ['Организация', 'Organisation'],
    'nav.reports': ['Отчёты', 'Reports'],
    'sec.company': ['Компания', 'Company'],
    'sec.emails': ['Адреса электронной почты', 'E-mail addresses'],
    'sec.classification': ['Классификация чатов', 'Chat classification'],
    'sec.templates': ['Шаблоны', 'Templates'],
    'sec.automessages': ['Автосообщения', 'Auto-messages'],
    'sec.leads': ['Генератор лидов', 'Lead generator'],
    'sec.extra': ['Дополнительные функции', 'Extra functions'],
    'sec.integration': ['Интеграция', 'Integration'],
    'sec.security': ['Безопасность', 'Security'],
    'sec.misc': ['Разное', 'Miscellaneous'],
    'sec.operators': ['Операторы', 'Operators'],
    'sec.departments': ['Отделы', 'Departments'],
    'sec.bots': ['Боты', 'Bots'],
    'sec.placements': ['Размещения и код кнопки', 'Placements and button code'],
    'sec.stats': ['Статистика', 'Statistics'],
    'sec.history': ['История диалогов', 'Chat history'],
    'sec.audit': ['Журнал действий', 'Audit log'],
    'intro.company': ['Сведения о вашей организации, которые видят посетители.',
      'What visitors see of your organisation.'],
    'intro.emails': ['Куда сервис отправляет письма о событиях на сайте. В каждом поле можно указать несколько адресов через запятую, например petrov@moysite.ru, ivanov@company.com. Все поля обязательны.',
      'Where the service sends mail about what happens on the site. Each field takes one or more addresses separated by commas, e.g. petrov@mysite.com, ivanov@company.com. All fields are required.'],
    'intro.classification': ['Категории, по которым операторы классифицируют диалоги.',
      'The categories operators file chats under.'],
    'intro.templates': ['Глобальные шаблоны ответов доступны всем операторам. Для каждого языка — свой набор. Шаблоны отделов редактируются в разделе «Отделы», личные — самими операторами на рабочем месте.',
      'Global reply templates are available to every operator, one set per language. Department templates are edited under Departments, personal ones by operators in the workspace.'],
    'intro.automessages': ['Сообщения, которые сервис отправляет посетителю сам, и тайм-ауты (в секундах).',
      'Messages the service sends the visitor by itself, and timeouts (in seconds).'],
    'intro.leads': ['Автоприглашение к диалогу рядом с кнопкой чата.', 'The auto-invitation shown next to the chat button.'],
    'intro.extra': ['Включение и настройка дополнительных функций.', 'Extra functions: on, off and their settings.'],
    'intro.integration': ['Идентификация посетителей, обработчики событий, CRM и мессенджеры.',
      'Visitor identification, event handlers, CRMs and messengers.'],
    'intro.security': ['С каких адресов можно открыть рабочее место и панель администрирования.',
      'Which addresses may open the workspace and the admin panel.'],
    'intro.misc': ['Показ кнопки чата.', 'When the chat button is shown.'],
    'intro.operators': ['Учётные записи операторов, их карточки, роли и распределение диалогов.',
      'Operator accounts: cards, roles and chat routing.'],
    'intro.departments': ['Отделы, между которыми распределяются диалоги, и их шаблоны ответов.',
      'Departments chats are routed to, and their reply templates.'],
    'intro.bots': ['Бот отвечает от имени учётной записи оператора и получает события на свой адрес. Заведите для бота отдельную учётную запись в разделе «Операторы».',
      'A bot speaks as an operator account and receives events at its address. Make a separate account for it under Operators.'],
    choose: ['— выберите —', '— choose —'],
    'intro.placements': ['Размещение — это кнопка чата на разделе сайта: язык, отделы, приветствие. Вставьте HTML-код на страницы сайта.',
      'A placement is the chat button of one part of the site: language, departments, greeting. Put its HTML code on the pages.'],
    'intro.stats': ['Диалоги за период по дням, операторам или отделам.', 'Chats of a period by day, operator or department.'],
    'intro.history': ['Поиск диалогов за период (не больше 500, новые первыми).', 'Chats of a period, newest first (at most 500).'],

    'f.name': ['Название компании', 'Company name'],
    'h.name': ['Показывается посетителям и в подписи писем, например ООО «Сила».',
      'Shown to visitors and in the signature of e-mails.'],
    'f.logo': ['Логотип', 'Logo'],
    'h.logo': ['JPEG, GIF или PNG, не больше 100×100 пикселей и 64 КБ. Показывается в окне чата у посетителя.',
      'JPEG, GIF or PNG, at most 100×100 pixels and 64 KB. Shown in the visitor\'s chat window.'],
    'f.time_zone': ['Часовой пояс', 'Time zone'],
    'h.time_zone': ['Например Europe/Moscow: по нему считаются статистика, история и ежедневный отчёт.',
      'For example Europe/Moscow: statistics, history and the daily report follow it.'],
    'f.site_url': ['Ссылка на ваш веб-сайт', 'Your website'],
    'h.site_url': ['Добавляется в подпись писем, например https://moysite.ru.', 'Added to the signature of e-mails, e.g. https://mysite.com.'],
    'f.default_lang': ['Основной язык интерфейса', 'Primary language'],
    'h.default_lang': ['Язык окна чата и писем, если для размещения не выбран другой.',
      'The language of the chat window and of e-mails unless a placement says otherwise.'],
    'f.daily_report_time': ['Конец рабочего дня', 'End of the working day'],
    'h.daily_report_time': ['В это время отправляется ежедневный отчёт.', 'The daily report is sent at this time.'],

    'f.email_left_messages': ['Для оставленных сообщений', 'For left messages'],
    'h.email_left_messages': ['Сюда приходят сообщения, оставленные, когда никого нет в сети; первый адрес — обратный адрес писем посетителям.',
      'Messages left while nobody is online come here; the first address is the Reply-To of mail to visitors.'],
    'f.email_negative_feedback': ['Для негативных отзывов', 'For negative feedback'],
    'h.email_negative_feedback': ['Плохие оценки операторов и долгое ожидание ответа.', 'Poor ratings and long waits for an answer.'],
    'f.email_daily_reports': ['Для ежедневных отчётов', 'For daily reports'],
    'h.email_daily_reports': ['Статистика и история за рабочий день.', 'Statistics and history of the working day.'],

    'f.categories': ['Категории', 'Categories'],
    'h.categories': ['По одной в строке. Строка, начинающаяся с пробела, — подкатегория предыдущей.',
      'One per line. A line starting with a space is a subcategory of the one above.'],
    'f.category_required': ['Обязательное указание категории', 'Category required'],
    'h.category_required': ['Оператор должен указать категорию, прежде чем закрыть диалог.', 'Operators must set a category before closing a chat.'],

    'f.greeting_message': ['Текст приветствия в начале диалога', 'Greeting at the start of a chat'],
    'h.greeting_message': ['Пусто — без приветствия.', 'Empty: no greeting.'],
    'f.first_answer_timeout_secs': ['Тайм-аут ожидания оператора для первого сообщения, с', 'Wait for the first answer, seconds'],
    'h.first_answer_timeout_secs': ['Дольше — посетитель получает сообщение о занятости. 0 — никогда.',
      'Longer and the visitor gets the busy message. 0: never.'],
    'f.operator_response_timeout_secs': ['Тайм-аут ответа оператора, с', 'Wait for an answer during the chat, seconds'],
    'h.operator_response_timeout_secs': ['Один раз за диалог. 0 — никогда.', 'Once per chat. 0: never.'],
    'f.busy_message': ['Сообщение в случае тайм-аута ответа оператора', 'Message when an answer takes too long'],
    'f.refusal_timeout_secs': ['Тайм-аут отказа, с', 'Refusal timeout, seconds'],
    'h.refusal_timeout_secs': ['Ушедший без ответа раньше этого срока — отказ, позже — пропущенный посетитель.',
      'A visitor leaving unanswered sooner is a refusal, later a missed visitor.'],
    'f.auto_close_timeout_secs': ['Закрывать неактивный диалог через, с', 'Close an inactive chat after, seconds'],
    'h.auto_close_timeout_secs': ['0 — не закрывать.', '0: never.'],
    'f.closed_by_operator_timeout_secs': ['Окончательно закрывать после закрытия оператором через, с',
      'Close finally after the operator closed, seconds'],
    'h.closed_by_operator_timeout_secs': ['0 — ждать, пока уйдёт посетитель.', '0: wait for the visitor to leave.'],
    'f.operator_closes_finally': ['Закрытие оператором сразу окончательное', 'The operator\'s close is final at once'],
    'f.reassign_timeout_secs': ['Переназначать диалог, если оператор молчит, с', 'Reassign a chat whose operator is silent, seconds'],
    'h.reassign_timeout_secs': ['0 — не переназначать.', '0: never.'],

    'f.lead_photo': ['Фотография для автоприглашений', 'Photo for auto-invitations'],
    'h.lead_photo': ['JPEG или PNG, не больше 100×100 пикселей. Без фотографии показывается стандартный аватар.',
      'JPEG or PNG, at most 100×100 pixels. Without it the default avatar is shown.'],
    'f.auto_invitation_text': ['Текст автоприглашения', 'Auto-invitation text'],
    'h.auto_invitation_text': ['Пусто — без автоприглашения.', 'Empty: no auto-invitation.'],
    'f.auto_invitation_delay_secs': ['Показывать приглашение через, с', 'Show the invitation after, seconds'],

    'g.operators': ['Операторы', 'Operators'],
    'g.routing': ['Распределение диалогов', 'Routing'],
    'g.window': ['Окно чата посетителя', 'The visitor\'s chat window'],
    'f.hide_others_chats': ['Скрывать чужие диалоги', 'Hide other operators\' chats'],
    'h.hide_others_chats': ['Операторы видят только свои и ещё не взятые диалоги; администраторы и супервизоры — все.',
      'Operators see only their own and unassigned chats; administrators and supervisors see all.'],
    'f.hidden_profiles': ['Скрытые профили', 'Hidden profiles'],
    'h.hidden_profiles': ['Операторы не могут менять свои профили; это делают супервизоры и администраторы.',
      'Operators cannot edit their own profiles; supervisors and administrators do.'],
    'f.new_visitor_notification': ['Уведомление о новых посетителях', 'New visitor notification'],
    'f.multilang': ['Многоязычность', 'Multiple languages'],
    'h.multilang': ['У диалогов есть язык; распределение учитывает языки операторов.',
      'Chats have a language; routing respects the operators\' languages.'],
    'f.auto_assignment': ['Автоназначение', 'Auto-assignment'],
    'h.auto_assignment': ['Новый диалог сразу получает наименее загруженный подходящий оператор.',
      'A new chat goes straight to the least loaded matching operator.'],
    'f.max_chats_per_operator': ['Максимальное кол-во чатов на оператора', 'Maximum chats per operator'],
    'f.teleport': ['Телепорт', 'Teleport'],
    'h.teleport': ['Оператор может перевести посетителя на другую страницу сайта.', 'Operators may send the visitor to another page of the site.'],
    'f.send_chat_history': ['Отправка посетителем истории на почту', 'Visitors may e-mail themselves the chat'],
    'f.priority_pages': ['Приоритетные страницы', 'Priority pages'],
    'h.priority_pages': ['По одному абсолютному адресу в строке, например https://www.mysite.com/main.',
      'One absolute URL per line, e.g. https://www.mysite.com/main.'],
    'f.operator_typing_preview': ['Оператор видит набираемый посетителем текст', 'Operators see what the visitor is typing'],
    'f.chat_start_after_message': ['Диалог начинается с первого сообщения посетителя', 'A chat starts with the visitor\'s first message'],
    'f.department_choice_obligatory': ['Обязательный выбор отдела', 'Department choice required'],
    'f.first_question_obligatory': ['Обязательный первый вопрос', 'First question required'],
    'f.rate_operator': ['Посетитель может оценить оператора', 'Visitors may rate the operator'],
    'f.visitor_upload_file': ['Посетитель может отправлять файлы', 'Visitors may send files'],
    'f.max_visitor_upload_file_size': ['Максимальный размер файла, МБ', 'Largest file, MB'],
    'f.allowed_upload_file_types': ['Разрешённые типы файлов', 'Allowed file types'],
    'h.allowed_upload_file_types': ['Расширения через запятую: png, jpg, pdf.', 'Extensions separated by commas: png, jpg, pdf.'],
    'f.max_message_length': ['Максимальная длина сообщения, символов', 'Longest message, characters'],
    'f.visitor_message_editing': ['Посетитель может редактировать свои сообщения', 'Visitors may edit their messages'],
    'f.visitor_message_deleting': ['Посетитель может удалять свои сообщения', 'Visitors may delete their messages'],
    'f.web_and_mobile_quoting': ['Цитирование сообщений', 'Quoting messages'],

    'g.general': ['Общие параметры', 'General'],
    'g.handlers': ['Обработчики событий', 'Event handlers'],
    'g.zendesk': ['Zendesk', 'Zendesk'],
    'g.amocrm': ['amoCRM', 'amoCRM'],
    'g.zoho': ['Zoho CRM', 'Zoho CRM'],
    'g.unisender': ['Unisender', 'Unisender'],
    'f.provided_visitor_private_key': ['Приватный ключ', 'Private key'],
    'h.provided_visitor_private_key': ['Подписывает данные идентифицированных посетителей; пусто — идентификация выключена.',
      'Signs the data of identified visitors; empty: identification off.'],
    'f.provided_visitor_hash_algorithm': ['Алгоритм подписи', 'Signature algorithm'],
    'f.crm_link_template': ['Шаблон адреса (CRM)', 'Address template (CRM)'],
    'h.crm_link_template': ['Например https://crm.mydomain.com/?id={id}, где {id} — идентификатор пользователя.',
      'E.g. https://crm.mydomain.com/?id={id}, {id} standing for the user\'s id.'],
    'f.chat_started_handler_url': ['Начало чата', 'Chat started'],
    'f.chat_assigned_handler_url': ['Назначение диалогу оператора', 'Operator assigned'],
    'f.chat_closed_handler_url': ['Завершение чата', 'Chat closed'],
    'f.chat_events_handler_url': ['Все события', 'All events'],
    'h.chat_events_handler_url': ['К адресу добавляется event=имя события.', 'event=<name> is added to the address.'],
    'f.chat_handlers_signing_secret': ['Секрет для подписи запросов', 'Request signing secret'],
    'f.zendesk_subdomain': ['Аккаунт Zendesk', 'Zendesk account'],
    'h.zendesk_subdomain': ['{subdomain} из адреса {subdomain}.zendesk.com.', 'The {subdomain} of {subdomain}.zendesk.com.'],
    'f.zendesk_login': ['Логин Zendesk (e-mail)', 'Zendesk login (e-mail)'],
    'f.zendesk_api_token': ['Zendesk API Token или пароль', 'Zendesk API token or password'],
    'f.amocrm_account': ['Имя аккаунта', 'Account name'],
    'f.amocrm_login': ['Email пользователя', 'User e-mail'],
    'f.amocrm_api_key': ['API ключ', 'API key'],
    'f.zoho_email': ['Email', 'E-mail'],
    'f.zoho_password': ['Пароль', 'Password'],
    'f.zoho_auth_token': ['Токен авторизации (не обязательно)', 'Auth token (optional)'],
    'f.zoho_lead_source': ['Источник контакта (не обязательно)', 'Lead source (optional)'],
    'f.unisender_api_key': ['API ключ', 'API key'],
    'f.unisender_list_name': ['Название списка', 'List name'],
    exportContacts: ['Экспортировать контакты', 'Export contacts'],
    exportProgress: ['Экспорт: {done} из {total} ({percent}%)', 'Export: {done} of {total} ({percent}%)'],
    exportDone: ['Экспорт завершён: {done} из {total}', 'Export finished: {done} of {total}'],
    exportFailed: ['Экспорт не удался: ', 'Export failed: '],
    channels: ['Мессенджеры', 'Messengers'],
    telegram: ['Telegram', 'Telegram'],
    vk: ['Сообщество ВКонтакте', 'VK community'],
    channelTitle: ['Название канала', 'Channel name'],
    botToken: ['Токен авторизации бота в Telegram', 'Telegram bot token'],
    botTokenHelp: ['Токен, полученный у @BotFather, например 123456:ABC-DEF…', 'The token from @BotFather, like 123456:ABC-DEF…'],
    vkAccess: ['Ключ доступа сообщества', 'Community access key'],
    vkGroup: ['ID сообщества', 'Community id'],
    vkConfirmation: ['Строка, которую должен вернуть сервер', 'The string the server must return'],
    connect: ['Подключить', 'Connect'],
    webhookUrl: ['Адрес для сообщений Telegram', 'Telegram webhook'],
    botUsername: ['Бот', 'Bot'],
    callbackUrl: ['Адрес сервера для Callback API', 'Callback API server address'],
    secretKey: ['Секретный ключ', 'Secret key'],
    kind: ['Тип', 'Kind'],
    key: ['Ключ', 'Key'],
    noChannels: ['Каналов пока нет', 'No channels yet'],
    webhooks: ['Вызовы обработчиков событий', 'Event handler calls'],
    allStatuses: ['Все', 'All'],
    resend: ['Отправить снова', 'Send again'],
    resent: ['Поставлено в очередь', 'Queued'],
    event: ['Событие', 'Event'],
    chat: ['Диалог', 'Chat'],
    url: ['Адрес', 'URL'],
    status: ['Состояние', 'Status'],
    attempts: ['Попыток', 'Attempts'],
    lastError: ['Последний ответ', 'Last answer'],
    created: ['Создан', 'Created'],
    nothing: ['Пусто', 'Nothing here'],
    refresh: ['Обновить', 'Refresh'],

    'f.require_2fa': ['Двухфакторная аутентификация обязательна', 'Two-factor authentication required'],
    'h.require_2fa': ['Без второго фактора (приложение-аутентификатор) сотрудник сможет только настроить его в рабочем месте.',
      'Without a second factor (an authenticator app) a user can only set one up in the workspace.'],
    'f.ip_allowlist': ['Разрешённые адреса IP', 'Allowed IP addresses'],
    'h.ip_allowlist': ['Адреса и диапазоны IPv4 через запятую, например 54.37.12.118, 192.168.0.123, 192.168.0.1-192.168.0.50. Пусто — вход с любых адресов. IPv6 и маски подсети не поддерживаются. Список, в который не входит ваш адрес, не сохранится.',
      'IPv4 addresses and ranges separated by commas, e.g. 54.37.12.118, 192.168.0.123, 192.168.0.1-192.168.0.50. Empty: any address. IPv6 and subnet masks are not supported. A list without your own address is not saved.'],
    'f.button_probability': ['Вероятность показа кнопки новому посетителю, %', 'Probability of showing the button to a new visitor, %'],
    'h.button_probability': ['100 — показывать всегда.', '100: always.'],
    'f.online_queue_limit': ['Лимит онлайн-диалогов в очереди', 'Limit of online chats in the queue'],
    'h.online_queue_limit': ['Когда столько диалогов ждут, онлайн-кнопка скрывается. Пусто — без ограничения.',
      'While this many chats wait the online button is hidden. Empty: no limit.'],
    'f.offline_queue_limit': ['Лимит оффлайн-обращений в очереди', 'Limit of offline requests in the queue'],
    'h.offline_queue_limit': ['Когда столько обращений ждут, оффлайн-кнопка скрывается. Пусто — без ограничения.',
      'While this many requests wait the offline button is hidden. Empty: no limit.'],

    remove: ['Удалить изображение', 'Remove the image'],
    noImage: ['Изображение не загружено', 'No image'],
    tooBig: ['файл больше 64 КБ', 'the file is over 64 KB'],
    wrongType: ['неподходящий тип файла', 'not an allowed file type'],
    needNumber: ['нужно целое число', 'a whole number is needed'],
    required: ['обязательное поле', 'required'],
    needEmail: ['нужен адрес e-mail', 'an e-mail address is needed'],
    needEmails: ['нужны адреса e-mail через запятую', 'e-mail addresses separated by commas are needed'],
    needUrl: ['нужен адрес, начинающийся с http:// или https://', 'an address starting with http:// or https:// is needed'],
    rangeBoth: ['от {min} до {max}', 'from {min} to {max}'],
    rangeMin: ['не меньше {min}', 'at least {min}'],
    rangeMax: ['не больше {max}', 'at most {max}'],
    tooShort: ['не короче {n} символов', 'at least {n} characters'],
    sure: ['Точно удалить?', 'Really delete?'],
    lang: ['Язык', 'Language'],
    ru: ['Русский', 'Russian'],
    en: ['Английский', 'English'],
    orgLang: ['Основной язык организации', 'The organisation\'s primary language'],
    section: ['Раздел', 'Section'],
    templateTitle: ['Название', 'Title'],
    text: ['Текст', 'Text'],
    actions: ['Действия', 'Actions'],
    newTemplate: ['Новый шаблон', 'New template'],
    editTemplate: ['Изменить шаблон', 'Edit the template'],
    noTemplates: ['Шаблонов для этого языка нет', 'No templates in this language'],

    name: ['Имя', 'Name'],
    role: ['Роль', 'Role'],
    'role.admin': ['Администратор', 'Administrator'],
    'role.supervisor': ['Супервизор', 'Supervisor'],
    'role.operator': ['Оператор', 'Operator'],
    'st.online': ['Онлайн', 'Online'],
    'st.invisible': ['Невидимый', 'Invisible'],
    'st.offline': ['Не в сети', 'Offline'],
    departments: ['Отделы', 'Departments'],
    languages: ['Языки общения', 'Languages'],
    maxChats: ['Максимум чатов', 'Maximum chats'],
    maxChatsHelp: ['Пусто — как в общих настройках.', 'Empty: as in the general settings.'],
    avatar: ['Фотография', 'Photo'],
    avatarHelp: ['JPEG или PNG, не больше 100×100 пикселей и 64 КБ. Видна посетителям в окне чата.',
      'JPEG or PNG, at most 100×100 pixels and 64 KB. Visitors see it in the chat window.'],
    newOperator: ['Новый оператор', 'New operator'],
    create: ['Создать', 'Create'],
    created2: ['Создано', 'Created'],
    card: ['Карточка оператора', 'Operator card'],
    routing: ['Распределение диалогов', 'Routing'],
    self: ['(это вы)', '(you)'],
    access: ['Доступ', 'Access'],
    accessHelp: ['Сброс пароля, отключение и удаление сразу завершают все сеансы и API-токены оператора; его открытые диалоги возвращаются в очередь. История диалогов сохраняется.',
      'A password reset, deactivation and deletion end every session and API token of the operator at once; their open chats return to the queue. Chat history stays.'],
    resetPassword: ['Сбросить пароль', 'Reset password'],
    temporaryPassword: ['Одноразовый пароль (показан один раз, передайте его оператору): {p}', 'One-time password (shown once; give it to the operator): {p}'],
    deactivate: ['Отключить', 'Deactivate'],
    reset2fa: ['Сбросить 2FA', 'Reset 2FA'],
    reset2faDone: ['Двухфакторная аутентификация отключена', 'Two-factor authentication turned off'],
    activate: ['Включить', 'Activate'],
    deleteOperator: ['Удалить оператора', 'Delete operator'],
    confirmDelete: ['Удалить оператора {name}? Его диалоги останутся в истории.', 'Delete operator {name}? Their chats stay in the history.'],
    inactive: ['отключён', 'deactivated'],
    activated: ['Включён', 'Activated'],
    deactivated: ['Отключён', 'Deactivated'],
    close: ['Закрыть', 'Close'],

    depName: ['Название', 'Name'],
    depNameEn: ['Название по-английски', 'Name in English'],
    order: ['Порядок', 'Order'],
    keyHelp: ['Латинские строчные буквы, цифры, _ и -', 'Lowercase Latin letters, digits, _ and -'],
    newDepartment: ['Новый отдел', 'New department'],
    editDepartment: ['Отдел', 'Department'],
    depTemplates: ['Шаблоны отдела', 'Department templates'],
    templates: ['Шаблоны', 'Templates'],

    bot: ['Бот', 'Bot'],
    operatorAccount: ['Учётная запись оператора', 'Operator account'],
    sortOrder: ['Порядок сортировки', 'Sort order'],
    apiVersion: ['Версия API', 'API version'],
    botWebhook: ['Адрес для событий (webhook)', 'Event address (webhook)'],
    replyTimeout: ['Ждать ответа бота, с', 'Wait for the bot\'s answer, seconds'],
    sendChannel: ['Передавать канал посетителя', 'Send the visitor\'s channel'],
    sendChatClosed: ['Сообщать о закрытии диалога', 'Report closed chats'],
    sendChatReturnedToBot: ['Сообщать о возврате диалога боту', 'Report chats returned to the bot'],
    rotateToken: ['Выдать новый токен (старый перестанет работать)', 'Issue a new token (the old one stops working)'],
    token: ['Токен', 'Token'],
    newBot: ['Новый бот', 'New bot'],
    editBot: ['Бот', 'Bot'],
    noBots: ['Ботов пока нет', 'No bots yet'],

    placement: ['Размещение', 'Placement'],
    placementTitle: ['Название', 'Title'],
    defaultDepartment: ['Отдел по умолчанию', 'Default department'],
    none: ['—', '—'],
    helloMessage: ['Приветствие в окне чата', 'Greeting in the chat window'],
    timeoutHours: ['Диалог продолжается после перерыва не дольше, ч', 'A chat resumes after a pause of at most, hours'],
    embed: ['HTML-код для сайта', 'HTML code for the site'],
    copy: ['Скопировать', 'Copy'],
    copied: ['Скопировано', 'Copied'],
    newPlacement: ['Новое размещение', 'New placement'],

    from: ['С', 'From'],
    to: ['По', 'To'],
    group: ['Группировать', 'Group by'],
    'group.day': ['по дням', 'by day'],
    'group.operator': ['по операторам', 'by operator'],
    'group.department': ['по отделам', 'by department'],
    'col.day': ['День', 'Day'],
    'col.operator': ['Оператор', 'Operator'],
    'col.department': ['Отдел', 'Department'],
    show: ['Показать', 'Show'],
    csv: ['Скачать CSV', 'Download CSV'],
    total: ['Итого', 'Total'],
    chats: ['Диалогов', 'Chats'],
    answered: ['Отвечено', 'Answered'],
    missed: ['Пропущено', 'Missed'],
    refusals: ['Отказов', 'Refusals'],
    busyMessages: ['Сообщений о занятости', 'Busy messages'],
    offline: ['Оставлено сообщений', 'Left messages'],
    avgFirstAnswer: ['Ср. время первого ответа, с', 'Avg. first answer, s'],
    avgResponse: ['Ср. время ответа, с', 'Avg. response, s'],
    ratings: ['Оценок', 'Ratings'],
    avgRating: ['Ср. оценка', 'Avg. rating'],
    chartChats: ['Диалоги', 'Chats'],
    chartFirstAnswer: ['Среднее время первого ответа, с', 'Average first answer, s'],
    noData: ['Нет данных за период', 'No data for the period'],

    operator: ['Оператор', 'Operator'],
    department: ['Отдел', 'Department'],
    category: ['Категория', 'Category'],
    search: ['Текст сообщений', 'Message text'],
    find: ['Найти', 'Search'],
    'audit.at': ['Когда', 'When'],
    'audit.actor': ['Кто', 'Who'],
    'audit.address': ['Адрес', 'Address'],
    'audit.action': ['Действие', 'Action'],
    'audit.target': ['Объект', 'Target'],
    'audit.changes': ['Изменения', 'Changes'],
    'audit.actorHint': ['e-mail, id, cli или system', 'e-mail, id, cli or system'],
    'audit.actionHint': ['например settings или operator.deactivate', 'e.g. settings or operator.deactivate'],
    'audit.newer': ['← Новее', '← Newer'],
    'audit.older': ['Старее →', 'Older →'],
    any: ['Все', 'Any'],
    when: ['Начат', 'Started'],
    state: ['Состояние', 'State'],
    outcome: ['Итог', 'Outcome'],
    visitor: ['Посетитель', 'Visitor'],
    firstQuestion: ['Первый вопрос', 'First question'],
    messages: ['Сообщений', 'Messages'],
    open: ['Открыть', 'Open'],
    truncated: ['Показаны первые 500 диалогов; уточните запрос.', 'The first 500 chats are shown; narrow the search.'],
    found: ['Найдено: {n}', 'Found: {n}'],
    'outcome.answered': ['отвечен', 'answered'],
    'outcome.missed': ['пропущен', 'missed'],
    'outcome.refusal': ['отказ', 'refusal'],
    'state.queue': ['в очереди', 'waiting'],
    'state.offline_queue': ['оставленное сообщение', 'left message'],
    'state.chatting': ['идёт диалог', 'chatting'],
    'state.chatting_with_robot': ['с ботом', 'with a bot'],
    'state.closed': ['закрыт', 'closed'],
    'state.closed_by_operator': ['закрыт оператором', 'closed by the operator'],
    'state.closed_by_visitor': ['посетитель ушёл', 'the visitor left'],
    'wh.pending': ['ожидает отправки', 'pending'],
    'wh.delivered': ['доставлен', 'delivered'],
    'wh.failed': ['отклонён', 'failed'],
    'wh.dead': ['попытки исчерпаны', 'retries spent']
  };
  var RU = {}, EN = {};
  Object.keys(T).forEach(function (k) { RU[k] = T[k][0]; EN[k] = T[k][1]; });
  B.texts(RU, EN);
  function has(key) { return Object.prototype.hasOwnProperty.call(T, key); }
  function fill(text, vars) { return text.replace(/\{(\w+)\}/g, function (m, k) { return vars[k] == null ? m : String(vars[k]); }); }

  /* ---------- small DOM helpers ---------- */

  function say(line, text, bad) {
    line.textContent = text || '';
    line.className = bad ? 'c-error' : 'c-ok';
  }
  function statusLine() { return el('p', { class: 'c-ok', role: 'status', 'aria-live': 'polite', 'data-test': 'status' }); }
  function input(name, label, attrs) {
    var a = { type: 'text', name: name, 'data-label': label };
    Object.keys(attrs || {}).forEach(function (k) { a[k] = attrs[k]; });
    return el(a.type === 'textarea' ? 'textarea' : 'input', a.type === 'textarea' ? without(a, 'type') : a);
  }
  function without(obj, key) { var o = {}; Object.keys(obj).forEach(function (k) { if (k !== key) o[k] = obj[k]; }); return o; }
  function select(name, label, options, value) {
    var s = el('select', { name: name, 'data-label': label }, options.map(function (o) {
      return el('option', { value: o[0], text: o[1] });
    }));
    if (value != null) s.value = value;
    return s;
  }
  function row(label, control, help) {
    return el('label', {}, [el('span', { text: label }), control, help ? el('small', { text: help }) : null]);
  }
  function check(name, label, checked) {
    var box = el('input', { type: 'checkbox', name: name, checked: !!checked, 'data-label': label });
    return { box: box, node: el('label', { class: 'c-check' }, [box, el('span', { text: label })]) };
  }
  /* Checkboxes for a set of values (departments, languages). */
  function checkSet(name, label, options, chosen) {
    var boxes = options.map(function (o) {
      var c = check(name, o[1], (chosen || []).indexOf(o[0]) >= 0);
      c.box.value = o[0];
      return c;
    });
    var node = el('fieldset', { class: 'a-set', 'data-test': name }, [el('legend', { text: label })]
      .concat(boxes.map(function (c) { return c.node; })));
    return { node: node, values: function () { return boxes.filter(function (c) { return c.box.checked; }).map(function (c) { return c.box.value; }); } };
  }
  function table(test, heads, rows) {
    return el('table', { class: 'c-table', 'data-test': test }, [
      el('thead', {}, [el('tr', {}, heads.map(function (h) { return el('th', { text: h }); }))]),
      el('tbody', {}, rows)
    ]);
  }
  function td(text) { return el('td', { text: text == null ? '' : String(text) }); }
  function actions(buttons) { return el('td', { class: 'a-actions' }, buttons); }
  function button(text, test, onclick, cls) { return el('button', { type: 'button', class: cls || '', 'data-test': test, text: text, onclick: onclick }); }
  /* A delete button that asks once more before acting. */
  function deleteButton(onconfirm) {
    var armed = false, timer = null;
    var b = button(t('delete'), 'delete', function () {
      if (!armed) {
        armed = true; b.textContent = t('sure'); b.className = 'c-danger';
        timer = setTimeout(function () { armed = false; b.textContent = t('delete'); b.className = ''; }, 5000);
        return;
      }
      clearTimeout(timer); b.disabled = true; onconfirm(b);
    });
    return b;
  }
  function dateTime(value) {
    if (value == null || value === '') return '';
    var d = typeof value === 'number' ? new Date(value / 1000) : new Date(value);
    if (isNaN(d.getTime())) return String(value);
    return d.toLocaleString(B.lang() === 'en' ? 'en-GB' : 'ru-RU',
      { year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit' });
  }
  function ymd(d) {
    function two(n) { return (n < 10 ? '0' : '') + n; }
    return d.getUTCFullYear() + '-' + two(d.getUTCMonth() + 1) + '-' + two(d.getUTCDate());
  }
  /* The date `n` days before `date` (both YYYY-MM-DD, calendar days). */
  function daysBefore(date, n) {
    return ymd(new Date(Date.parse(date + 'T00:00:00Z') - n * 86400000));
  }
  /* Today in the organisation's time zone, which decides the days of statistics and history
     (the browser's own date may already be tomorrow or still yesterday there). */
  function orgToday(me) {
    var w = me && me.status === 200 && me.body.workspace;
    return w && /^\d{4}-\d{2}-\d{2}$/.test(w.today || '') ? w.today : ymd(new Date());
  }
  function query(params) {
    return Object.keys(params).filter(function (k) { return params[k] !== '' && params[k] != null; })
      .map(function (k) { return encodeURIComponent(k) + '=' + encodeURIComponent(params[k]); }).join('&');
  }
  function roleName(r) { return has('role.' + r) ? t('role.' + r) : r; }
  function intOrNull(text) {
    var v = String(text).trim();
    if (v === '') return null;
    return /^-?\d+$/.test(v) ? parseInt(v, 10) : NaN;
  }

  /* Clears the marks of a form, then shows an API refusal: a "field: why" message marks the field
     it names and is shown with that field's label. */
  function unmark(form) {
    Array.prototype.forEach.call(form.querySelectorAll('[aria-invalid]'), function (n) { n.removeAttribute('aria-invalid'); });
  }
  function mark(control) {
    control.setAttribute('aria-invalid', 'true');
    if (control.focus) control.focus();
  }
  function refusal(form, line, res) {
    var msg = B.message(res);
    var m = /^([A-Za-z_.]+): ([\s\S]*)$/.exec(msg);
    if (m && res.status === 422) {
      var control = form.querySelector('[name="' + m[1] + '"]');
      if (control) {
        mark(control);
        msg = (control.getAttribute('data-label') || m[1]) + ': ' + m[2];
      }
    }
    say(line, msg, true);
  }
  /* The browser's own checks of a form's inputs (required, type, range), shown in the status line. */
  function checkForm(form, line) {
    unmark(form);
    var bad = Array.prototype.filter.call(form.elements, function (c) { return c.willValidate && !c.checkValidity(); })[0];
    if (!bad) return true;
    mark(bad);
    say(line, (bad.getAttribute('data-label') || bad.name) + ': ' + invalidity(bad), true);
    return false;
  }
  /* Why the browser refuses a control, in the panel's language. */
  function invalidity(c) {
    var v = c.validity, min = c.getAttribute('min'), max = c.getAttribute('max');
    if (v.valueMissing) return t('required');
    if (v.typeMismatch && c.type === 'email') return t(c.multiple ? 'needEmails' : 'needEmail');
    if (v.typeMismatch && c.type === 'url') return t('needUrl');
    if (v.badInput || v.stepMismatch) return t('needNumber');
    if (v.rangeUnderflow || v.rangeOverflow) {
      return fill(t(min != null && max != null ? 'rangeBoth' : min != null ? 'rangeMin' : 'rangeMax'), { min: min, max: max });
    }
    if (v.tooShort) return fill(t('tooShort'), { n: c.minLength });
    if (v.patternMismatch && c.name === 'key') return t('keyHelp');
    return c.validationMessage;
  }

  /* ---------- settings fields ---------- */

  var ZONES = (function () {
    try { if (Intl.supportedValuesOf) return Intl.supportedValuesOf('timeZone'); } catch (e) { /* older browsers */ }
    return ['Europe/Kaliningrad', 'Europe/Moscow', 'Europe/Samara', 'Asia/Yekaterinburg', 'Asia/Omsk', 'Asia/Novosibirsk',
      'Asia/Krasnoyarsk', 'Asia/Irkutsk', 'Asia/Yakutsk', 'Asia/Vladivostok', 'Asia/Magadan', 'Asia/Kamchatka', 'UTC'];
  })();

  /* One setting as a form control: {key, node, read() → JSON value or Error, set(value)}. */
  function makeField(spec, value) {
    var key = spec.key, type = spec.type || 'text', label = t('f.' + key);
    var help = has('h.' + key) ? el('small', { text: t('h.' + key) }) : null;
    var f = { key: key };
    var control;
    if (type === 'bool') {
      var c = check(key, label, value);
      control = c.box;
      f.node = el('div', { class: 'a-field' }, [c.node, help]);
      f.read = function () { return control.checked; };
      f.set = function (v) { control.checked = !!v; };
      return f;
    }
    if (type === 'image') return imageField(spec, value, label, help);
    var attrs = { required: !!spec.required, autocomplete: 'off' };
    if (type === 'number' || type === 'optnumber') {
      attrs.type = 'number'; attrs.min = spec.min == null ? 0 : spec.min; attrs.step = 1;
      if (spec.max != null) attrs.max = spec.max;
      attrs.inputmode = 'numeric';
    } else if (type === 'textarea' || type === 'lines') {
      attrs.type = 'textarea'; attrs.rows = spec.rows || 3;
    } else if (type === 'email') {
      attrs.type = 'email'; attrs.multiple = true;
    } else if (type === 'url') {
      attrs.type = 'url'; attrs.placeholder = 'https://';
    } else if (type === 'time') {
      attrs.type = 'time';
    } else if (type === 'secret') {
      attrs.type = spec.hidden ? 'password' : 'text'; attrs.autocomplete = spec.hidden ? 'new-password' : 'off';
      attrs.spellcheck = 'false';
    } else if (type === 'zone') {
      attrs.list = 'a-zones'; attrs.spellcheck = 'false';
    }
    if (spec.placeholder) attrs.placeholder = spec.placeholder;
    if (type === 'select') {
      control = select(key, label, spec.options.map(function (o) { return [o[0], has(o[1]) ? t(o[1]) : o[1]]; }), value);
    } else {
      control = input(key, label, attrs);
    }
    var extra = null;
    if (type === 'zone') {
      extra = el('datalist', { id: 'a-zones' }, ZONES.map(function (z) { return el('option', { value: z }); }));
    }
    f.node = el('div', { class: 'a-field' }, [row(label, control), help, extra]);
    f.set = function (v) {
      if (type === 'lines') control.value = (v || []).join('\n');
      else if (type === 'list') control.value = (v || []).join(', ');
      else control.value = v == null ? '' : String(v);
    };
    f.read = function () {
      var v = control.value;
      if (type === 'number') {
        var n = intOrNull(v);
        return n === null || isNaN(n) ? new Error(label + ': ' + t('needNumber')) : n;
      }
      if (type === 'optnumber') {
        var o = intOrNull(v);
        return o !== null && isNaN(o) ? new Error(label + ': ' + t('needNumber')) : o;
      }
      if (type === 'lines') {
        return v.split(/\r?\n/).map(function (l) {
          l = l.replace(/\s+$/, '');
          return spec.indent ? l.replace(/^\t+/, ' ') : l.trim();
        }).filter(function (l) { return l.trim() !== ''; });
      }
      if (type === 'list') {
        return v.split(/[\s,;]+/).map(function (x) { return x.replace(/^\./, '').toLowerCase(); })
          .filter(function (x) { return x !== ''; });
      }
      if (type === 'textarea') return v;
      return v.trim();
    };
    f.set(value);
    f.control = control;
    return f;
  }

  /* An image setting kept as a data: URL: a file picker, a preview and a remove button. */
  function imageField(spec, value, label, help) {
    var current = value || '';
    var types = spec.types;
    var preview = el('img', { class: 'a-preview', alt: label, 'data-test': spec.key + '-preview' });
    var none = el('span', { class: 'a-muted', text: t('noImage') });
    var file = el('input', { type: 'file', name: spec.key, accept: types.join(','), 'data-label': label });
    var problem = el('small', { class: 'c-error', role: 'alert', hidden: true });
    var remove = button(t('remove'), spec.key + '-remove', function () { current = ''; file.value = ''; complain(''); show(); });
    function complain(text) { problem.textContent = text; problem.hidden = !text; }
    function show() {
      preview.hidden = !current;
      none.hidden = !!current;
      remove.hidden = !current;
      if (current) preview.src = current; else preview.removeAttribute('src');
    }
    file.addEventListener('change', function () {
      var picked = file.files && file.files[0];
      complain('');
      if (!picked) return;
      if (types.indexOf(picked.type) < 0) { complain(label + ': ' + t('wrongType')); file.value = ''; return; }
      if (picked.size > 64 * 1024) { complain(label + ': ' + t('tooBig')); file.value = ''; return; }
      var reader = new FileReader();
      reader.onload = function () { current = String(reader.result); show(); };
      reader.readAsDataURL(picked);
    });
    show();
    return {
      key: spec.key,
      node: el('div', { class: 'a-field' }, [el('span', { class: 'a-label', text: label }),
        el('div', { class: 'a-image' }, [preview, none, el('div', {}, [file, remove])]), help, problem]),
      read: function () { return current; },
      set: function (v) { current = v || ''; file.value = ''; show(); }
    };
  }

  /* A settings section: its fields, loaded from and saved to the organisation's settings
     (only this section's keys are sent). `after(box, settings)` adds what is not a setting. */
  function settingsSection(specs, after) {
    return function (box, ctx) {
      B.api('GET', '/api/admin/v1/settings').then(function (res) {
        clear(box);
        if (res.status !== 200) { box.appendChild(el('p', { class: 'c-error', text: B.message(res) })); return; }
        var settings = res.body.settings, fields = [];
        var form = el('form', { class: 'c-form', 'data-test': 'form-' + ctx.id, novalidate: true });
        specs.forEach(function (s) {
          if (s.group) { form.appendChild(el('h3', { text: t(s.group) })); return; }
          var f = makeField(s, settings[s.key]);
          fields.push(f);
          form.appendChild(f.node);
          if (s.below) form.appendChild(s.below(settings));
        });
        var line = statusLine();
        var save = el('button', { type: 'submit', class: 'c-primary', 'data-test': 'save', text: t('save') });
        form.appendChild(el('div', { class: 'a-bar' }, [save, line]));
        form.addEventListener('input', function () { if (line.className === 'c-ok') say(line, ''); });
        form.addEventListener('submit', function (ev) {
          ev.preventDefault();
          if (!checkForm(form, line)) return;
          var patch = {}, problem = null;
          fields.forEach(function (f) {
            var v = f.read();
            if (v instanceof Error) { if (!problem) { problem = v.message; if (f.control) mark(f.control); } } else patch[f.key] = v;
          });
          if (problem) { say(line, problem, true); return; }
          save.disabled = true;
          say(line, t('loading'));
          B.api('PATCH', '/api/admin/v1/settings', patch).then(function (r) {
            save.disabled = false;
            if (r.status !== 200) { refusal(form, line, r); return; }
            fields.forEach(function (f) { f.set(r.body.settings[f.key]); });
            say(line, t('saved'));
          }, function () { save.disabled = false; say(line, t('error'), true); });
        });
        box.appendChild(form);
        if (after) after(box, settings);
      });
    };
  }

  /* ---------- templates (global or a department's) ---------- */

  /* The template language last chosen in this tab. */
  var TEMPLATE_LANG = 'beseda.admin.templateLang';

  function templatesBlock(departmentKey) {
    var wrap = el('div', { class: 'a-templates', 'data-test': 'templates' });
    var langSel = select('lang', t('lang'), [['ru', t('ru')], ['en', t('en')]], sessionStorage.getItem(TEMPLATE_LANG) || B.lang());
    langSel.setAttribute('data-test', 'template-lang');
    var list = el('div', {});
    var editing = 0;
    var heading = el('h3', { text: t('newTemplate') });
    var section = input('section', t('section'), { maxlength: 100 });
    var title = input('title', t('templateTitle'), { maxlength: 200 });
    var text = input('text', t('text'), { type: 'textarea', rows: 4, required: true });
    var line = statusLine();
    var cancel = button(t('cancel'), 'cancel', function () { reset(); say(line, ''); });
    var form = el('form', { class: 'c-form', 'data-test': 'form-template', novalidate: true, onsubmit: function (ev) {
      ev.preventDefault();
      if (!checkForm(form, line)) return;
      var body = { section: section.value.trim(), lang: langSel.value, title: title.value.trim(), text: text.value };
      if (editing) body.id = editing;
      if (departmentKey) body.departmentKey = departmentKey;
      B.api('PUT', '/api/admin/v1/templates', body).then(function (res) {
        if (res.status !== 200) { refusal(form, line, res); return; }
        reset();
        say(line, t('saved'));
        load();
      });
    } }, [heading, row(t('section'), section), row(t('templateTitle'), title), row(t('text'), text),
      el('div', { class: 'a-bar' }, [el('button', { type: 'submit', class: 'c-primary', 'data-test': 'save', text: t('save') }), cancel, line])]);
    function reset() {
      editing = 0; section.value = ''; title.value = ''; text.value = '';
      heading.textContent = t('newTemplate'); cancel.hidden = true; unmark(form);
    }
    function edit(tpl) {
      editing = tpl.id; section.value = tpl.section || ''; title.value = tpl.title || ''; text.value = tpl.text || '';
      heading.textContent = t('editTemplate'); cancel.hidden = false; say(line, '');
      text.focus();
    }
    function load() {
      B.api('GET', '/api/admin/v1/templates').then(function (res) {
        clear(list);
        if (res.status !== 200) { list.appendChild(el('p', { class: 'c-error', text: B.message(res) })); return; }
        var mine = res.body.templates.filter(function (x) {
          var owner = departmentKey ? x.scope === 'department' && x.departmentKey === departmentKey : x.scope === 'global';
          return owner && x.lang === langSel.value;
        });
        if (!mine.length) { list.appendChild(el('p', { class: 'a-muted', 'data-test': 'templates-empty', text: t('noTemplates') })); return; }
        list.appendChild(table('templates-table', [t('templateTitle'), t('text'), t('section'), t('actions')], mine.map(function (x) {
          return el('tr', { 'data-id': x.id }, [td(x.title), el('td', { class: 'a-pre', text: x.text }), td(x.section),
            actions([button(t('edit'), 'edit', function () { edit(x); }), deleteButton(function () {
              B.api('DELETE', '/api/admin/v1/templates/' + x.id).then(function (r) {
                if (r.status !== 200) say(line, B.message(r), true);
                if (editing === x.id) reset();
                load();
              });
            })])]);
        })));
      });
    }
    langSel.addEventListener('change', function () {
      sessionStorage.setItem(TEMPLATE_LANG, langSel.value);
      reset(); say(line, ''); load();
    });
    wrap.appendChild(row(t('lang'), langSel));
    wrap.appendChild(list);
    wrap.appendChild(form);
    reset();
    load();
    return wrap;
  }

  /* ---------- integration extras: Unisender export, messengers, handler calls ---------- */

  function unisenderExport() {
    var line = el('p', { class: 'c-ok', role: 'status', 'data-test': 'export-status' });
    var timer = null;
    function showJob(body) {
      var job = body.export;
      if (!job) return false;
      var vars = { done: job.done, total: job.total, percent: body.percent };
      if (job.state === 'failed') { say(line, t('exportFailed') + (job.error || ''), true); return false; }
      say(line, fill(t(job.state === 'done' ? 'exportDone' : 'exportProgress'), vars));
      return job.state === 'running';
    }
    function poll() {
      timer = setTimeout(function () {
        if (!document.body.contains(line)) return;
        B.api('GET', '/api/admin/v1/integrations/unisender/export').then(function (res) {
          if (res.status === 200 && showJob(res.body)) poll();
        });
      }, 1000);
    }
    var go = button(t('exportContacts'), 'unisender-export', function () {
      clearTimeout(timer);
      B.api('POST', '/api/admin/v1/integrations/unisender/export', {}).then(function (res) {
        if (res.status !== 200) { say(line, B.message(res), true); return; }
        if (showJob(res.body)) poll();
      });
    });
    B.api('GET', '/api/admin/v1/integrations/unisender/export').then(function (res) {
      if (res.status === 200 && showJob(res.body)) poll();
    });
    return el('div', { class: 'a-bar' }, [go, line]);
  }

  function result(test, pairs) {
    return el('dl', { class: 'a-result', 'data-test': test }, pairs.reduce(function (out, p) {
      if (p[1] == null || p[1] === '') return out;
      return out.concat([el('dt', { text: p[0] }), el('dd', {}, [el('code', { text: String(p[1]) })])]);
    }, []));
  }

  function messengers() {
    var wrap = el('div', { 'data-test': 'channels' }, [el('h3', { text: t('channels') })]);
    var list = el('div', {});
    function load() {
      B.api('GET', '/api/admin/v1/channels').then(function (res) {
        clear(list);
        if (res.status !== 200) { list.appendChild(el('p', { class: 'c-error', text: B.message(res) })); return; }
        var rows = res.body.channels;
        if (!rows.length) { list.appendChild(el('p', { class: 'a-muted', text: t('noChannels') })); return; }
        list.appendChild(table('channels-table', [t('channelTitle'), t('kind'), t('key')], rows.map(function (c) {
          return el('tr', {}, [td(c.title), td(c.kind === 'vk' ? 'VK' : c.kind === 'telegram' ? 'Telegram' : c.kind), td(c.key)]);
        })));
      });
    }
    function channelForm(kind, heading, controls, config, show) {
      var title = input('title', t('channelTitle'), { required: true, value: heading });
      var line = statusLine();
      var out = el('div', {});
      var form = el('form', { class: 'c-form a-box', 'data-test': 'form-' + kind, novalidate: true, onsubmit: function (ev) {
        ev.preventDefault();
        if (!checkForm(form, line)) return;
        clear(out);
        say(line, t('loading'));
        B.api('PUT', '/api/admin/v1/channels', { title: title.value.trim(), kind: kind, config: config() }).then(function (res) {
          if (res.status !== 200) { refusal(form, line, res); return; }
          say(line, t('saved'));
          out.appendChild(show(res.body));
          load();
        });
      } }, [el('h4', { text: heading }), row(t('channelTitle'), title)].concat(controls).concat([
        el('div', { class: 'a-bar' }, [el('button', { type: 'submit', class: 'c-primary', 'data-test': 'save', text: t('connect') }), line]), out]));
      return form;
    }
    var tgToken = input('config.botToken', t('botToken'), { required: true, autocomplete: 'off', spellcheck: 'false' });
    var tg = channelForm('telegram', t('telegram'), [row(t('botToken'), tgToken, t('botTokenHelp'))],
      function () { return { botToken: tgToken.value.trim() }; },
      function (b) { return result('telegram-result', [[t('botUsername'), b.botUsername && '@' + b.botUsername], [t('webhookUrl'), b.webhookUrl]]); });
    var vkAccess = input('config.accessToken', t('vkAccess'), { required: true, autocomplete: 'off', spellcheck: 'false' });
    var vkGroup = input('config.groupId', t('vkGroup'), { inputmode: 'numeric' });
    var vkConfirm = input('config.confirmation', t('vkConfirmation'), { required: true, maxlength: 64 });
    var vk = channelForm('vk', t('vk'), [row(t('vkAccess'), vkAccess), row(t('vkGroup'), vkGroup), row(t('vkConfirmation'), vkConfirm)],
      function () {
        var c = { accessToken: vkAccess.value.trim(), confirmation: vkConfirm.value.trim() };
        if (vkGroup.value.trim()) c.groupId = vkGroup.value.trim();
        return c;
      },
      function (b) {
        return result('vk-result', [[t('callbackUrl'), b.callbackUrl], [t('vkConfirmation'), b.confirmation], [t('secretKey'), b.secretKey]]);
      });
    wrap.appendChild(list);
    wrap.appendChild(el('div', { class: 'a-cols' }, [tg, vk]));
    load();
    return wrap;
  }

  function handlerCalls() {
    var wrap = el('div', { 'data-test': 'webhooks' }, [el('h3', { text: t('webhooks') })]);
    var filter = select('status', t('status'), [['', t('allStatuses')]].concat(['pending', 'delivered', 'failed', 'dead'].map(function (k) {
      return [k, t('wh.' + k)];
    })), '');
    var line = statusLine();
    var list = el('div', {});
    function load() {
      B.api('GET', '/api/admin/v1/webhooks?' + query({ status: filter.value })).then(function (res) {
        clear(list);
        if (res.status !== 200) { list.appendChild(el('p', { class: 'c-error', text: B.message(res) })); return; }
        var rows = res.body.deliveries;
        if (!rows.length) { list.appendChild(el('p', { class: 'a-muted', text: t('nothing') })); return; }
        list.appendChild(table('webhooks-table', [t('created'), t('event'), t('chat'), t('url'), t('status'), t('attempts'),
          t('lastError'), t('actions')], rows.map(function (d) {
          var again = d.status === 'pending' ? null : button(t('resend'), 'resend', function () {
            again.disabled = true;
            B.api('POST', '/api/admin/v1/webhooks/' + d.id + '/resend', {}).then(function (r) {
              if (r.status !== 200) { again.disabled = false; say(line, B.message(r), true); return; }
              say(line, t('resent'));
              load();
            });
          });
          var last = d.last_error || (d.last_status != null ? 'HTTP ' + d.last_status : '');
          return el('tr', { 'data-id': d.id }, [td(dateTime(d.created_at)), td(d.event), td(d.chat_id), el('td', { class: 'a-break', text: d.url }),
            td(has('wh.' + d.status) ? t('wh.' + d.status) : d.status), td(d.attempts), td(last), actions([again])]);
        })));
      });
    }
    filter.addEventListener('change', load);
    wrap.appendChild(el('div', { class: 'a-bar' }, [row(t('status'), filter), button(t('refresh'), 'refresh', load), line]));
    wrap.appendChild(list);
    load();
    return wrap;
  }

  /* ---------- operators ---------- */

  /* `keep` reopens what was just saved: {id or key, text, form}. */
  function reopened(form, line, keep) {
    if (!keep) return;
    say(line, keep.text);
    if (form.scrollIntoView) form.scrollIntoView({ block: 'nearest' });
  }

  function operatorsSection(box, ctx, keep) {
    var me = ctx.me, admin = me.role === 'admin';
    Promise.all([B.api('GET', '/api/admin/v1/operators'), B.api('GET', '/api/operator/v1/directory')]).then(function (r) {
      clear(box);
      if (r[0].status !== 200) { box.appendChild(el('p', { class: 'c-error', text: B.message(r[0]) })); return; }
      var ops = r[0].body.operators;
      var deps = r[1].status === 200 ? r[1].body.departments : [];
      var depOptions = deps.map(function (d) { return [d.key, d.name]; });
      var depName = function (k) { var d = deps.filter(function (x) { return x.key === k; })[0]; return d ? d.name : k; };
      var editor = el('div', { 'data-test': 'operator-editor' });
      box.appendChild(table('operators-table', [t('name'), t('email'), t('role'), t('status'), t('departments'), t('languages'),
        t('maxChats'), t('actions')], ops.map(function (o) {
        var editable = admin || o.role !== 'admin';
        return el('tr', { 'data-id': o.id }, [td(o.name + (o.id === me.id ? ' ' + t('self') : '')), td(o.email), td(roleName(o.role)),
          td(o.active === false ? t('inactive') : has('st.' + o.status) ? t('st.' + o.status) : o.status),
          td((o.departmentKeys || []).map(depName).join(', ')),
          td((o.languages || []).join(', ')), td(o.maxChats == null ? '' : o.maxChats),
          actions([editable ? button(t('edit'), 'edit', function () { openEditor(o); }) : null])]);
      })));
      box.appendChild(editor);
      if (admin) box.appendChild(newOperatorForm());
      var kept = keep && ops.filter(function (o) { return o.id === keep.id; })[0];
      if (kept) openEditor(kept, keep);

      function openEditor(o, keep) {
        clear(editor);
        var name = input('name', t('name'), { required: true, maxlength: 100, value: o.name });
        var email = input('email', t('email'), { type: 'email', required: true, value: o.email });
        var avatar = imageField({ key: 'avatar', types: ['image/jpeg', 'image/png'] }, o.avatar, t('avatar'),
          el('small', { text: t('avatarHelp') }));
        var role = admin ? select('role', t('role'), ['operator', 'supervisor', 'admin'].map(function (x) { return [x, roleName(x)]; }), o.role) : null;
        if (role && o.id === me.id) role.disabled = true;
        var line = statusLine();
        var card = el('form', { class: 'c-form a-box', 'data-test': 'form-operator-card', novalidate: true, onsubmit: function (ev) {
          ev.preventDefault();
          if (!checkForm(card, line)) return;
          var body = { name: name.value.trim(), email: email.value.trim(), avatar: avatar.read() };
          if (role && !role.disabled) body.role = role.value;
          B.api('PUT', '/api/admin/v1/operators/' + o.id, body).then(function (res) {
            if (res.status !== 200) { refusal(card, line, res); return; }
            operatorsSection(box, ctx, { id: o.id, text: t('saved'), form: 'card' });
          });
        } }, [el('h3', { text: t('card') + ': ' + o.name }), row(t('name'), name), row(t('email'), email), avatar.node,
          role ? row(t('role'), role) : null,
          el('div', { class: 'a-bar' }, [el('button', { type: 'submit', class: 'c-primary', 'data-test': 'save', text: t('save') }),
            button(t('close'), 'close', function () { clear(editor); }), line])]);
        editor.appendChild(card);
        var profile = admin ? profileForm(o) : null;
        if (profile) editor.appendChild(profile.form);
        if (admin && o.id !== me.id) editor.appendChild(accessBox(o, keep));
        if (keep && keep.form === 'profile') reopened(profile.form, profile.line, keep);
        else if (keep && keep.form !== 'access') reopened(card, line, keep);
        else name.focus();
      }
      function profileForm(o) {
        var depSet = checkSet('departmentKeys', t('departments'), depOptions, o.departmentKeys);
        var langSet = checkSet('languages', t('languages'), [['ru', t('ru')], ['en', t('en')]], o.languages);
        var max = input('maxChats', t('maxChats'), { type: 'number', min: 1, max: 100, step: 1, value: o.maxChats == null ? '' : o.maxChats });
        var line = statusLine();
        var form = el('form', { class: 'c-form a-box', 'data-test': 'form-operator-profile', novalidate: true, onsubmit: function (ev) {
          ev.preventDefault();
          if (!checkForm(form, line)) return;
          var body = { departmentKeys: depSet.values(), languages: langSet.values(), maxChats: intOrNull(max.value) };
          B.api('PUT', '/api/admin/v1/operators/' + o.id + '/profile', body).then(function (res) {
            if (res.status !== 200) { refusal(form, line, res); return; }
            operatorsSection(box, ctx, { id: o.id, text: t('saved'), form: 'profile' });
          });
        } }, [el('h3', { text: t('routing') }), depSet.node, langSet.node, row(t('maxChats'), max, t('maxChatsHelp')),
          el('div', { class: 'a-bar' }, [el('button', { type: 'submit', class: 'c-primary', 'data-test': 'save', text: t('save') }), line])]);
        return { form: form, line: line };
      }
      /* Password reset, deactivation and deletion of another operator (administrators). */
      function accessBox(o, keep) {
        var line = statusLine();
        if (keep && keep.form === 'access') say(line, keep.text);
        function after(res, text) {
          if (res.status !== 200) { say(line, B.message(res), true); return; }
          operatorsSection(box, ctx, { id: o.id, text: text, form: 'access' });
        }
        return el('div', { class: 'c-form a-box', 'data-test': 'operator-access' }, [el('h3', { text: t('access') }),
          el('p', { class: 'a-muted', text: t('accessHelp') }),
          el('div', { class: 'a-bar' }, [
            button(t('resetPassword'), 'reset-password', function () {
              B.api('POST', '/api/admin/v1/operators/' + o.id + '/password-reset', {}).then(function (res) {
                if (res.status !== 200) { say(line, B.message(res), true); return; }
                say(line, fill(t('temporaryPassword'), { p: res.body.temporaryPassword }));
                line.setAttribute('data-password', res.body.temporaryPassword);
              });
            }),
            button(t('reset2fa'), 'reset-2fa', function () {
              B.api('POST', '/api/admin/v1/operators/' + o.id + '/2fa-reset', {}).then(function (res) {
                say(line, res.status === 200 ? t('reset2faDone') : B.message(res), res.status !== 200);
              });
            }),
            o.active === false
              ? button(t('activate'), 'activate', function () {
                B.api('POST', '/api/admin/v1/operators/' + o.id + '/activate', {}).then(function (res) { after(res, t('activated')); });
              })
              : button(t('deactivate'), 'deactivate', function () {
                B.api('POST', '/api/admin/v1/operators/' + o.id + '/deactivate', {}).then(function (res) { after(res, t('deactivated')); });
              }),
            button(t('deleteOperator'), 'delete-operator', function () {
              if (!window.confirm(fill(t('confirmDelete'), { name: o.name }))) return;
              B.api('DELETE', '/api/admin/v1/operators/' + o.id).then(function (res) {
                if (res.status !== 200) { say(line, B.message(res), true); return; }
                operatorsSection(box, ctx);
              });
            }, 'c-danger')]), line]);
      }
      function newOperatorForm() {
        var email = input('email', t('email'), { type: 'email', required: true, autocomplete: 'off' });
        var name = input('name', t('name'), { required: true, maxlength: 100 });
        var password = input('password', t('password'), { type: 'password', required: true, minlength: 8, autocomplete: 'new-password' });
        var role = select('role', t('role'), ['operator', 'supervisor', 'admin'].map(function (x) { return [x, roleName(x)]; }), 'operator');
        var depSet = checkSet('departmentKeys', t('departments'), depOptions, []);
        var langSet = checkSet('languages', t('languages'), [['ru', t('ru')], ['en', t('en')]], ['ru']);
        var max = input('maxChats', t('maxChats'), { type: 'number', min: 1, max: 100, step: 1 });
        var line = statusLine();
        var form = el('form', { class: 'c-form a-box', 'data-test': 'form-new-operator', novalidate: true, onsubmit: function (ev) {
          ev.preventDefault();
          if (!checkForm(form, line)) return;
          var body = { email: email.value.trim(), name: name.value.trim(), password: password.value, role: role.value,
            departmentKeys: depSet.values(), languages: langSet.values(), maxChats: intOrNull(max.value) };
          B.api('POST', '/api/admin/v1/operators', body).then(function (res) {
            if (res.status !== 200) { refusal(form, line, res); return; }
            operatorsSection(box, ctx, { id: res.body.operator.id, text: t('created2'), form: 'card' });
          });
        } }, [el('h3', { text: t('newOperator') }), row(t('email'), email), row(t('name'), name), row(t('password'), password),
          row(t('role'), role), depSet.node, langSet.node, row(t('maxChats'), max, t('maxChatsHelp')),
          el('div', { class: 'a-bar' }, [el('button', { type: 'submit', class: 'c-primary', 'data-test': 'save', text: t('create') }), line])]);
        return form;
      }
    });
  }

  /* ---------- departments ---------- */

  function departmentsSection(box, ctx, keep) {
    B.api('GET', '/api/admin/v1/departments').then(function (res) {
      clear(box);
      if (res.status !== 200) { box.appendChild(el('p', { class: 'c-error', text: B.message(res) })); return; }
      var deps = res.body.departments.slice().sort(function (a, b) { return a.order - b.order; });
      var editor = el('div', {});
      var templates = el('div', {});
      box.appendChild(table('departments-table', [t('key'), t('depName'), t('depNameEn'), t('order'), t('actions')], deps.map(function (d) {
        return el('tr', { 'data-key': d.key }, [td(d.key), td(d.name), td((d.localeNames || {}).en), td(d.order),
          actions([button(t('edit'), 'edit', function () { edit(d); }), button(t('templates'), 'templates', function () { showTemplates(d); })])]);
      })));
      box.appendChild(editor);
      box.appendChild(templates);
      function edit(d, keep) {
        clear(editor);
        var fresh = !d;
        d = d || { key: '', name: '', localeNames: {}, order: (deps.length + 1) * 10 };
        var key = input('key', t('key'), { required: true, pattern: '[a-z0-9][a-z0-9_\\-]{0,63}', value: d.key, spellcheck: 'false' });
        key.readOnly = !fresh;
        var name = input('name', t('depName'), { required: true, value: d.name });
        var nameEn = input('nameEn', t('depNameEn'), { value: (d.localeNames || {}).en || '' });
        var order = input('order', t('order'), { type: 'number', step: 1, value: d.order });
        var line = statusLine();
        var form = el('form', { class: 'c-form a-box', 'data-test': 'form-department', novalidate: true, onsubmit: function (ev) {
          ev.preventDefault();
          if (!checkForm(form, line)) return;
          var names = {};
          Object.keys(d.localeNames || {}).forEach(function (k) { names[k] = d.localeNames[k]; });
          names.ru = name.value.trim();
          if (nameEn.value.trim()) names.en = nameEn.value.trim(); else delete names.en;
          var body = { name: name.value.trim(), localeNames: names, order: intOrNull(order.value) || 0 };
          B.api('PUT', '/api/admin/v1/departments/' + encodeURIComponent(key.value.trim()), body).then(function (r) {
            if (r.status !== 200) { refusal(form, line, r); return; }
            departmentsSection(box, ctx, { key: key.value.trim(), text: t('saved') });
          });
        } }, [el('h3', { text: fresh ? t('newDepartment') : t('editDepartment') + ': ' + d.name }),
          row(t('key'), key, fresh ? t('keyHelp') : null), row(t('depName'), name), row(t('depNameEn'), nameEn), row(t('order'), order),
          el('div', { class: 'a-bar' }, [el('button', { type: 'submit', class: 'c-primary', 'data-test': 'save', text: t('save') }),
            fresh ? null : button(t('close'), 'close', function () { edit(null); }), line])]);
        editor.appendChild(form);
        reopened(form, line, keep);
      }
      function showTemplates(d) {
        clear(templates);
        templates.appendChild(el('h3', { text: t('depTemplates') + ': ' + d.name }));
        templates.appendChild(templatesBlock(d.key));
      }
      var kept = keep && deps.filter(function (d) { return d.key === keep.key; })[0];
      edit(kept || null, kept ? keep : null);
    });
  }

  /* ---------- bots ---------- */

  function botsSection(box, ctx, keep) {
    Promise.all([B.api('GET', '/api/admin/v1/bots'), B.api('GET', '/api/admin/v1/operators')]).then(function (r) {
      clear(box);
      if (r[0].status !== 200) { box.appendChild(el('p', { class: 'c-error', text: B.message(r[0]) })); return; }
      var bots = r[0].body.bots, ops = r[1].status === 200 ? r[1].body.operators : [];
      var editor = el('div', {});
      if (bots.length) {
        box.appendChild(table('bots-table', [t('bot'), t('sortOrder'), t('apiVersion'), t('botWebhook'), t('replyTimeout'), t('token'),
          t('actions')], bots.map(function (b) {
          return el('tr', { 'data-id': b.operatorId }, [td(b.name), td(b.sortOrder), td(b.apiVersion), el('td', { class: 'a-break', text: b.webhookUrl }),
            td(b.replyTimeoutSecs), el('td', {}, [el('code', { class: 'a-break', text: b.token || '' })]),
            actions([button(t('edit'), 'edit', function () { edit(b); })])]);
        })));
      } else {
        box.appendChild(el('p', { class: 'a-muted', text: t('noBots') }));
      }
      box.appendChild(editor);
      function edit(b, keep) {
        clear(editor);
        var fresh = !b;
        b = b || { operatorId: null, sortOrder: 100, apiVersion: 2, webhookUrl: '', replyTimeoutSecs: 0 };
        var choices = ops.filter(function (o) {
          return o.role !== 'admin' && (!fresh || !bots.some(function (x) { return x.operatorId === o.id; }));
        });
        var who = select('operatorId', t('operatorAccount'), [['', t('choose')]].concat(choices.map(function (o) {
          return [String(o.id), o.name + ' <' + o.email + '>'];
        })), b.operatorId == null ? '' : String(b.operatorId));
        who.disabled = !fresh;
        var sort = input('sortOrder', t('sortOrder'), { type: 'number', step: 1, value: b.sortOrder });
        var version = select('apiVersion', t('apiVersion'), [['2', '2'], ['1', '1']], String(b.apiVersion));
        var hook = input('webhookUrl', t('botWebhook'), { type: 'url', value: b.webhookUrl, placeholder: 'https://' });
        var timeout = input('replyTimeoutSecs', t('replyTimeout'), { type: 'number', min: 0, max: 3600, step: 1, value: b.replyTimeoutSecs });
        var ext = ['sendChannel', 'sendChatClosed', 'sendChatReturnedToBot'].map(function (k) { return check(k, t(k), b[k]); });
        var rotate = check('rotateToken', t('rotateToken'), false);
        var line = statusLine();
        var out = el('div', {});
        var form = el('form', { class: 'c-form a-box', 'data-test': 'form-bot', novalidate: true, onsubmit: function (ev) {
          ev.preventDefault();
          if (!checkForm(form, line)) return;
          if (!who.value) { mark(who); say(line, t('operatorAccount') + ': ' + t('required'), true); return; }
          var body = { operatorId: parseInt(who.value, 10), sortOrder: intOrNull(sort.value) || 0, apiVersion: parseInt(version.value, 10),
            webhookUrl: hook.value.trim(), replyTimeoutSecs: intOrNull(timeout.value) || 0, rotateToken: rotate.box.checked,
            sendChannel: ext[0].box.checked, sendChatClosed: ext[1].box.checked, sendChatReturnedToBot: ext[2].box.checked };
          B.api('PUT', '/api/admin/v1/bots', body).then(function (res) {
            if (res.status !== 200) { refusal(form, line, res); return; }
            botsSection(box, ctx, { id: res.body.operatorId, text: t('saved') });
          });
        } }, [el('h3', { text: fresh ? t('newBot') : t('editBot') + ': ' + b.name }), row(t('operatorAccount'), who),
          row(t('sortOrder'), sort), row(t('apiVersion'), version), row(t('botWebhook'), hook), row(t('replyTimeout'), timeout)]
          .concat(ext.map(function (c) { return c.node; })).concat([fresh ? null : rotate.node,
            el('div', { class: 'a-bar' }, [el('button', { type: 'submit', class: 'c-primary', 'data-test': 'save', text: t('save') }),
              fresh ? null : button(t('close'), 'close', function () { edit(null); }), line]), out]));
        if (!fresh && b.token) out.appendChild(result('bot-token', [[t('token'), b.token]]));
        editor.appendChild(form);
        reopened(form, line, keep);
      }
      var kept = keep && bots.filter(function (b) { return b.operatorId === keep.id; })[0];
      edit(kept || null, kept ? keep : null);
    });
  }

  /* ---------- placements ---------- */

  function embedBlock(code) {
    var pre = el('pre', { class: 'c-code', 'data-test': 'embed-code', text: code });
    var line = el('span', { class: 'c-ok' });
    var copy = button(t('copy'), 'copy', function () {
      function done() { line.textContent = t('copied'); }
      if (navigator.clipboard && navigator.clipboard.writeText) {
        navigator.clipboard.writeText(code).then(done, function () { selectText(pre); });
      } else { selectText(pre); }
    });
    return el('div', { class: 'a-embed' }, [el('h4', { text: t('embed') }), pre, el('div', { class: 'a-bar' }, [copy, line])]);
  }
  function selectText(node) {
    var range = document.createRange();
    range.selectNodeContents(node);
    var sel = window.getSelection();
    sel.removeAllRanges();
    sel.addRange(range);
  }

  function placementsSection(box, ctx, keep) {
    Promise.all([B.api('GET', '/api/admin/v1/placements'), B.api('GET', '/api/admin/v1/departments')]).then(function (r) {
      clear(box);
      if (r[0].status !== 200) { box.appendChild(el('p', { class: 'c-error', text: B.message(r[0]) })); return; }
      var places = r[0].body.placements, deps = r[1].status === 200 ? r[1].body.departments : [];
      var depOptions = deps.map(function (d) { return [d.key, d.name]; });
      var editor = el('div', {});
      box.appendChild(table('placements-table', [t('key'), t('placementTitle'), t('lang'), t('departments'), t('actions')], places.map(function (p) {
        return el('tr', { 'data-key': p.key }, [td(p.key), td(p.title), td(p.lang ? t(p.lang) : t('orgLang')),
          td((p.departmentKeys || []).join(', ')), actions([button(t('edit'), 'edit', function () { edit(p); })])]);
      })));
      box.appendChild(editor);
      function edit(p, keep) {
        clear(editor);
        var fresh = !p;
        p = p || { key: '', title: '', lang: null, departmentKeys: [], defaultDepartment: null, helloMessage: '', conversationTimeoutHours: 24 };
        var key = input('key', t('key'), { required: true, pattern: '[a-z0-9][a-z0-9_\\-]{0,63}', value: p.key, spellcheck: 'false' });
        key.readOnly = !fresh;
        var title = input('title', t('placementTitle'), { required: true, maxlength: 100, value: p.title });
        var lang = select('lang', t('lang'), [['', t('orgLang')], ['ru', t('ru')], ['en', t('en')]], p.lang || '');
        var depSet = checkSet('departmentKeys', t('departments'), depOptions, p.departmentKeys);
        var def = select('defaultDepartment', t('defaultDepartment'), [['', t('none')]].concat(depOptions), p.defaultDepartment || '');
        var hello = input('helloMessage', t('helloMessage'), { type: 'textarea', rows: 2, maxlength: 2000, value: p.helloMessage });
        var hours = input('conversationTimeoutHours', t('timeoutHours'), { type: 'number', min: 1, max: 720, step: 1, required: true,
          value: p.conversationTimeoutHours });
        var line = statusLine();
        var form = el('form', { class: 'c-form a-box', 'data-test': 'form-placement', novalidate: true, onsubmit: function (ev) {
          ev.preventDefault();
          if (!checkForm(form, line)) return;
          var body = { title: title.value.trim(), lang: lang.value || null, departmentKeys: depSet.values(),
            defaultDepartment: def.value || null, helloMessage: hello.value, conversationTimeoutHours: intOrNull(hours.value) };
          B.api('PUT', '/api/admin/v1/placements/' + encodeURIComponent(key.value.trim()), body).then(function (res) {
            if (res.status !== 200) { refusal(form, line, res); return; }
            placementsSection(box, ctx, { key: res.body.key, text: t('saved') });
          });
        } }, [el('h3', { text: fresh ? t('newPlacement') : t('placement') + ': ' + p.title }),
          row(t('key'), key, fresh ? t('keyHelp') : null), row(t('placementTitle'), title), row(t('lang'), lang), depSet.node,
          row(t('defaultDepartment'), def), row(t('helloMessage'), hello), row(t('timeoutHours'), hours),
          el('div', { class: 'a-bar' }, [el('button', { type: 'submit', class: 'c-primary', 'data-test': 'save', text: t('save') }),
            fresh ? null : button(t('close'), 'close', function () { edit(null); }), line])]);
        editor.appendChild(form);
        if (p.embedCode) editor.appendChild(embedBlock(p.embedCode));
        reopened(form, line, keep);
      }
      var kept = keep && places.filter(function (p) { return p.key === keep.key; })[0];
      edit(kept || null, kept ? keep : null);
    });
  }

  /* ---------- statistics ---------- */

  /* A horizontal bar chart: one bar a row, the label on the left and the value after the bar. */
  function barChart(caption, test, rows, valueOf) {
    var W = 640, bar = 18, gap = 6, left = 160, right = 70, top = 6;
    var raw = rows.map(valueOf);
    var values = raw.map(function (v) { return typeof v === 'number' && isFinite(v) ? v : 0; });
    var max = Math.max.apply(null, values.concat([0]));
    var H = top * 2 + rows.length * (bar + gap);
    function node(tag, attrs, text) {
      var n = document.createElementNS(SVG, tag);
      Object.keys(attrs).forEach(function (k) { n.setAttribute(k, attrs[k]); });
      if (text != null) n.textContent = text;
      return n;
    }
    var svg = node('svg', { class: 'c-chart', viewBox: '0 0 ' + W + ' ' + H, width: W, height: H, role: 'img', 'aria-label': caption,
      'data-test': test });
    rows.forEach(function (r, i) {
      var y = top + i * (bar + gap), v = values[i], w = max > 0 ? Math.max(v > 0 ? 1 : 0, (W - left - right) * v / max) : 0;
      var label = String(r.key);
      if (label.length > 24) label = label.slice(0, 23) + '…';
      svg.appendChild(node('text', { x: left - 6, y: y + bar * 0.72, 'text-anchor': 'end' }, label));
      var rect = node('rect', { x: left, y: y, width: w.toFixed(1), height: bar, rx: 2 });
      var shown = raw[i] == null ? '—' : String(v);
      rect.appendChild(node('title', {}, r.key + ': ' + shown));
      svg.appendChild(rect);
      svg.appendChild(node('text', { x: left + w + 4, y: y + bar * 0.72 }, shown));
    });
    return el('figure', { class: 'a-figure' }, [el('figcaption', { text: caption }), svg]);
  }

  var STAT_COLUMNS = [['chats', 'chats'], ['answered', 'answered'], ['missed', 'missed'], ['refusals', 'refusals'],
    ['busyMessages', 'busyMessages'], ['offline', 'offline'], ['avgFirstAnswerSecs', 'avgFirstAnswer'],
    ['avgResponseSecs', 'avgResponse'], ['ratings', 'ratings'], ['avgRating', 'avgRating']];

  function statsSection(box) {
    B.api('GET', '/api/operator/v1/me').then(function (me) { statsForm(box, orgToday(me)); });
  }

  function statsForm(box, today) {
    var from = input('from', t('from'), { type: 'date', required: true, value: daysBefore(today, 6) });
    var to = input('to', t('to'), { type: 'date', required: true, value: today });
    var group = select('group', t('group'), [['day', t('group.day')], ['operator', t('group.operator')], ['department', t('group.department')]], 'day');
    var line = statusLine();
    var csv = el('a', { class: 'c-link', 'data-test': 'stats-csv', text: t('csv'), download: 'beseda-stats.csv' });
    var out = el('div', { 'data-test': 'stats-result' });
    var form = el('form', { class: 'a-filters', 'data-test': 'form-stats', novalidate: true, onsubmit: function (ev) { ev.preventDefault(); load(); } },
      [row(t('from'), from), row(t('to'), to), row(t('group'), group),
        el('button', { type: 'submit', class: 'c-primary', 'data-test': 'show', text: t('show') }), csv]);
    function load() {
      if (!checkForm(form, line)) return;
      var q = { from: from.value, to: to.value, group: group.value };
      csv.href = '/api/admin/v1/stats?' + query(Object.assign({ format: 'csv' }, q));
      say(line, t('loading'));
      B.api('GET', '/api/admin/v1/stats?' + query(q)).then(function (res) {
        clear(out);
        if (res.status !== 200) { say(line, B.message(res), true); return; }
        say(line, '');
        var rows = res.body.rows;
        if (!rows.length) { out.appendChild(el('p', { class: 'a-muted', text: t('noData') })); return; }
        var heads = [t('col.' + res.body.group)].concat(STAT_COLUMNS.map(function (c) { return t(c[1]); }));
        function cells(r, label) {
          return [td(label)].concat(STAT_COLUMNS.map(function (c) { return td(r[c[0]]); }));
        }
        var tbl = table('stats-table', heads, rows.map(function (r) { return el('tr', {}, cells(r, r.key)); }));
        tbl.appendChild(el('tfoot', {}, [el('tr', { class: 'a-total' }, cells(res.body.total, t('total')))]));
        out.appendChild(tbl);
        out.appendChild(el('div', { class: 'a-cols' }, [
          barChart(t('chartChats'), 'chart-chats', rows, function (r) { return r.chats; }),
          barChart(t('chartFirstAnswer'), 'chart-first-answer', rows, function (r) { return r.avgFirstAnswerSecs; })
        ]));
      });
    }
    clear(box);
    box.appendChild(form);
    box.appendChild(line);
    box.appendChild(out);
    load();
  }

  /* ---------- history ---------- */

  function historySection(box) {
    Promise.all([B.api('GET', '/api/operator/v1/directory'), B.api('GET', '/api/operator/v1/me')]).then(function (r) {
      var dir = r[0], cats = r[1].status === 200 && r[1].body.workspace ? r[1].body.workspace.categories || [] : [];
      clear(box);
      var people = dir.status === 200 ? dir.body.operators : [], deps = dir.status === 200 ? dir.body.departments : [];
      var today = orgToday(r[1]);
      var from = input('from', t('from'), { type: 'date', required: true, value: daysBefore(today, 29) });
      var to = input('to', t('to'), { type: 'date', required: true, value: today });
      var who = select('operator', t('operator'), [['', t('any')]].concat(people.map(function (o) { return [String(o.id), o.name]; })), '');
      var dep = select('department', t('department'), [['', t('any')]].concat(deps.map(function (d) { return [d.key, d.name]; })), '');
      var category = input('category', t('category'), { list: 'a-categories' });
      var catList = el('datalist', { id: 'a-categories' }, cats.map(function (c) { return el('option', { value: c.trim() }); }));
      var q = input('q', t('search'), { type: 'search' });
      var line = statusLine();
      var csv = el('a', { class: 'c-link', 'data-test': 'history-csv', text: t('csv'), download: 'beseda-history.csv' });
      var out = el('div', { 'data-test': 'history-result' });
      var chat = el('div', { 'data-test': 'history-chat' });
      var form = el('form', { class: 'a-filters', 'data-test': 'form-history', novalidate: true, onsubmit: function (ev) { ev.preventDefault(); load(); } },
        [row(t('from'), from), row(t('to'), to), row(t('operator'), who), row(t('department'), dep), row(t('category'), category),
          row(t('search'), q), el('button', { type: 'submit', class: 'c-primary', 'data-test': 'find', text: t('find') }), csv, catList]);
      function load() {
        if (!checkForm(form, line)) return;
        var params = { from: from.value, to: to.value, operator: who.value, department: dep.value, category: category.value.trim(),
          q: q.value.trim() };
        csv.href = '/api/admin/v1/history?' + query(Object.assign({ format: 'csv' }, params));
        say(line, t('loading'));
        B.api('GET', '/api/admin/v1/history?' + query(params)).then(function (res) {
          clear(out); clear(chat);
          if (res.status !== 200) { say(line, B.message(res), true); return; }
          var rows = res.body.chats;
          say(line, fill(t('found'), { n: rows.length }));
          if (res.body.truncated) out.appendChild(el('p', { class: 'a-muted', text: t('truncated') }));
          if (!rows.length) return;
          out.appendChild(table('history-table', ['№', t('when'), t('visitor'), t('firstQuestion'), t('operator'), t('department'),
            t('category'), t('outcome'), t('messages'), ''], rows.map(function (c) {
            var cat = [c.category, c.subcategory].filter(Boolean).join(' / ');
            var outcome = c.outcome ? (has('outcome.' + c.outcome) ? t('outcome.' + c.outcome) : c.outcome)
              : has('state.' + c.state) ? t('state.' + c.state) : c.state;
            return el('tr', { 'data-id': c.id }, [td(c.id), td(dateTime(c.createdAt)), td(c.visitor), el('td', { class: 'a-pre', text: c.firstQuestion || '' }),
              td(c.operator || ''), td(c.department || ''), td(cat), td(outcome), td(c.messages),
              actions([button(t('open'), 'open', function () { showChat(c.id); })])]);
          })));
        });
      }
      function showChat(id) {
        clear(chat);
        B.api('GET', '/api/operator/v1/chats/' + id).then(function (res) {
          clear(chat);
          if (res.status !== 200) { chat.appendChild(el('p', { class: 'c-error', text: B.message(res) })); return; }
          var log = el('div', { class: 'a-log' }, res.body.messages.map(function (m) {
            return el('div', { class: 'a-msg kind-' + m.kind }, [el('small', { text: B.time(m.ts) + ' · ' + (m.name || m.kind) }),
              el('div', { text: m.text || '' })]);
          }));
          chat.appendChild(el('div', { class: 'a-box' }, [el('h3', { text: t('chat') + ' №' + id + ' · ' + res.body.chat.visitorName }), log,
            button(t('close'), 'close', function () { clear(chat); })]));
        });
      }
      box.appendChild(form);
      box.appendChild(line);
      box.appendChild(out);
      box.appendChild(chat);
      load();
    });
  }

  /* The audit log: who changed what, from where; newest first, a page at a time. */
  function auditSection(box) {
    clear(box);
    var PAGE = 50, offset = 0;
    var from = input('from', t('from'), { type: 'date' });
    var to = input('to', t('to'), { type: 'date' });
    var actor = input('actor', t('audit.actor'), { placeholder: t('audit.actorHint') });
    var action = input('action', t('audit.action'), { placeholder: t('audit.actionHint') });
    var line = statusLine();
    var csv = el('a', { class: 'c-link', 'data-test': 'audit-csv', text: t('csv'), download: 'beseda-audit.csv' });
    var out = el('div', { 'data-test': 'audit-result' });
    var newer = button(t('audit.newer'), 'audit-newer', function () { offset = Math.max(0, offset - PAGE); load(); });
    var older = button(t('audit.older'), 'audit-older', function () { offset += PAGE; load(); });
    var form = el('form', { class: 'a-filters', 'data-test': 'form-audit', novalidate: true,
      onsubmit: function (ev) { ev.preventDefault(); offset = 0; load(); } },
      [row(t('from'), from), row(t('to'), to), row(t('audit.actor'), actor), row(t('audit.action'), action),
        el('button', { type: 'submit', class: 'c-primary', 'data-test': 'find', text: t('find') }), csv]);
    function changesText(c) {
      return Object.keys(c || {}).map(function (k) {
        var v = c[k] || {};
        return k + ': ' + JSON.stringify(v.before === undefined ? null : v.before) + ' → ' + JSON.stringify(v.after === undefined ? null : v.after);
      }).join('\n');
    }
    function load() {
      var params = { from: from.value, to: to.value, actor: actor.value.trim(), action: action.value.trim() };
      csv.href = '/api/admin/v1/audit?' + query(Object.assign({ format: 'csv' }, params));
      say(line, t('loading'));
      B.api('GET', '/api/admin/v1/audit?' + query(Object.assign({ offset: offset, limit: PAGE }, params))).then(function (res) {
        clear(out);
        if (res.status !== 200) { say(line, B.message(res), true); return; }
        var rows = res.body.entries;
        say(line, fill(t('found'), { n: rows.length }));
        newer.disabled = offset === 0;
        older.disabled = !res.body.more;
        if (rows.length) {
          out.appendChild(table('audit-table', [t('audit.at'), t('audit.actor'), t('audit.address'), t('audit.action'),
            t('audit.target'), t('audit.changes')], rows.map(function (e) {
            return el('tr', { 'data-id': e.id }, [td(dateTime(e.at)), td(e.actor), td(e.address), td(e.action),
              td([e.targetType, e.targetId].filter(Boolean).join(' ')), el('td', { class: 'a-pre', text: changesText(e.changes) })]);
          })));
        }
        out.appendChild(el('div', { class: 'a-actions' }, [newer, older]));
      });
    }
    box.appendChild(form);
    box.appendChild(line);
    box.appendChild(out);
    load();
  }

  /* ---------- the sections ---------- */

  var SECTIONS = [
    { id: 'company', nav: 'settings', render: settingsSection([
      { key: 'name', required: true },
      { key: 'logo', type: 'image', types: ['image/png', 'image/jpeg', 'image/gif'] },
      { key: 'time_zone', type: 'zone', required: true },
      { key: 'site_url', type: 'url' },
      { key: 'default_lang', type: 'select', options: [['ru', 'ru'], ['en', 'en']] },
      { key: 'daily_report_time', type: 'time', required: true }
    ]) },
    { id: 'emails', nav: 'settings', render: settingsSection([
      { key: 'email_left_messages', type: 'email', required: true },
      { key: 'email_negative_feedback', type: 'email', required: true },
      { key: 'email_daily_reports', type: 'email', required: true }
    ]) },
    { id: 'classification', nav: 'settings', render: settingsSection([
      { key: 'categories', type: 'lines', indent: true, rows: 8 },
      { key: 'category_required', type: 'bool' }
    ]) },
    { id: 'templates', nav: 'settings', render: function (box) { clear(box); box.appendChild(templatesBlock(null)); } },
    { id: 'automessages', nav: 'settings', render: settingsSection([
      { key: 'greeting_message', type: 'textarea' },
      { key: 'first_answer_timeout_secs', type: 'number', required: true },
      { key: 'operator_response_timeout_secs', type: 'number', required: true },
      { key: 'busy_message', type: 'textarea', required: true },
      { key: 'refusal_timeout_secs', type: 'number', required: true },
      { key: 'auto_close_timeout_secs', type: 'number', required: true },
      { key: 'closed_by_operator_timeout_secs', type: 'number', required: true },
      { key: 'operator_closes_finally', type: 'bool' },
      { key: 'reassign_timeout_secs', type: 'number', required: true }
    ]) },
    { id: 'leads', nav: 'settings', render: settingsSection([
      { key: 'lead_photo', type: 'image', types: ['image/png', 'image/jpeg'] },
      { key: 'auto_invitation_text', type: 'textarea' },
      { key: 'auto_invitation_delay_secs', type: 'number', max: 3600, required: true }
    ]) },
    { id: 'extra', nav: 'settings', render: settingsSection([
      { group: 'g.operators' },
      { key: 'hide_others_chats', type: 'bool' },
      { key: 'hidden_profiles', type: 'bool' },
      { key: 'new_visitor_notification', type: 'bool' },
      { key: 'operator_typing_preview', type: 'bool' },
      { key: 'teleport', type: 'bool' },
      { group: 'g.routing' },
      { key: 'multilang', type: 'bool' },
      { key: 'auto_assignment', type: 'bool' },
      { key: 'max_chats_per_operator', type: 'number', min: 1, max: 100, required: true },
      { key: 'priority_pages', type: 'lines', rows: 3 },
      { group: 'g.window' },
      { key: 'chat_start_after_message', type: 'bool' },
      { key: 'department_choice_obligatory', type: 'bool' },
      { key: 'first_question_obligatory', type: 'bool' },
      { key: 'rate_operator', type: 'bool' },
      { key: 'send_chat_history', type: 'bool' },
      { key: 'visitor_upload_file', type: 'bool' },
      { key: 'max_visitor_upload_file_size', type: 'number', min: 1, max: 50, required: true },
      { key: 'allowed_upload_file_types', type: 'list' },
      { key: 'max_message_length', type: 'number', min: 1, max: 10000, required: true },
      { key: 'visitor_message_editing', type: 'bool' },
      { key: 'visitor_message_deleting', type: 'bool' },
      { key: 'web_and_mobile_quoting', type: 'bool' }
    ]) },
    { id: 'integration', nav: 'settings', render: settingsSection([
      { group: 'g.general' },
      { key: 'provided_visitor_private_key', type: 'secret' },
      { key: 'provided_visitor_hash_algorithm', type: 'select',
        options: [['hmac-sha256', 'HMAC-SHA256'], ['sha256', 'SHA-256'], ['sha-512', 'SHA-512'], ['md5', 'MD5']] },
      { key: 'crm_link_template', placeholder: 'https://crm.mydomain.com/?id={id}' },
      { group: 'g.handlers' },
      { key: 'chat_started_handler_url', type: 'url' },
      { key: 'chat_assigned_handler_url', type: 'url' },
      { key: 'chat_closed_handler_url', type: 'url' },
      { key: 'chat_events_handler_url', type: 'url' },
      { key: 'chat_handlers_signing_secret', type: 'secret' },
      { group: 'g.zendesk' },
      { key: 'zendesk_subdomain' },
      { key: 'zendesk_login', type: 'email' },
      { key: 'zendesk_api_token', type: 'secret' },
      { group: 'g.amocrm' },
      { key: 'amocrm_account' },
      { key: 'amocrm_login', type: 'email' },
      { key: 'amocrm_api_key', type: 'secret' },
      { group: 'g.zoho' },
      { key: 'zoho_email', type: 'email' },
      { key: 'zoho_password', type: 'secret', hidden: true },
      { key: 'zoho_auth_token', type: 'secret' },
      { key: 'zoho_lead_source' },
      { group: 'g.unisender' },
      { key: 'unisender_api_key', type: 'secret' },
      { key: 'unisender_list_name', below: unisenderExport }
    ], function (box) { box.appendChild(messengers()); box.appendChild(handlerCalls()); }) },
    { id: 'security', nav: 'settings', render: settingsSection([
      { key: 'ip_allowlist', placeholder: '54.37.12.118, 192.168.0.1-192.168.0.50' },
      { key: 'require_2fa', type: 'bool' }
    ]) },
    { id: 'misc', nav: 'settings', render: settingsSection([
      { key: 'button_probability', type: 'number', max: 100, required: true },
      { key: 'online_queue_limit', type: 'optnumber' },
      { key: 'offline_queue_limit', type: 'optnumber' }
    ]) },
    { id: 'operators', nav: 'org', supervisor: true, render: operatorsSection },
    { id: 'departments', nav: 'org', render: departmentsSection },
    { id: 'bots', nav: 'org', render: botsSection },
    { id: 'placements', nav: 'org', render: placementsSection },
    { id: 'stats', nav: 'reports', supervisor: true, render: statsSection },
    { id: 'history', nav: 'reports', supervisor: true, render: historySection },
    { id: 'audit', nav: 'reports', render: auditSection }
  ];

  B.start(function (me, root) {
    document.title = t('title') + ' — Beseda';
    B.header(root, me, t('title'), [el('a', { class: 'c-link', href: '/workspace', text: t('workspace') })]);
    if (me.role !== 'admin' && me.role !== 'supervisor') {
      root.appendChild(el('main', { class: 'a-body', 'data-test': 'not-for-you' }, [el('h2', { text: t('notForYou') }),
        el('p', {}, [el('a', { href: '/workspace', 'data-test': 'to-workspace', text: t('toWorkspace') })])]));
      return;
    }
    var mine = SECTIONS.filter(function (s) { return me.role === 'admin' || s.supervisor; });
    var home = me.role === 'admin' ? 'company' : 'stats';
    var nav = el('nav', { class: 'a-nav', 'aria-label': t('title') });
    var body = el('main', { class: 'a-body', tabindex: '-1' });
    var buttons = {};
    var lastGroup = null;
    mine.forEach(function (s) {
      if (s.nav !== lastGroup) { lastGroup = s.nav; nav.appendChild(el('h3', { text: t('nav.' + s.nav) })); }
      buttons[s.id] = el('button', { type: 'button', 'data-test': 'nav-' + s.id, text: t('sec.' + s.id), onclick: function () {
        if (location.hash === '#' + s.id) open(); else location.hash = s.id;
      } });
      nav.appendChild(buttons[s.id]);
    });
    root.appendChild(el('div', { class: 'a-main' }, [nav, body]));
    function open() {
      var id = location.hash.slice(1);
      var s = mine.filter(function (x) { return x.id === id; })[0] || mine.filter(function (x) { return x.id === home; })[0];
      Object.keys(buttons).forEach(function (k) {
        buttons[k].className = k === s.id ? 'is-open' : '';
        if (k === s.id) buttons[k].setAttribute('aria-current', 'page'); else buttons[k].removeAttribute('aria-current');
      });
      clear(body);
      var box = el('div', {}, [el('p', { class: 'a-muted', text: t('loading') })]);
      body.appendChild(el('section', { 'data-test': 'section-' + s.id }, [el('h2', { text: t('sec.' + s.id) }),
        has('intro.' + s.id) ? el('p', { class: 'a-intro', text: t('intro.' + s.id) }) : null, box]));
      body.scrollTop = 0;
      s.render(box, { id: s.id, me: me });
    }
    window.addEventListener('hashchange', open);
    open();
  });
})();
