-- E-mail through the outbox (kinds `mail.*`). The notices limited to one per 30 minutes lock
-- their counter row first, so two nodes cannot both decide to send; each daily report is
-- queued once per local day.

UPDATE outbox SET kind = 'mail.long_wait' WHERE kind = 'admin_notice';
UPDATE outbox SET kind = 'mail.chat_history' WHERE kind = 'chat_history';
INSERT INTO counters (name, value) VALUES ('mail.long_wait', 0);
INSERT INTO counters (name, value) VALUES ('mail.negative_rating', 0);

CREATE TABLE daily_reports (
    day        TEXT PRIMARY KEY,
    queued_at  INTEGER NOT NULL
);
