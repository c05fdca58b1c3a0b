-- Core schema: settings, operators, departments, placements, visitors, visit sessions,
-- pages, chats, messages, the per-visit-session event log, the operator event log, files,
-- ratings and the outbox. Times are integer microseconds since the Unix epoch.

CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE counters (
    name  TEXT PRIMARY KEY,
    value INTEGER NOT NULL
);
INSERT INTO counters (name, value) VALUES ('operator_events', 0);

CREATE TABLE operators (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    email         TEXT NOT NULL UNIQUE,
    name          TEXT NOT NULL,
    role          TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    status        TEXT NOT NULL DEFAULT 'offline',
    languages     TEXT NOT NULL DEFAULT '["ru"]',
    max_chats     INTEGER,
    avatar        TEXT,
    title         TEXT,
    locale_names  TEXT NOT NULL DEFAULT '{}',
    created_at    INTEGER NOT NULL
);

CREATE TABLE operator_tokens (
    token_hash  TEXT PRIMARY KEY,
    operator_id INTEGER NOT NULL REFERENCES operators(id) ON DELETE CASCADE,
    kind        TEXT NOT NULL,
    csrf        TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL
);
CREATE INDEX operator_tokens_operator ON operator_tokens(operator_id);

CREATE TABLE departments (
    key          TEXT PRIMARY KEY,
    name         TEXT NOT NULL,
    locale_names TEXT NOT NULL DEFAULT '{}',
    sort_order   INTEGER NOT NULL DEFAULT 0,
    logo         TEXT
);

CREATE TABLE operator_departments (
    operator_id    INTEGER NOT NULL REFERENCES operators(id) ON DELETE CASCADE,
    department_key TEXT NOT NULL REFERENCES departments(key) ON DELETE CASCADE,
    PRIMARY KEY (operator_id, department_key)
);

CREATE TABLE placements (
    key                        TEXT PRIMARY KEY,
    title                      TEXT NOT NULL,
    lang                       TEXT,
    department_keys            TEXT NOT NULL DEFAULT '[]',
    default_department         TEXT,
    hello_message              TEXT NOT NULL DEFAULT '',
    conversation_timeout_hours INTEGER NOT NULL DEFAULT 24
);
INSERT INTO placements (key, title) VALUES ('default', 'Website'), ('mobile', 'Mobile app');

CREATE TABLE visitors (
    id               TEXT PRIMARY KEY,
    fields           TEXT NOT NULL DEFAULT '{}',
    icon_color       TEXT NOT NULL,
    icon_shape       TEXT NOT NULL,
    provided_id      TEXT UNIQUE,
    banned           BOOLEAN NOT NULL DEFAULT FALSE,
    prechat_fields   TEXT,
    history_revision INTEGER NOT NULL DEFAULT 0,
    history_hidden_before INTEGER NOT NULL DEFAULT 0,
    created_at       INTEGER NOT NULL,
    modified_at      INTEGER NOT NULL
);

CREATE TABLE visit_sessions (
    id           TEXT PRIMARY KEY,
    visitor_id   TEXT NOT NULL REFERENCES visitors(id),
    location     TEXT NOT NULL,
    state        TEXT NOT NULL,
    revision     INTEGER NOT NULL DEFAULT 0,
    device_id    TEXT,
    platform     TEXT,
    title        TEXT,
    app_version  TEXT,
    push_token   TEXT,
    push_service TEXT,
    widget_state TEXT,
    created_at   INTEGER NOT NULL,
    last_seen_at INTEGER NOT NULL
);
CREATE INDEX visit_sessions_visitor ON visit_sessions(visitor_id, last_seen_at);

CREATE TABLE pages (
    id               TEXT PRIMARY KEY,
    auth_token       TEXT NOT NULL,
    visit_session_id TEXT NOT NULL REFERENCES visit_sessions(id),
    created_at       INTEGER NOT NULL,
    last_seen_at     INTEGER NOT NULL
);
CREATE INDEX pages_session ON pages(visit_session_id);

