-- Chat event handlers (chat-handlers.md): each `event.chat_*` outbox row becomes one delivery
-- per receiving URL, with its body fixed when it is queued so that every retry and manual
-- re-send is identical. status: pending, delivered, failed (not retried), dead (retries spent).

CREATE TABLE webhook_deliveries (
    id          BIGSERIAL PRIMARY KEY,
    event_id    TEXT NOT NULL,
    event       TEXT NOT NULL,
    chat_id     BIGINT NOT NULL,
    url         TEXT NOT NULL,
    body        TEXT NOT NULL,
    status      TEXT NOT NULL DEFAULT 'pending',
    attempts    BIGINT NOT NULL DEFAULT 0,
    created_at  BIGINT NOT NULL,
    due_at      BIGINT NOT NULL,
    done_at     BIGINT,
    last_status BIGINT,
    last_error  TEXT,
    UNIQUE (event_id, url)
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries(status, due_at);
