-- External bots (bot-api.md): how to reach them, their token, opt-in extensions. Bot events
-- travel through the outbox (kind 'bot_event', subject = chat id), in order per chat.

ALTER TABLE bots ADD COLUMN api_version BIGINT NOT NULL DEFAULT 2;
ALTER TABLE bots ADD COLUMN webhook_url TEXT NOT NULL DEFAULT '';
ALTER TABLE bots ADD COLUMN token TEXT;
ALTER TABLE bots ADD COLUMN flags TEXT NOT NULL DEFAULT '{}';
ALTER TABLE bots ADD COLUMN reply_timeout_secs BIGINT NOT NULL DEFAULT 0;
CREATE UNIQUE INDEX bots_token ON bots(token);

ALTER TABLE outbox ADD COLUMN last_error TEXT;
CREATE INDEX outbox_queue ON outbox(kind, done_at, subject, id);