CREATE TABLE chats (
    id                       INTEGER PRIMARY KEY AUTOINCREMENT,
    client_side_id           TEXT NOT NULL,
    visitor_id               TEXT NOT NULL REFERENCES visitors(id),
    visit_session_id         TEXT NOT NULL REFERENCES visit_sessions(id),
    location                 TEXT NOT NULL,
    department_key           TEXT,
    operator_id              INTEGER REFERENCES operators(id),
    state                    TEXT NOT NULL,
    offline                  BOOLEAN NOT NULL DEFAULT FALSE,
    visitor_fields           TEXT,
    unread_by_operator_since INTEGER,
    unread_by_visitor_since  INTEGER,
    unread_by_visitor_count  INTEGER NOT NULL DEFAULT 0,
    read_by_visitor          BOOLEAN NOT NULL DEFAULT TRUE,
    operator_typing          BOOLEAN NOT NULL DEFAULT FALSE,
    category                 TEXT,
    subcategory              TEXT,
    subject                  TEXT,
    created_at               INTEGER NOT NULL,
    modified_at              INTEGER NOT NULL,
    closed_at                INTEGER
);
CREATE INDEX chats_visitor ON chats(visitor_id, id);
CREATE INDEX chats_state ON chats(state, id);
CREATE INDEX chats_operator ON chats(operator_id, state);

CREATE TABLE messages (
    id               TEXT PRIMARY KEY,
    chat_id          INTEGER NOT NULL REFERENCES chats(id),
    client_side_id   TEXT NOT NULL,
    session_id       TEXT NOT NULL,
    kind             TEXT NOT NULL,
    text             TEXT NOT NULL,
    data             TEXT,
    author_id        INTEGER,
    name             TEXT NOT NULL,
    avatar           TEXT,
    created_at       INTEGER NOT NULL,
    modified_at      INTEGER NOT NULL,
    history_revision INTEGER NOT NULL,
    is_read          BOOLEAN NOT NULL DEFAULT FALSE,
    edited           BOOLEAN NOT NULL DEFAULT FALSE,
    deleted          BOOLEAN NOT NULL DEFAULT FALSE,
    reaction         TEXT,
    quote            TEXT,
    UNIQUE (chat_id, client_side_id)
);
CREATE INDEX messages_chat ON messages(chat_id, created_at);
CREATE INDEX messages_history ON messages(history_revision);

CREATE TABLE session_events (
    visit_session_id TEXT NOT NULL,
    revision         INTEGER NOT NULL,
    created_at       INTEGER NOT NULL,
    item             TEXT NOT NULL,
    PRIMARY KEY (visit_session_id, revision)
);

CREATE TABLE operator_events (
    seq         INTEGER PRIMARY KEY,
    operator_id INTEGER,
    created_at  INTEGER NOT NULL,
    event       TEXT NOT NULL
);

CREATE TABLE ratings (
    chat_id     INTEGER NOT NULL REFERENCES chats(id),
    operator_id INTEGER NOT NULL REFERENCES operators(id),
    rating      INTEGER NOT NULL,
    note        TEXT,
    created_at  INTEGER NOT NULL,
    PRIMARY KEY (chat_id, operator_id)
);

CREATE TABLE files (
    guid                TEXT PRIMARY KEY,
    visitor_id          TEXT NOT NULL REFERENCES visitors(id),
    chat_id             INTEGER REFERENCES chats(id),
    message_id          TEXT,
    filename            TEXT NOT NULL,
    content_type        TEXT NOT NULL,
    client_content_type TEXT NOT NULL,
    size                INTEGER NOT NULL,
    width               INTEGER,
    height              INTEGER,
    content             BLOB NOT NULL,
    created_at          INTEGER NOT NULL
);
CREATE INDEX files_chat ON files(chat_id);

CREATE TABLE outbox (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    kind       TEXT NOT NULL,
    subject    TEXT NOT NULL,
    payload    TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    due_at     INTEGER NOT NULL,
    attempts   INTEGER NOT NULL DEFAULT 0,
    done_at    INTEGER
);
CREATE INDEX outbox_due ON outbox(done_at, due_at);
CREATE INDEX outbox_subject ON outbox(kind, subject, created_at);
