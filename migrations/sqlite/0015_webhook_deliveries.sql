-- Chat event handlers (chat-handlers.md): each `event.chat_*` outbox row becomes one delivery
-- per receiving URL, with its body fixed when it is queued so that every retry and manual
-- re-send is identical. status: pending, delivered, failed (not retried), dead (retries spent).

CREATE TABLE webhook_deliveries (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    event_id    TEXT NOT NULL,
    event       TEXT NOT NULL,
    chat_id     INTEGER NOT NULL,
    url         TEXT NOT NULL,
    body        TEXT NOT NULL,
    status      TEXT NOT NULL DEFAULT 'pending',
    attempts    INTEGER NOT NULL DEFAULT 0,
    created_at  INTEGER NOT NULL,
    due_at      INTEGER NOT NULL,
    done_at     INTEGER,
    last_status INTEGER,
    last_error  TEXT,
    UNIQUE (event_id, url)
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries(status, due_at);
