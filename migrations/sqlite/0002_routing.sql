-- Routing: bots, languages, assignment bookkeeping, auto-message state, outcomes, durable
-- timers. Times are integer microseconds.

CREATE TABLE bots (
    operator_id INTEGER PRIMARY KEY REFERENCES operators(id) ON DELETE CASCADE,
    sort_order  INTEGER NOT NULL DEFAULT 100,
    created_at  INTEGER NOT NULL
);

ALTER TABLE operators ADD COLUMN last_assigned_at INTEGER NOT NULL DEFAULT 0;

ALTER TABLE chats ADD COLUMN language TEXT;
ALTER TABLE chats ADD COLUMN priority INTEGER NOT NULL DEFAULT 0;
ALTER TABLE chats ADD COLUMN assigned_at INTEGER;
ALTER TABLE chats ADD COLUMN first_visitor_message_at INTEGER;
ALTER TABLE chats ADD COLUMN first_answer_at INTEGER;
ALTER TABLE chats ADD COLUMN busy_messages INTEGER NOT NULL DEFAULT 0;
ALTER TABLE chats ADD COLUMN response_busy_sent BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE chats ADD COLUMN outcome TEXT;
ALTER TABLE chats ADD COLUMN operator_closed_at INTEGER;

-- One pending deadline per kind and chat; a fired timer is deleted in the transaction that
-- acts on it.
CREATE TABLE timers (
    kind       TEXT NOT NULL,
    chat_id    INTEGER NOT NULL REFERENCES chats(id),
    due_at     INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (kind, chat_id)
);
CREATE INDEX timers_due ON timers(due_at);
CREATE INDEX chats_waiting ON chats(operator_id, state, priority, id);
